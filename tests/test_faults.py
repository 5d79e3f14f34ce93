"""Faults found from outside: datagrams that could stall OSC for good, log floods from accepted
commands, replies as an amplifier, files that hang or exhaust the box, a data disk that fills or
goes, a clock that jumps. Real UDP, real files, a real small tmpfs, the kiosk's injected clocks."""
from __future__ import annotations

import logging
import socket
import struct
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc import osc_packet

from installation.core.commands import CommandBus
from installation.remote.osc import packets
from installation.remote.osc.messages import message
from installation.remote.osc.server import OscServer
from installation.remote.osc.settings import OscConfig

from conftest import ROOT, to_ready, unpacked, wait_for

TIMETAG = struct.pack(">II", 0, 1)  # "immediately"


def bundle(*elements: bytes, sizes=None) -> bytes:
    sizes = sizes or [len(e) for e in elements]
    return b"#bundle\x00" + TIMETAG + b"".join(struct.pack(">i", n) + e for n, e in zip(sizes, elements))


def ping(port: int, token: int, timeout: float = 3.0):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(message("/kiosk/ping", token), ("127.0.0.1", port))
        return sock.recvfrom(65536)[0]


def test_a_bundle_that_lies_about_its_size_leaves_osc_answering(caplog):
    """20 bytes: a bundle whose one element is -4 bytes long. python-osc's parser stepped back
    onto the same size for ever, on the server's only thread: OSC was dead until a restart."""
    server = OscServer(OscConfig(port=0), CommandBus(8))
    server.start()
    try:
        bomb = b"#bundle\x00" + TIMETAG + struct.pack(">i", -4)
        assert len(bomb) == 20
        with caplog.at_level(logging.WARNING), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for lie in (bomb, bundle(message("/kiosk/ping"), sizes=[0]), bundle(message("/kiosk/ping"), sizes=[4000])):
                sock.sendto(lie, server.address)
            assert b"/pong" in ping(server.address[1], 1), "answered at once after the bombs"
        assert server.rejected == 3
        assert "dropped: a bundle element of -4 bytes" in caplog.text
        assert "Could not identify content type" not in caplog.text, "no line per element from python-osc"
    finally:
        server.close()


elements = st.recursive(
    st.sampled_from([message("/kiosk/ping", 1), message("/kiosk/volume", 0.5), b"/x\x00\x00", b"junk"]),
    lambda inner: st.lists(inner, max_size=5).map(lambda items: bundle(*items)),
    max_leaves=30)


@st.composite
def lying_bundles(draw):
    """Bundles of bundles whose element sizes are sometimes true, sometimes anything at all."""
    items = draw(st.lists(elements, max_size=6))
    sizes = [draw(st.one_of(st.just(len(e)), st.integers(-2 ** 31, 2 ** 31 - 1), st.integers(-8, 64)))
             for e in items]
    data = bundle(*items, sizes=sizes)
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


def parses_in_time(data: bytes, seconds: float = 2.0) -> bool:
    """python-osc parses (or refuses) `data` without looping: on a thread of its own, in time."""
    def parse() -> None:
        try:
            osc_packet.OscPacket(data)
        except osc_packet.ParseError:
            pass
    thread = threading.Thread(target=parse, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lying_bundles())
def test_whatever_the_structure_check_passes_python_osc_parses_in_bounded_time(data):
    started = time.perf_counter()
    why = packets.problem(data)
    assert time.perf_counter() - started < 0.05, "the check itself is a single pass"
    if why is None:
        assert parses_in_time(data), f"python-osc looped on {data[:80]!r}"


def test_the_structure_check_refuses_deep_nesting_and_too_many_elements():
    deep = message("/kiosk/ping")
    for _ in range(packets.MAX_DEPTH):
        deep = bundle(deep)
    assert packets.problem(deep) is None
    assert "nested deeper" in packets.problem(bundle(deep))
    many = bundle(*[message("/kiosk/ping")] * (packets.MAX_ELEMENTS + 1))
    assert "more than" in packets.problem(many)
    assert packets.problem(bundle(*[message("/kiosk/ping")] * packets.MAX_ELEMENTS)) is None


