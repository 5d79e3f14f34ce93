"""Both wire protocols against fake firmware on a real pseudo-terminal: a normal cut, garbled
replies, silence, a pulled cable. Real time, so the bounds are loose; the firmware's physics
run 20x faster so a cut takes a second or two."""
from __future__ import annotations

import dataclasses
import time

import pytest

from installation.core.states import LatheState
from installation.lathe.controller import CutController
from installation.lathe.lathe_guide import LatheGuideLathe
from installation.lathe.serial_lathe import SerialLathe, parse_status
from installation.lathe.settings import LatheConfig

from fake_firmware import GuideFirmware, OurFirmware

pytest.importorskip("serial")


class Host:
    def __init__(self, backend, fw, **overrides):
        self.fw = fw
        self.cfg = dataclasses.replace(LatheConfig(enabled=True, port=fw.port, spin_up_seconds=15,
                                                   status_timeout_seconds=0.5), **overrides)
        self.lathe = backend(self.cfg)
        self.ctl = CutController(self.cfg, self.lathe)
        self.lathe.connect(time.monotonic())

    def run(self, seconds: float, until=None) -> float:
        """Poll and tick for up to `seconds`; returns the time `until` became true (or the end)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            now = time.monotonic()
            self.lathe.poll(now)
            self.ctl.tick(now)
            if until is not None and until():
                return now
            time.sleep(0.005)
        return time.monotonic()

    def to_cutting(self, side_seconds: float = 30.0) -> None:
        self.run(5, until=lambda: self.lathe.status().at > 0)
        self.ctl.arm(time.monotonic(), in_window=True, force=False, side_seconds=side_seconds)
        self.ctl.confirm(time.monotonic(), "test")
        self.run(20, until=lambda: self.ctl.state in ("ready", "fault"))
        assert self.ctl.state == "ready", self.ctl.reason
        self.ctl.start(time.monotonic())
        assert self.ctl.state == "cutting"

    def close(self) -> None:
        self.lathe.close()
        self.fw.close()


@pytest.fixture
def ours():
    hosts = []

    def make(**kw):
        fw_kw = {k: kw.pop(k) for k in ("garble_every",) if k in kw}
        host = Host(SerialLathe, OurFirmware(LatheConfig(enabled=True), **fw_kw), **kw)
        hosts.append(host)
        return host
    yield make
    for h in hosts:
        h.close()


def test_status_lines_parse_and_garbage_does_not():
    s = parse_status("S rpm=78.02 r=114.95 t=60.1 cut=1 feed=0 guard=1", 5.0)
    assert (s.rpm, s.radius_mm, s.stylus_c, s.cutter_down, s.feeding, s.guard_open, s.at) == \
        (78.02, 114.95, 60.1, True, False, True, 5.0)
    assert parse_status("S rpm=7x.0", 0) is None and parse_status("S cut=2", 0) is None
    assert parse_status("S", 0).rpm is None  # a lathe with no tachometer


def test_a_whole_cut_over_our_protocol(ours):
    host = ours()
    host.to_cutting(side_seconds=1.0)
    r0 = host.lathe.status().radius_mm
    host.run(10, until=lambda: host.ctl.state == "done")
    assert host.ctl.state == "done", host.ctl.reason
    assert r0 - host.fw.sim.radius_mm > 0.5  # the carriage moved in while cutting
    commands = [line.split(" ", 1)[1] for line in host.fw.received if " " in line]
    order = [c for c in commands if c not in ("PING", "HELLO")]
    assert order[:4] == ["HOME", "PITCH 100.0", "SPIN 78.00", "LOWER"]
    assert order[4:8] == ["FEED 1", "LIFT", "FEED 0", "STOP"]
    assert not host.fw.sim.cutter_down and host.fw.sim.target_rps == 0


def test_garbled_replies_are_survived_by_resending(ours):
    # (status lines are garbled too: 2 s without one, not 0.5, before the lathe is called silent —
    # a loaded machine's pauses on top of garbled lines tripped 0.5 s in a parallel run; likewise an
    # ack is waited for 1.5 s, not 0.5, before the resend: a loaded run starved the firmware stand-in,
    # a thread of this process, past two 0.5 s waits: "the lathe did not acknowledge '3 PITCH 100.0'")
    host = ours(garble_every=4, status_timeout_seconds=2.0, ack_timeout_seconds=1.5)
    host.to_cutting(side_seconds=0.5)
    host.run(20, until=lambda: host.ctl.state in ("done", "fault"))
    assert host.ctl.state == "done", host.ctl.reason
    assert host.lathe.garbled > 0

    def sent_again() -> bool:
        seqs = [line.split(" ")[0] for line in host.fw.received]
        return len(seqs) > len(set(seqs))
    host.run(5, until=sent_again)  # (an ack garbled near the end is waited for after the cut is done)
    assert sent_again(), "a command whose ack was garbled is sent again with its number"


def test_silence_mid_cut_makes_the_lathe_safe(ours):
    host = ours()
    host.to_cutting()
    host.run(0.3)
    host.fw.silent = True  # listens, says nothing
    t0 = time.monotonic()
    tripped = host.run(5, until=lambda: host.ctl.state == "fault")
    assert host.ctl.state == "fault" and "no status" in host.ctl.reason
    assert tripped - t0 < 0.5 + 1.5  # the status timeout, loosely
    host.run(3, until=lambda: not host.fw.sim.cutter_down and host.fw.sim.target_rps == 0)
    assert not host.fw.sim.cutter_down and not host.fw.sim.feeding and host.fw.sim.target_rps == 0


def test_a_pulled_cable_mid_cut_lifts_and_stops_on_both_sides(ours):
    host = ours()
    host.to_cutting()
    host.run(0.3)
    host.fw.unplugged = True  # nothing either way
    t0 = time.monotonic()
    host.run(5, until=lambda: host.ctl.state == "fault")
    assert host.ctl.state == "fault" and "no status" in host.ctl.reason
    # the firmware's own watchdog: no word from the host for 1 s -> lift, stop, spin down
    wait = time.monotonic() + 5
    while time.monotonic() < wait and (host.fw.sim.cutter_down or host.fw.sim.target_rps):
        time.sleep(0.02)
    assert not host.fw.sim.cutter_down and host.fw.sim.target_rps == 0
    assert host.fw.watchdog_tripped_at - t0 < OurFirmware.HOST_TIMEOUT + 1.5


def test_a_host_held_up_past_the_lathes_watchdog_faults_at_once_and_says_why(ours):
    """The station's thread starved for longer than the firmware's host watchdog while the
    platter spins up (or waits at speed): the lathe stopped it; the host, back, reads that in the status (wd rises)
    and faults at once, naming the watchdog, instead of waiting spin_up_seconds for a platter at 0."""
    host = ours()
    host.run(5, until=lambda: host.lathe.status().at > 0)
    assert host.lathe.status().watchdog_trips == 0
    host.ctl.arm(time.monotonic(), in_window=True, force=False)
    host.ctl.confirm(time.monotonic(), "test")
    host.run(0.3)
    assert host.ctl.state in ("preparing", "ready") and host.fw.sim.target_rps > 0  # (20x physics: soon at speed)
    time.sleep(OurFirmware.HOST_TIMEOUT + 0.5)  # the host says nothing (a loaded box's stall)
    back = time.monotonic()
    host.run(5, until=lambda: host.ctl.state == "fault")
    assert host.fw.watchdog_tripped_at is not None and host.fw.sim.target_rps == 0, "the firmware made it safe"
    assert host.ctl.state == "fault" and "host watchdog" in host.ctl.reason, host.ctl.reason
    assert time.monotonic() - back < host.cfg.spin_up_seconds / 2, "at once, not at the spin-up's deadline"
    # the next cut starts clean: the count seen at its confirmation is the new baseline
    host.ctl.reset(time.monotonic())
    host.to_cutting()
    host.run(0.5)
    assert host.ctl.state == "cutting", host.ctl.reason


def test_an_error_reply_is_a_fault(ours):
    host = ours()
    host.run(3, until=lambda: host.lathe.status().at > 0)
    host.lathe._send("WARP 9")  # a command this firmware does not know
    host.run(3, until=lambda: host.lathe.status().fault)
    assert "refused 'WARP 9': unknown command WARP" in host.lathe.status().fault


@pytest.fixture
def guide():
    fw = GuideFirmware(LatheConfig(enabled=True))
    host = Host(LatheGuideLathe, fw)
    yield host
    host.close()


def test_a_cut_on_a_lathe_guide_controller(guide):
    host = guide
    host.run(3, until=lambda: host.lathe.status().at > 0)
    assert host.lathe.status().radius_mm == pytest.approx(115.0)
    host.to_cutting(side_seconds=1.0)
    host.run(10, until=lambda: host.ctl.state == "done")
    assert host.ctl.state == "done", host.ctl.reason
    host.run(3, until=lambda: host.fw.received[-1:] == ["C0"])  # (the last line still on its way when loaded)
    got = host.fw.received
    assert got[:4] == ["R7800", "C5", "T39", "R7800"]
    assert "C1" in got and got[-1] == "C0" and host.fw.motion == 0
    # 1 s of real time at 20x: 20 s of feed at 78 rpm and 39 lines/cm = 6.67 mm of carriage
    assert host.fw.steps / 200 == pytest.approx(20 * 78 / 60 / 39 * 10, rel=0.35)
    assert host.lathe.status().radius_mm < 115 - 3


def test_lathe_guide_estop_and_silence(guide):
    host = guide
    host.to_cutting()
    host.ctl.estop(time.monotonic(), "test")
    host.run(1, until=lambda: "E" in host.fw.received)
    assert "E" in host.fw.received and host.fw.motion == 0
    host.fw.received.clear()
    host.ctl.state = LatheState.IDLE
    host.to_cutting()
    host.fw.silent = True  # reports stop: the host stops the carriage
    host.run(5, until=lambda: host.ctl.state == "fault")
    assert "no status" in host.ctl.reason
    host.run(2, until=lambda: host.fw.motion == 0)
    assert host.fw.motion == 0 and host.fw.received[-1] == "C0"
