"""Faults found from outside: datagrams that could stall OSC for good, log floods from accepted
commands, replies as an amplifier, files that hang or exhaust the box, a data disk that fills or
goes, a clock that jumps. Real UDP, real files, a real small tmpfs, the kiosk's injected clocks."""
from __future__ import annotations

import logging
import socket
import struct
import threading
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc import osc_packet

from installation.core.commands import CommandBus
from installation.remote.osc import packets
from installation.remote.osc.messages import message
from installation.remote.osc.server import OscServer
from installation.remote.osc.settings import OscConfig

from conftest import wait_for

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