def test_the_server_thread_counts_as_alive_only_while_it_returns_to_its_socket():
    server = OscServer(OscConfig(port=0), CommandBus(8))
    server.start()
    try:
        wait_for(lambda: server.responsive(time.monotonic()), 5, "the server's loop")
        stuck = threading.Event()
        original = server.server.dispatcher.call_handlers_for_packet
        server.server.dispatcher.call_handlers_for_packet = lambda data, addr: (stuck.wait(30), original(data, addr))[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(message("/kiosk/ping"), server.address)  # the handler now hangs on it
        wait_for(lambda: not server.responsive(time.monotonic(), patience=1.0), 10, "the hang noticed")
        started = time.monotonic()
        server.close()  # a quit never waits long on a stuck thread
        assert time.monotonic() - started < 5.0
    finally:
        stuck.set()


def test_the_groove_cutter_gives_way_to_the_callback_and_the_picture(tmp_path):
    """The sound process runs at real-time priority; its loader thread cut grooves at it too,
    holding a core for seconds at each disc (a fader sweep: for a minute), the callback's own
    status loop and the kiosk's frames waiting behind it. A cut runs at ordinary priority."""
    import os

    import numpy as np
    import pytest
    import soundfile

    from installation.sound.grooves import LOADER_NICE, GrooveCache, Loader
    from installation.sound.port import PlayFile
    from installation.sound.settings import DspConfig

    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))  # as the sound process does
    except (OSError, AttributeError):
        pytest.skip("real-time scheduling is not allowed here")
    seen = []
    try:
        loader = Loader(GrooveCache(10), lambda c: seen.append((os.sched_getscheduler(0),  # on the loader's thread
                                                               os.getpriority(os.PRIO_PROCESS, 0))), lambda: 48000)
    finally:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    soundfile.write(str(tmp_path / "тон.wav"), np.zeros(4800, np.float32), 48000)
    loader.play_file(PlayFile("тон", tmp_path / "тон.wav", DspConfig()))
    wait_for(lambda: seen, 30, "the cut delivered")
    loader.close()
    assert seen == [(os.SCHED_OTHER, LOADER_NICE)]


def test_a_fader_sweep_cuts_the_groove_once_for_its_last_value_not_once_per_step():
    """200 /dsp/cutter/lowpass_hz in a sweep queued 200 full re-cuts in the sound process (41
    CPU-s, +260 MB, underruns, a minute to clear). Only the latest settings are cut."""
    import numpy as np

    from installation.sound.engine import AudioEngine
    from installation.sound.port import SetParam
    from installation.sound.readhead import Track
    from installation.sound.settings import AudioConfig, DspConfig

    from conftest import settled

    engine = AudioEngine(AudioConfig(fade_seconds=0.0), DspConfig())
    rng = np.random.default_rng(5)
    engine.play(Track.from_samples("шум", rng.normal(0, 0.1, 48000 * 60).astype(np.float32)), spin_up=False)
    out = np.zeros((256, 2), np.float32)
    engine.render(out)
    cuts_before = len(engine.grooves.keys())
    started = time.perf_counter()
    sweep = np.linspace(2000.0, 8000.0, 200)
    for hz in sweep:  # all of them while the first cut of a minute's groove is still going
        engine.apply(SetParam("cutter", "lowpass_hz", float(hz)))
    settled(engine)
    took = time.perf_counter() - started
    for _ in range(4):
        engine.render(out)  # the new groove takes over
    cuts = len(engine.grooves.keys()) - cuts_before
    print(f"200-step sweep: {cuts} re-cuts, settled in {took:.1f} s")
    assert cuts <= 3, f"{cuts} re-cuts for one sweep"  # the one in flight, and one with the last value
    assert engine.player.dsp.settings.cutter.lowpass_hz == sweep[-1], "the sweep's last value is the one heard"
    engine.close()


