"""OSC over real UDP on loopback: python-osc and liblo clients, replies, roles, bad input, fuzz."""
from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import socket
import subprocess
import time

import numpy as np
import pygame
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc.udp_client import SimpleUDPClient

from installation.app.kiosk import Kiosk, Services
from installation.config.composed import load_config
from installation.content.library import load_library
from installation.core.commands import CommandBus, Presence, ShowScene
from installation.remote.osc.messages import message
from installation.remote.osc.routes import ROUTES
from installation.remote.osc.server import OscServer
from installation.remote.osc.settings import OscConfig, RoleConfig
from installation.service.status import StatusBoard
from installation.sound.engine import AudioEngine
from installation.sound.port import SetParam, SetSpeed, SetVolume
from installation.sound.settings import AudioConfig, DspConfig
from installation.sound.turntable import EncoderTracker

from conftest import ROOT, drained, local_performer, run_cli, unpacked


def make_server(**osc) -> OscServer:
    cfg = dataclasses.replace(local_performer(OscConfig(port=0)), **osc)
    server = OscServer(cfg, CommandBus(cfg.queue_size), AudioEngine(AudioConfig(fade_seconds=0.0), DspConfig()))
    server.start()
    return server


@pytest.fixture
def server():
    s = make_server()
    yield s
    s.close()


class Client:
    """A UDP socket that sends OSC and reads what comes back to it."""

    def __init__(self, target, source_ip="127.0.0.1"):
        self.target = target
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((source_ip, 0))
        self.sock.settimeout(2.0)

    def send(self, address, *args):
        self.sock.sendto(message(address, *args), self.target)

    def raw(self, data: bytes):
        self.sock.sendto(data, self.target)

    def replies(self, count=1):
        """The first `count` messages that come back (a status comes as one bundle of them)."""
        out = []
        while len(out) < count:
            out += unpacked(self.sock.recvfrom(65536)[0])
        return out[:count]

    def close(self):
        self.sock.close()