def _png_header_only(path, width: int, height: int) -> None:
    """A PNG that declares `width` x `height` grey pixels and holds a few compressed rows: what a
    decompression bomb looks like before it is decoded."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_a_named_pipe_for_audio_or_text_is_one_named_problem_and_blocks_nothing(content_copy):
    """`mkfifo audio.wav` hung `check` and every start of the kiosk (the open waits for a writer)."""
    import os

    from installation.content.library import load_library
    from installation.screen.disc_art import load_scan

    discs = sorted((content_copy / "discs").iterdir())
    audio = next(p for p in discs[0].iterdir() if p.name.startswith("audio"))
    audio.unlink()
    os.mkfifo(audio)
    yaml_pipe = discs[1] / "disc.yaml"
    yaml_pipe.unlink()
    os.mkfifo(yaml_pipe)
    result = {}
    thread = threading.Thread(target=lambda: result.update(lib=load_library(content_copy, deep=True,
                                                                            check_scan=load_scan)), daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "reading the collection blocked on a pipe"
    problems = result["lib"].problems
    assert any(str(audio) in p and "named pipe" in p for p in problems), problems
    assert any(str(yaml_pipe) in p and "named pipe" in p for p in problems), problems
    assert len(result["lib"].discs) == 4


def test_a_scan_declaring_too_many_pixels_is_refused_by_its_header(content_copy):
    """30000x30000 grey is 875 KB as a PNG and 3.6 GB decoded: it passed check (1 GB) and the
    kiosk was killed for memory before its first frame. The header is read, not the pixels."""
    from installation.content.library import load_library

    folder = sorted((content_copy / "discs").iterdir())[0]
    scan = next(p for p in folder.iterdir() if p.suffix == ".png")
    _png_header_only(scan, 30000, 30000)
    library = load_library(content_copy)
    assert [p for p in library.problems if str(scan) in p] == [
        f"{scan}: 30000x30000 pixels (900 megapixels), more than content.max_scan_megapixels (40): scale it down"]
    assert len(library.discs) == 5


def test_the_scan_size_is_read_from_png_and_jpeg_headers(tmp_path):
    import pygame

    from installation.content.images import image_size

    pygame.display.init()
    surface = pygame.Surface((321, 123))
    for name in ("s.png", "s.jpg"):
        pygame.image.save(surface, str(tmp_path / name))
        assert image_size(tmp_path / name) == (321, 123), name
    (tmp_path / "x.png").write_bytes(b"GIF89a" + bytes(40))
    try:
        image_size(tmp_path / "x.png")
        raise AssertionError("a GIF passed for a PNG")
    except ValueError as exc:
        assert "neither a PNG nor a JPEG" in str(exc)


def test_an_audio_header_with_a_rate_no_recording_has_is_refused(content_copy):
    """A 1.7 KB WAV declaring 1 Hz passed as a 28-minute disc; the sound process then held 837 MB."""
    from installation.content.library import load_library
    from installation.sound.loader import decode

    folder = sorted((content_copy / "discs").iterdir())[0]
    for old in folder.glob("audio.*"):
        old.unlink()
    for rate in (1, 655357):
        data = bytes(1700)
        (folder / "audio.wav").write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
                                           + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
                                           + b"data" + struct.pack("<I", len(data)) + data)
        library = load_library(content_copy)
        assert [p for p in library.problems if "audio.wav" in p] == [
            f"{folder / 'audio.wav'}: cannot decode audio: sample rate {rate:g} Hz: not one a recording has "
            "(8 to 192 kHz); a damaged file?"], rate
        try:
            decode(folder / "audio.wav", 48000)
            raise AssertionError("decoded")
        except ValueError as exc:
            assert "not one a recording has" in str(exc)


@pytest.mark.slow
def test_a_flood_of_accepted_commands_leaves_the_log_short(tmp_path):
    """Valid addresses, refused by what they ask: /kiosk/disc of no disc (11.75 MB of kiosk.log in
    10 s), /lathe/start with the lathe idle (18.7 MB on stderr in 20 s), /kiosk/selftest (5.6 MB
    in 10 s). Each kind of line is held to a few a minute; the start-up lines stay in the file."""
    import os
    import signal

    from conftest import ROOT, free_udp_port, start_kiosk, write_config

    port, data = free_udp_port(), tmp_path / "data"
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", data,
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n"
                       "lathe:\n  enabled: true\n  backend: simulated\n")
    stderr = tmp_path / "stderr.txt"
    proc = start_kiosk(cfg, {**os.environ, "SDL_VIDEODRIVER": "dummy"}, stderr)
    try:
        wait_for(lambda: b"/pong" in ping(port, 0), 30, "the kiosk answering")
        log = data / "kiosk.log"
        before_log, before_err = log.stat().st_size, stderr.stat().st_size
        flood = bundle(*([message("/kiosk/disc", "нет-такого"), message("/lathe/start"),
                          message("/kiosk/selftest")] * 40))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            deadline = time.monotonic() + 4.0
            while time.monotonic() < deadline:
                sock.sendto(flood, ("127.0.0.1", port))
                time.sleep(0.01)
        assert b"/pong" in ping(port, 1, timeout=60), "answering all along (behind what the socket holds)"
        time.sleep(1.0)
        grew_log, grew_err = log.stat().st_size - before_log, stderr.stat().st_size - before_err
        text = log.read_text(encoding="utf-8")
        print(f"4 s of accepted floods: kiosk.log +{grew_log / 1000:.1f} KB, stderr +{grew_err / 1000:.1f} KB")
        assert grew_log < 40_000 and grew_err < 40_000, (grew_log, grew_err)
        assert "OSC: listening on" in text, "the start-up lines are still in the file"
        assert text.count("no such disc") <= 21 and text.count("start refused") <= 21
        assert text.count("held back") <= 22, "replies over their budget (refusals answered) said at most 20 a minute"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def _client(source: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    sock.settimeout(1.0)
    return sock


def _received(sock: socket.socket) -> list:
    got = []
    try:
        while True:
            got.append(sock.recvfrom(65536)[0])
    except socket.timeout:
        return got


def test_a_request_earns_one_bounded_datagram_back_and_only_where_a_role_reads_replies():
    """An 8,176-byte bundle of /kiosk/status from a forged source drew 3,242 datagrams (88 KB) at
    that address: 10.8x. One datagram back per datagram in, to a role with `replies` only."""
    from installation.remote.osc.settings import RoleConfig

    roles = {"technician": RoleConfig(prefixes=("/kiosk/status", "/kiosk/ping"), replies=True),
             "quiet": RoleConfig(networks=("127.0.0.2/32",), prefixes=("/kiosk/ping",))}
    server = OscServer(OscConfig(port=0, roles=roles), CommandBus(8))
    server.start()
    try:
        request = bundle(*[message("/kiosk/status")] * 255)
        with _client() as sock:
            sock.sendto(request, server.address)
            answers = _received(sock)
        assert len(answers) == 1, f"{len(answers)} datagrams for one request"
        assert len(answers[0]) <= 2048 and len(answers[0]) < len(request), (len(answers[0]), len(request))
        assert [a for a, _ in unpacked(answers[0])][0] == "/status/scene", "one status"
        with _client("127.0.0.2") as sock:
            sock.sendto(message("/kiosk/ping", 1), server.address)
            assert _received(sock) == [], "a role that does not read replies gets none"
        assert server.unanswered == 1
    finally:
        server.close()


def test_no_address_is_sent_more_than_its_budget_a_second():
    from installation.remote.osc.server import REPLY_BYTES_PER_SECOND

    server = OscServer(OscConfig(port=0), CommandBus(8))
    server.start()
    try:
        ping_ = message("/kiosk/ping", "x" * 900)  # each pong as large as its ping
        with _client() as sock:
            for _ in range(100):  # 92 KB asked for in a moment
                sock.sendto(ping_, server.address)
            got = sum(len(d) for d in _received(sock))
        print(f"100 pings of {len(ping_)} bytes: {got} bytes back")
        assert got <= REPLY_BYTES_PER_SECOND * 1.5  # a second's budget (and what refilled while they came)
        assert server.unanswered > 0
    finally:
        server.close()


def test_as_shipped_this_boxs_programs_may_ask_how_the_show_is_but_not_steer_it():
    """Every local process, `nobody` included, had the performer's role: it set the volume to 0,
    postponed the demo by a day and armed the lathe with /lathe/force."""
    import dataclasses

    from installation.config.composed import load_config

    from conftest import ROOT

    cfg = load_config(ROOT / "config.yaml")
    bus = CommandBus(64)
    server = OscServer(dataclasses.replace(cfg.osc, port=0), bus)
    server.start()
    try:
        with _client() as sock:
            for address, args in (("/kiosk/volume", (0.0,)), ("/demo/postpone", (1440.0,)), ("/lathe/force", ()),
                                  ("/kiosk/disc", ("vals-kisti",))):
                sock.sendto(message(address, *args), server.address)
            sock.sendto(message("/kiosk/status"), server.address)
            answers = _received(sock)
        assert len(answers) == 1 and unpacked(answers[0])[0][0] == "/status/scene", "status answered"
        assert len(bus) == 0 and server.rejected == 4, "nothing steered"
    finally:
        server.close()


def test_a_disc_played_again_within_a_minute_is_the_same_play(tmp_path):
    """A script posting /kiosk/disc in a loop counted 6,651 plays in 10 s."""
    from installation.app.kiosk import Services
    from installation.core.commands import PlayDisc
    from installation.service.play_counts import PlayCounts

    from conftest import kiosk_in_process

    counts = PlayCounts(tmp_path)
    k = kiosk_in_process(services=Services(counts=counts))
    for _ in range(100):  # ten seconds of a flood, a frame each tenth of a second
        for _ in range(10):
            k.bus.post(PlayDisc("vals-kisti"))
        k.step(0.1, events=[])
    assert counts.counts == {"vals-kisti": 1} and k.collection.plays_today[1] == 1
    for _ in range(51):
        k.step(1.0, events=[])
    k.bus.post(PlayDisc("vals-kisti"))
    k.step(0.1, events=[])
    assert counts.counts == {"vals-kisti": 2}, "a minute later it is a play again"
    assert k.show.plays > 100, "every one of them was played"
    counts.close()


@pytest.fixture
def small_disk(tmp_path):
    """A real, small tmpfs mounted for the test (root only: CI runs as root)."""
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _read_only(mount) -> None:
    import subprocess

    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)


def test_a_read_only_data_disk_while_a_demo_is_on_never_stops_the_show(small_disk):
    """Writing demos.json raised out of the main loop: exit, and again at every restart inside the
    demo's window. The show goes on with its state in memory, says so, and saves when it can."""
    import dataclasses
    import datetime as dt
    import subprocess

    from installation.app.kiosk import Services
    from installation.config.composed import load_config
    from installation.show.calendar import DemoConfig, DemoSchedule, DemosConfig

    from conftest import kiosk_in_process

    data = small_disk / "data"
    data.mkdir()
    _read_only(small_disk)
    start = dt.datetime(2026, 12, 5, 14, 0, tzinfo=dt.timezone.utc)
    clock = {"now": start - dt.timedelta(minutes=1)}
    demos = DemosConfig(timezone="UTC", events=(DemoConfig(when="2026-12-05 14:00", performer="Анна", title="Буги"),))
    cfg = dataclasses.replace(load_config(ROOT / "config.yaml"), data_dir=str(data))
    k = kiosk_in_process(cfg, Services(schedule=DemoSchedule(demos, data / "demos.json"), wall=lambda: clock["now"]))
    for _ in range(3):
        k.step(1 / 60, events=[])
    clock["now"] = start + dt.timedelta(seconds=5)  # the demo starts: the ledger must say so
    for _ in range(3):
        k.step(1 / 60, events=[])
    assert k.health.running and k.show.scene.name == "live_cut"
    assert k.programme.phase.kind == "live", "fired, in memory"
    k.step(11.0, events=[])  # the self-test 10 s after start
    k.step(1 / 60, events=[])
    assert "cannot save" in k.health.self_test.summary() and "demos.json" in k.health.self_test.summary()
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    clock["now"] = start + dt.timedelta(minutes=2)  # a minute on: the ledger tries again
    k.step(1 / 60, events=[])
    assert "fired" in (data / "demos.json").read_text(encoding="utf-8"), "saved once the disk allowed"


def test_the_log_file_comes_back_when_its_folder_is_deleted(tmp_path):
    import logging
    import shutil

    from installation.service.logs import setup_logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    data = tmp_path / "данные"
    try:
        setup_logging(data)
        logging.getLogger("installation.test").warning("before")
        shutil.rmtree(data)  # a technician cleaning up, a card re-mounted under the kiosk
        logging.getLogger("installation.test").warning("after")
        assert "after" in (data / "kiosk.log").read_text(encoding="utf-8")
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)


class ToneStream:
    """A stand-in for the station's interface: its callback fed a tone from a thread of its own
    at the interface's pace (what is under test here is the disk, not the sound card)."""

    def __init__(self, cfg, callback):
        import numpy as np

        self.cfg, self.callback, self.active, self.closed = cfg, callback, False, False
        self.device = "tone"
        self._tone = (0.3 * np.sin(2 * np.pi * 330 * np.arange(cfg.block_size) / cfg.sample_rate))
        self._thread = None

    def start(self):
        import numpy as np

        self.active = True

        def feed():
            period = self.cfg.block_size / self.cfg.sample_rate
            while self.active:
                indata = np.tile(self._tone[:, None], (1, self.cfg.input_channel)).astype(np.float32)
                outdata = np.zeros((self.cfg.block_size, self.cfg.output_channel), np.float32)
                self.callback(indata, outdata, self.cfg.block_size, None, None)
                time.sleep(period)
        self._thread = threading.Thread(target=feed, daemon=True)
        self._thread.start()

    def stop(self):
        self.active = False
        if self._thread is not None:
            self._thread.join(2)

    abort = stop

    def close(self):
        self.stop()
        self.closed = True