def wait_until(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def settled(server, quiet: float = 0.3, timeout: float = 30.0) -> None:
    """Wait until the server has handled everything that reached it (its count stops moving)."""
    deadline, seen, since = time.time() + timeout, -1, time.time()
    while time.time() < deadline:
        if server.received != seen:
            seen, since = server.received, time.time()
        elif time.time() - since >= quiet:
            return
        time.sleep(0.02)


def engine_commands(engine, kind):
    return [c for c in drained(engine) if isinstance(c, kind)]


@pytest.fixture
def kiosk_with_osc():
    pygame.display.init()
    pygame.font.init()
    cfg = load_config(ROOT / "config.yaml")
    bus, status = CommandBus(64), StatusBoard()
    server = OscServer(local_performer(dataclasses.replace(cfg.osc, port=0)), bus,
                       AudioEngine(AudioConfig(fade_seconds=0.0), cfg.dsp), status.read)
    kiosk = Kiosk(cfg, load_library(ROOT / "assets"), pygame.display.set_mode((640, 400)),
                  Services(sound=server.sound, bus=bus, status=status, osc=server, turntable=server.turntable))
    server.start()
    kiosk.show.switch("attract")
    yield kiosk, server
    server.close()


def test_python_osc_client_drives_the_kiosk(kiosk_with_osc):
    kiosk, server = kiosk_with_osc
    client = SimpleUDPClient("127.0.0.1", server.address[1])
    client.send_message("/kiosk/disc", "свинг-под-черепом")
    assert wait_until(lambda: len(server.bus))
    kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "player" and kiosk.show.scene.disc.id == "свинг-под-черепом"
    client.send_message("/kiosk/stop", [])
    assert wait_until(lambda: len(server.bus))
    kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "attract"


def test_presence_wakes_and_keeps_the_kiosk_awake(kiosk_with_osc):
    kiosk, server = kiosk_with_osc
    client = SimpleUDPClient("127.0.0.1", server.address[1])
    client.send_message("/sensor/presence", ["вход", 1])
    assert wait_until(lambda: len(server.bus))
    kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "player"
    for _ in range(int(kiosk.cfg.kiosk.idle_seconds) + 5):
        kiosk.step(1.0, events=[])
    assert kiosk.show.scene.name == "player", "someone is still there"
    client.send_message("/sensor/presence", ["вход", 0])
    assert wait_until(lambda: len(server.bus))
    for _ in range(int(kiosk.cfg.kiosk.idle_seconds) + 2):
        kiosk.step(1.0, events=[])
    assert kiosk.show.scene.name == "attract"


@pytest.mark.skipif(not shutil.which("oscsend"), reason="liblo-tools not installable here")
def test_liblo_oscsend_reaches_the_handlers(kiosk_with_osc):
    kiosk, server = kiosk_with_osc
    port = str(server.address[1])
    subprocess.run(["oscsend", "localhost", port, "/kiosk/volume", "f", "0.25"], check=True, timeout=10)
    subprocess.run(["oscsend", "localhost", port, "/kiosk/disc", "s", "танго-позвонков"], check=True, timeout=10)
    subprocess.run(["oscsend", "localhost", port, "/dsp/cutter/lowpass_hz", "i", "3000"], check=True, timeout=10)
    assert wait_until(lambda: len(server.bus) >= 2)
    kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.disc.id == "танго-позвонков"
    commands = drained(kiosk.sound)
    assert SetVolume(0.25) in commands
    assert kiosk.sound.dsp_cfg.cutter.lowpass_hz == 3000.0  # cut into the groove: a re-cut


def test_ping_and_status_reply_to_the_sender(kiosk_with_osc):
    kiosk, server = kiosk_with_osc
    kiosk.show.switch("player", disc_id="vals-kisti")
    kiosk.step(1 / 60, events=[])
    client = Client(server.address)
    client.send("/kiosk/ping", 42, "привет")
    assert client.replies() == [("/pong", [42, "привет"])]
    client.send("/kiosk/status")
    replies = dict(client.replies(9))
    assert replies["/status/scene"] == ["player"] and replies["/status/disc"] == ["vals-kisti"]
    assert replies["/status/dropped"] == [0] and isinstance(replies["/status/uptime"][0], int)  # whole seconds
    client.close()


@pytest.mark.skipif(not shutil.which("oscdump"), reason="liblo-tools not installable here")
def test_feedback_is_pushed_to_configured_hosts(kiosk_with_osc, tmp_path):
    kiosk, server = kiosk_with_osc
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = open(tmp_path / "dump.txt", "w")
    dump = subprocess.Popen(["oscdump", "-L", str(port)], stdout=out, stderr=subprocess.STDOUT)
    try:
        time.sleep(0.5)
        feedback = dataclasses.replace(kiosk.cfg.osc.feedback, hosts=(f"127.0.0.1:{port}",), interval_seconds=0.1)
        kiosk.health.feedback = feedback
        kiosk.show.switch("player", disc_id="bugi-na-rebrakh")
        for _ in range(30):
            kiosk.step(1 / 60, events=[])
        assert wait_until(lambda: "bugi-na-rebrakh" in (tmp_path / "dump.txt").read_text(), 5)
        assert "/status/scene s \"player\"" in (tmp_path / "dump.txt").read_text()
    finally:
        dump.terminate()
        out.close()


def test_roles_by_source_address(caplog):
    roles = {"performer": RoleConfig(networks=("127.0.0.1/32",), prefixes=("/kiosk/",)),
             "sensor": RoleConfig(networks=("127.0.0.2/32",), prefixes=("/sensor/",))}
    server = make_server(roles=roles)
    performer, sensor = Client(server.address, "127.0.0.1"), Client(server.address, "127.0.0.2")
    try:
        with caplog.at_level(logging.WARNING):
            sensor.send("/kiosk/scene", "player")  # a sensor may not steer scenes
            sensor.send("/sensor/presence", "зал", 1)
            performer.send("/sensor/presence", "зал", 0)  # nor the performer fake a sensor
            performer.send("/kiosk/scene", "attract")
            assert wait_until(lambda: len(server.bus) >= 2 and server.rejected >= 2)
        assert server.bus.drain() == [Presence("зал", True), ShowScene("attract")]
        assert server.rejected == 2
        assert "/kiosk/scene from 127.0.0.2" in caplog.text
        sensor.send("/kiosk/ping")
        with pytest.raises(socket.timeout):
            sensor.sock.settimeout(0.5)
            sensor.replies()
    finally:
        performer.close(), sensor.close(), server.close()


@pytest.mark.parametrize("address,args,why", [
    ("/kiosk/volume", ["loud"], "level: expected a number"),
    ("/kiosk/volume", [1.5], "level: must be between 0 and 1"),
    ("/kiosk/volume", [], "expected 1 argument"),
    ("/kiosk/scene", ["lobby"], "must be one of attract, carousel, player, live_cut"),
    ("/kiosk/nothing", [], "no such address"),
    ("/turntable/2/angle", [10.0], "turntable '2' is not the one configured"),
    ("/dsp/cutter/lowpass_hz", [50.0], "dsp.cutter.lowpass_hz: must be a number between 1000.0 and 20000.0"),
    ("/dsp/mixer/gain", [1.0], "dsp: no stage 'mixer'"),
    ("/lathe/start", [], "no lathe on this kiosk (lathe.enabled is false in config.yaml)"),
])
def test_bad_messages_are_logged_with_address_and_sender_and_dropped(server, caplog, address, args, why):
    client = Client(server.address)
    with caplog.at_level(logging.WARNING):
        client.send(address, *args)
        assert wait_until(lambda: server.rejected == 1)
    assert f"OSC {address} from 127.0.0.1:{client.sock.getsockname()[1]} dropped" in caplog.text
    assert why in caplog.text
    assert len(server.bus) == 0 and not [c for c in drained(server.sound) if isinstance(c, SetParam)]
    client.close()


def encoder_angles(rpm, seconds, start_angle=0.0, start_time=0.0, rate=1000, jitter=0.0003, seed=0):
    """(time, angle) as a real encoder sends them: absolute, wrapping, arriving with jitter."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    times = start_time + np.arange(1, n + 1) / rate
    arrival = times + rng.uniform(0, jitter, n)
    samples = [(float(a), float((start_angle + rpm / 60 * 360 * (t - start_time)) % 360))
               for a, t in zip(arrival, times)]
    return samples, start_time + seconds, (start_angle + rpm / 60 * 360 * seconds) % 360


def feed(tracker, samples):
    for now, degrees in samples:
        tracker.angle(degrees, now)


def test_tracker_speed_wrap_reversal_and_hold_with_explicit_time():
    speeds = []
    tracker = EncoderTracker(speeds.append, lambda: 78.0)
    samples, t, angle = encoder_angles(78, 1.0, start_angle=300.0)  # wraps past 360 several times
    feed(tracker, samples)
    assert tracker.ratio == pytest.approx(1.0, abs=0.03) and speeds[-1] == pytest.approx(1.0, abs=0.03)
    samples, t, angle = encoder_angles(-78, 0.6, angle, t, seed=1)  # pulled back: a scratch
    feed(tracker, samples)
    assert tracker.ratio == pytest.approx(-1.0, abs=0.03) and speeds[-1] == pytest.approx(-1.0, abs=0.03)
    samples, t, angle = encoder_angles(39, 0.6, angle, t, seed=2)  # half speed
    feed(tracker, samples)
    assert tracker.ratio == pytest.approx(0.5, abs=0.03)
    tracker.check_timeout(0.25, now=t + 0.1)
    assert speeds[-1] != 0.0, "a short gap is not a hold"
    tracker.check_timeout(0.25, now=t + 0.3)  # the encoder went quiet: the platter is held
    assert speeds[-1] == 0.0 and tracker.ratio == 0.0


def test_tracker_smooths_the_picture_between_readings():
    tracker = EncoderTracker(lambda r: None, lambda: 78.0)
    assert tracker.reading(0.0) is None, "no encoder yet: the picture keeps its own motor"
    samples, t, angle = encoder_angles(78, 0.5)
    feed(tracker, samples)
    later = tracker.reading(t + 0.01)
    assert later.rev_per_s == pytest.approx(1.3, abs=0.02)
    assert later.turns - tracker.turns == pytest.approx(0.013, abs=0.001), "carried on to the frame's time"
    assert tracker.reading(t + 10).turns - tracker.turns == pytest.approx(1.3 * 0.25, abs=0.01), "at most 0.25 s on"


def test_angles_over_udp_reach_the_tracker_and_the_engine(server):
    """Loose on purpose: on a loaded machine packets arrive in bursts; the maths is tested above."""
    client = Client(server.address)
    sent = [(i * 7.5) % 360 for i in range(200)]
    for degrees in sent:
        client.send("/turntable/1/angle", degrees)
    assert wait_until(lambda: server.received >= len(sent), 20)
    tracker = server.turntable.encoder
    assert tracker.active and tracker._last_degrees == pytest.approx(sent[-1])
    assert engine_commands(server.sound, SetSpeed), "the platter speed went to the engine"
    client.close()


VALID = [message("/kiosk/ping"), message("/kiosk/volume", 0.5), message("/sensor/presence", "зал", 1),
         message("/turntable/1/angle", 12.5), message("/dsp/cutter/lowpass_hz", 4000.0),
         message("/kiosk/disc", "свинг-под-черепом")]


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 6))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


patterned = st.builds(lambda root, parts: message(root + "/".join(parts), 1.0),
                      st.sampled_from(["/kiosk/", "/sensor/", "/turntable/", "/dsp/", "/", "/lathe/"]),
                      st.lists(st.text(alphabet="*?[]{}!,ab/Z1", max_size=40), max_size=4))
datagrams = st.one_of(st.binary(max_size=300), mutated(), patterned,
                      st.binary(max_size=64).map(lambda b: b"#bundle\x00" + b),
                      st.binary(max_size=64).map(lambda b: b"/kiosk/ping\x00,s" + b))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(datagrams, min_size=50, max_size=120))
def test_fuzzed_packets_leave_the_server_answering(server, batch):
    client = Client(server.address)
    for data in batch:
        client.raw(data)
    client.send("/kiosk/ping", 7)
    deadline = time.time() + 3
    while time.time() < deadline:  # a fuzzed ping may also have earned a reply: find ours
        address, params = client.replies()[0]
        if params == [7]:
            break
    assert server.alive
    client.close()


def test_flood_is_bounded_and_counted(caplog):
    server = make_server(queue_size=8)
    client = Client(server.address)
    for i in range(3000):
        client.send("/kiosk/volume", (i % 100) / 100)
    settled(server)  # what overflowed the kernel's receive buffer never reached the server: UDP
    client.send("/kiosk/ping")
    assert client.replies() == [("/pong", [])]
    assert len(server.bus) == 8
    assert server.dropped > 0
    client.send("/kiosk/status")
    replies = dict(client.replies(9))
    assert replies["/status/dropped"] == [server.dropped]
    client.close(), server.close()


def test_osc_map_and_docs_cover_every_route():
    result = run_cli("osc-map")
    assert result.returncode == 0
    docs = (ROOT / "docs/osc.md").read_text(encoding="utf-8")
    for route in ROUTES:
        assert route.describe() in result.stdout
        assert route.describe().split(" ")[0] in docs


def test_open_stage_control_layout_uses_only_real_addresses():
    session = json.loads((ROOT / "performer/bone-music.json").read_text(encoding="utf-8"))
    server = make_server()
    dispatcher = server.server.dispatcher
    try:
        widgets = []

        def walk(node):
            for w in node.get("widgets", []) + node.get("tabs", []):
                widgets.append(w)
                walk(w)
        walk(session["content"])
        addresses = [w["address"].replace("@{gallery_box}", "all") for w in widgets
                     if w.get("address", "").startswith(("/kiosk", "/dsp", "/sensor", "/gallery/@{gallery_box}/"))]
        assert len(addresses) >= 12 and "/gallery/all/disc" in addresses
        for address in addresses:
            handlers = list(dispatcher.handlers_for_address(address))
            assert handlers and handlers[0].callback != server._unknown, address
    finally:
        server.close()


def test_the_disc_on_screen_turns_with_the_real_platter(kiosk_with_osc):
    kiosk, server = kiosk_with_osc
    kiosk.show.switch("player", disc_id="vals-kisti")
    samples, t, angle = encoder_angles(-39, 0.5, start_angle=90.0, start_time=100.0)  # pulled back, half speed
    feed(server.turntable.encoder, samples)
    kiosk.clock = lambda: t + 1 / 60  # the frame is drawn a moment after the last reading
    kiosk.step(1 / 60, events=[])
    platter = kiosk.show.scene.platter
    assert platter.speed == pytest.approx(-39 / 60, abs=0.01)
    angle_on_screen = (platter.turns % 1.0) * 360
    expected = (90.0 - 39 / 60 * 360 * (0.5 + 1 / 60)) % 360
    assert min(abs(angle_on_screen - expected), 360 - abs(angle_on_screen - expected)) < 2


def test_proximity_ramps_the_volume_when_enabled(kiosk_with_osc):
    kiosk, server = kiosk_with_osc
    prox = dataclasses.replace(kiosk.cfg.osc.proximity_volume, enabled=True, near_metres=1.0, far_metres=3.0,
                               far_volume=0.25)
    kiosk.audience.proximity = prox
    client = SimpleUDPClient("127.0.0.1", server.address[1])
    volumes = []
    for metres in (5.0, 2.0, 0.5):
        client.send_message("/sensor/proximity", ["зал", metres])
        assert wait_until(lambda: len(server.bus))
        kiosk.step(1 / 60, events=[])
        volumes.append(engine_commands(kiosk.sound, SetVolume)[-1].level)
    master = kiosk.cfg.audio.master_volume
    assert volumes == pytest.approx([master * 0.25, master * 0.625, master])


def test_a_bundle_timed_far_ahead_is_carried_out_now_and_noted_once(server, caplog):
    """A time tag is a hint: a Pi without a clock (before NTP answers) may be hours behind the
    performer's laptop. Never slept on, never dropped: carried out at once, noted once a minute."""
    import struct

    timetag = struct.pack(">II", 0xFFFFFF00, 0)  # NTP seconds since 1900: February 2036
    client = Client(server.address)
    with caplog.at_level(logging.WARNING):
        for token in (0, 1):
            inner = message("/kiosk/ping", token)
            client.raw(b"#bundle\x00" + timetag + struct.pack(">i", len(inner)) + inner)
        client.send("/kiosk/ping", 2)
        assert client.replies(3) == [("/pong", [0]), ("/pong", [1]), ("/pong", [2])], "each answered at once"
    assert caplog.text.count("its bundle is timed") == 1 and "carried out now" in caplog.text
    assert server.rejected == 0
    client.close()


def test_status_level_is_never_minus_zero():
    """A silent side's peak came out -0.0 (the negated minimum of a block of zeros)."""
    import math

    from conftest import unpacked

    cfg = local_performer(OscConfig(port=0))
    server = OscServer(cfg, CommandBus(8), status=lambda: {"level": -0.0})
    level = next(v[0] for m in server.status_messages() for a, v in unpacked(m) if a == "/status/level")
    assert level == 0.0 and math.copysign(1.0, level) == 1.0


@pytest.mark.slow  # (a sound process and seconds of angles: `make test` has it, `make test-fast` leaves it)
def test_the_encoder_port_is_read_by_the_sound_process_itself():
    """osc.encoder_port: the sound process serves the encoder's rows of the route table on a port
    of its own (the kiosk's frames cannot delay them there): angles over real UDP set the sound's
    speed, the platter's angle comes back to the kiosk's Turntable for the picture, a silent
    encoder holds the platter, and what is not the encoder's is not served there (the performer's
    /kiosk/stop: no such address on that port; another turntable: refused as on the main port)."""
    import threading

    from installation.remote.osc.encoder_port import EncoderPort
    from installation.sound.process import EngineProcess
    from installation.sound.turntable import Turntable

    from conftest import free_udp_port, wait_for

    port = free_udp_port()
    sound = EngineProcess(AudioConfig(device="no-such-device", fade_seconds=0.0), DspConfig(),
                          encoder=EncoderPort(local_performer(OscConfig(port=free_udp_port(), encoder_port=port))))
    sound.start()
    turning = {"degrees_per_s": 468.0, "on": True}  # 78 rpm

    def encoder() -> None:  # 500 angles a second, as a real encoder would send them
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            angle, last = 0.0, time.perf_counter()
            while turning["on"]:
                now = time.perf_counter()
                angle = (angle + turning["degrees_per_s"] * (now - last)) % 360.0
                last = now
                if turning["degrees_per_s"]:
                    sock.sendto(message("/turntable/1/angle", angle), ("127.0.0.1", port))
                time.sleep(0.002)

    sender = threading.Thread(target=encoder, daemon=True)
    try:
        wait_for(lambda: sound.status().blocks > 0, 120, "the sound process")
        sender.start()
        wait_for(lambda: abs(sound.status().speed - 1.0) < 0.03, 20, "the sound at the encoder's 78 rpm")
        turntable = Turntable(sound, 0.25, 5.0)  # the kiosk's own: the picture
        wait_for(lambda: (turntable.frame(time.perf_counter()), turntable.platter)[1] is not None, 5, "a reading")
        assert turntable.platter.rev_per_s == pytest.approx(1.3, rel=0.05)
        turning["degrees_per_s"] = 234.0
        wait_for(lambda: abs(sound.status().speed - 0.5) < 0.03, 20, "half the speed")
        turning["degrees_per_s"] = 0.0  # the encoder stops sending: a hand holds the platter
        wait_for(lambda: sound.status().speed < 0.01, 20, "the platter held")
        seen: list = []  # the sound process's log lines, written by this one
        handler = logging.Handler()
        handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
        logging.getLogger("installation.sound.process").addHandler(handler)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(message("/kiosk/stop"), ("127.0.0.1", port))
                sock.sendto(message("/turntable/2/angle", 10.0), ("127.0.0.1", port))
            wait_for(lambda: any("/kiosk/stop" in line and "no such address" in line for line in seen) and
                     any("/turntable/2/angle" in line and "not the one configured" in line for line in seen), 10,
                     "what is not the encoder's, refused there")
        finally:
            logging.getLogger("installation.sound.process").removeHandler(handler)
        assert sound.status().playing_id is None and sound.status().speed < 0.01
    finally:
        turning["on"] = False
        sound.close()


@pytest.mark.slow  # (a kiosk process: `make test` has it, `make test-fast` leaves it)
def test_the_kiosk_hands_its_encoder_port_to_its_sound_process(tmp_path):
    """`python -m installation run` with osc.encoder_port: its sound process listens there, and an
    encoder's angles at 39 rpm put the kiosk's sound at half speed (its /kiosk/status says so)."""
    import os
    import signal
    import threading

    from conftest import free_udp_port, kiosk_status, start_kiosk, wait_for, write_config

    port, encoder_port = free_udp_port(), free_udp_port()
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "данные",
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n  encoder_port: {encoder_port}\n")
    log = tmp_path / "kiosk.log"
    kiosk = start_kiosk(cfg, {**os.environ, "SDL_VIDEODRIVER": "dummy"}, log)
    on = {"sending": True}

    def encoder() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            t0 = time.perf_counter()
            while on["sending"]:
                sock.sendto(message("/turntable/1/angle", (234.0 * (time.perf_counter() - t0)) % 360.0),
                            ("127.0.0.1", encoder_port))
                time.sleep(0.002)

    sender = threading.Thread(target=encoder, daemon=True)
    try:
        wait_for(lambda: f"the turntable's encoder on 127.0.0.1:{encoder_port}, read by the sound process"
                 in log.read_text(encoding="utf-8"), 60, "the sound process on the encoder's port")
        sender.start()
        wait_for(lambda: abs(float(kiosk_status(port).get("speed", 0.0)) - 0.5) < 0.05, 30, "the sound at 39 rpm")
    finally:
        on["sending"] = False
        kiosk.send_signal(signal.SIGTERM)
        kiosk.wait(20)