def _station(data, side_seconds: float):
    from installation.lathe.archive import Archive
    from installation.lathe.settings import CutterAudioConfig, LatheConfig
    from installation.lathe.simulated import SimulatedLathe
    from installation.lathe.station import LatheStation, Window
    from installation.lathe.station_audio import StationAudio

    from conftest import FastClock

    cfg = LatheConfig(enabled=True, audio=CutterAudioConfig())
    audio = StationAudio(cfg.audio, lambda c, callback: (ToneStream(c, callback), "tone"))
    station = LatheStation(cfg, SimulatedLathe(cfg), audio, Archive(data), CommandBus(), clock=FastClock(5.0))
    station.window = Window(performer="Анна", title="Буги", side_seconds=side_seconds)
    return station


def test_a_side_the_data_disk_has_no_room_for_is_not_armed(small_disk):
    station = _station(small_disk / "data", side_seconds=30.0)  # 10 MB of recording on an 8 MB disk
    station.start()
    try:
        station.request("arm", "test")
        wait_for(lambda: station.view.refusal, 10, "the refusal")
        assert "no room on the data disk for a side of 30 s" in station.view.refusal, station.view.refusal
        assert not station.view.armed
    finally:
        station.close()


def test_a_disk_that_fills_during_a_cut_stops_it_and_keeps_what_was_cut(small_disk):
    """The recording failed at +14 s and the lathe cut on to the end of the side; then groove.npy
    failed, the station e-stopped into fault and cut.yaml said `outcome: cutting` for good."""
    import yaml

    data = small_disk / "data"
    station = _station(data, side_seconds=10.0)
    station.start()
    try:
        to_ready(station)
        station.request("start", "test")
        wait_for(lambda: station.view.state == "cutting", 10, "cutting")
        cut = next((data / "cuts").iterdir())
        wait_for(lambda: (cut / "cut.wav").stat().st_size > 48000 * 3 // 2, 20, "half a second recorded")
        with open(small_disk / "filler", "wb") as fh:  # the rest of the disk taken by something else
            try:
                while True:
                    fh.write(bytes(1 << 16))
            except OSError:
                pass
        wait_for(lambda: station.view.state != "cutting", 20, "the cut stopped")
        assert station.view.state == "aborted", station.view.reason
        assert "cannot write the recording" in station.view.reason
        meta = yaml.safe_load((cut / "cut.yaml").read_text(encoding="utf-8"))
        assert meta["outcome"] == "aborted" and "cannot write the recording" in meta["reason"]
        assert (cut / "groove.npy").exists() and meta["seconds"] > 0.3
    finally:
        station.close()


def test_a_clock_jumping_back_over_a_finished_demo_does_not_open_it_again(tmp_path):
    """NTP correcting a Pi by an hour, or a technician: the finished demo's countdown showed again
    and its cutting window opened a second time."""
    import datetime as dt

    from installation.show.calendar import DemoConfig, DemoSchedule, DemosConfig
    from installation.show.programme import cutting_window

    start = dt.datetime(2026, 12, 5, 15, 0, tzinfo=dt.timezone.utc)
    cfg = DemosConfig(timezone="UTC", countdown_minutes=15,
                      events=(DemoConfig(when="sat 15:00", duration_minutes=30, title="Буги"),))
    sched = DemoSchedule(cfg, tmp_path / "demos.json")
    for minutes in (-10, 0, 10, 29, 31):  # the countdown, the start, the window, its end
        sched.tick(start + dt.timedelta(minutes=minutes))
        if minutes == 10:
            assert cutting_window(sched.phase(start + dt.timedelta(minutes=10))) is not None, "live in its window"
    for back in (-20, -5, 1, 20):  # the clock goes back an hour from 15:31, and runs on from there
        now = start + dt.timedelta(minutes=back)
        sched.tick(now)
        assert sched.phase(now) is None, f"{back} min: the finished demo counts down or opens again"
        assert cutting_window(sched.phase(now)) is None
    again = DemoSchedule(cfg, tmp_path / "demos.json")  # and after a restart, from the ledger alone
    assert again.phase(start + dt.timedelta(minutes=5)) is None
    assert again.phase(start + dt.timedelta(days=7, minutes=-10)).kind == "countdown", "next week's is its own"


def test_a_clock_jumping_over_the_check_before_opening_runs_it_at_the_opening():
    import dataclasses
    import datetime as dt

    from installation.app.kiosk import Services
    from installation.config.composed import load_config
    from installation.show.calendar import OpeningHoursConfig

    from conftest import ROOT, kiosk_in_process

    cfg = load_config(ROOT / "config.yaml")
    cfg = dataclasses.replace(cfg, opening_hours=OpeningHoursConfig(enabled=True, wed="10:00-18:00"),
                              demos=dataclasses.replace(cfg.demos, timezone="UTC"))
    clock = {"now": dt.datetime(2026, 11, 25, 9, 49, tzinfo=dt.timezone.utc)}  # a Wednesday, 09:49
    k = kiosk_in_process(cfg, Services(wall=lambda: clock["now"]))
    k.step(1 / 60, events=[])
    assert k.show.scene.name == "closed" and k.health.self_test is None
    clock["now"] = dt.datetime(2026, 11, 25, 10, 1, tzinfo=dt.timezone.utc)  # NTP: twelve minutes later
    k.step(1 / 60, events=[])
    k.step(1 / 60, events=[])
    assert k.show.scene.name == "attract"
    assert k.health.self_test is not None and "at the opening" in k.health.self_test.reason


def test_a_lathe_station_that_stops_stepping_stops_the_watchdogs_pings(tmp_path):
    """The lathe must never be left unwatched: a station thread that hangs (a serial write that
    never returns) takes the watchdog's pings with it, and systemd restarts the kiosk."""
    station = _station(tmp_path / "data", side_seconds=10.0)
    station.start()
    try:
        wait_for(lambda: station.responsive(time.monotonic()), 5, "stepping")
        stuck = threading.Event()
        station.lathe.poll = lambda now: stuck.wait(30)  # the backend hangs inside a step
        wait_for(lambda: not station.responsive(time.monotonic(), patience=1.0), 10, "the hang noticed")
    finally:
        stuck.set()
        station.close()
