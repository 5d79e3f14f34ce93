"""The cut's state machine and interlocks on the simulated lathe, stepped by a fake clock."""
from __future__ import annotations

import dataclasses

import pytest

from installation.lathe.controller import CutController, Refused
from installation.lathe.settings import LatheConfig
from installation.lathe.simulated import SimulatedLathe

STEP = 0.02


class Rig:
    """A simulated lathe and its controller; `run(seconds)` polls and ticks at 50 Hz."""

    def __init__(self, **overrides):
        self.cfg = dataclasses.replace(LatheConfig(enabled=True), **overrides)
        self.lathe = SimulatedLathe(self.cfg)
        self.muted = []
        self.ctl = CutController(self.cfg, self.lathe, mute=self.muted.append)
        self.now = 0.0
        self.lathe.connect(self.now)
        self.run(0.1)

    def run(self, seconds: float, until=None) -> None:
        end = self.now + seconds
        while self.now < end:
            self.now += STEP
            self.lathe.poll(self.now)
            self.ctl.tick(self.now)
            if until is not None and until():
                return

    def to_ready(self) -> None:
        self.ctl.arm(self.now, in_window=True, force=False)
        self.ctl.confirm(self.now, "test key")
        self.run(60, until=lambda: self.ctl.state == "ready")
        assert self.ctl.state == "ready", self.ctl.reason


def test_a_full_cut_goes_through_every_state_in_order():
    rig = Rig(stylus_temperature_c=60.0)
    rig.to_ready()
    s = rig.lathe.status()
    assert abs(s.rpm - 78) < 78 * 0.015 and abs(s.radius_mm - 115) < 0.5 and abs(s.stylus_c - 60) < 5
    rig.ctl.start(rig.now)
    start_radius = rig.lathe.status().radius_mm
    rig.run(10)
    # one groove pitch per revolution: 10 s at 78 rpm and 100 LPI is 13 turns, 3.30 mm
    moved = start_radius - rig.lathe.status().radius_mm
    assert moved == pytest.approx(78 / 60 * 10 * 0.254, rel=0.02)
    assert rig.lathe.cutter_down and rig.muted[-1] is False
    rig.run(400, until=lambda: rig.ctl.state == "done")
    states = [t.new for t in rig.ctl.history if t.new != t.old]
    assert states == ["preparing", "ready", "cutting", "finishing", "done"]
    assert rig.muted[-1] is True and not rig.lathe.cutter_down and rig.lathe.rev_per_s < 1 / 60
    # the side ran until the carriage reached the inner radius (115 -> 50 mm at 0.33 mm/s)
    assert rig.lathe.status().radius_mm == pytest.approx(50, abs=0.5)


def test_side_length_ends_the_cut_early_and_stop_finishes_cleanly():
    rig = Rig()
    rig.ctl.arm(rig.now, in_window=True, force=False, side_seconds=5)
    rig.ctl.confirm(rig.now, "key")
    rig.run(60, until=lambda: rig.ctl.state == "ready")
    rig.ctl.start(rig.now)
    t0 = rig.now
    rig.run(20, until=lambda: rig.ctl.state != "cutting")
    assert rig.now - t0 == pytest.approx(5, abs=0.05)
    rig.run(20, until=lambda: rig.ctl.state == "done")
    assert rig.ctl.state == "done"
    rig.ctl.reset(rig.now)
    rig.to_ready()
    rig.ctl.start(rig.now)
    rig.run(2)
    rig.ctl.stop(rig.now, "performer")
    assert rig.ctl.state == "finishing" and not rig.lathe.cutter_down


def test_arming_needs_a_window_or_force_and_the_local_confirmation():
    rig = Rig(confirm_seconds=30)
    with pytest.raises(Refused, match="no demo is on now"):
        rig.ctl.arm(rig.now, in_window=False, force=False)
    with pytest.raises(Refused, match="nothing to confirm"):
        rig.ctl.confirm(rig.now, "key")
    rig.ctl.arm(rig.now, in_window=False, force=True)
    rig.run(31)
    assert rig.ctl.state == "idle" and "not confirmed" in rig.ctl.reason
    with pytest.raises(Refused, match="nothing to confirm"):
        rig.ctl.confirm(rig.now, "key")
    with pytest.raises(Refused, match="starts from ready"):
        rig.ctl.start(rig.now)
    assert rig.lathe.rev_per_s == 0 and not rig.lathe.cutter_down  # nothing moved
    # the lathe's own confirm button works as the key does
    rig.ctl.arm(rig.now, in_window=True, force=False)
    rig.lathe.confirm_button = True
    rig.run(0.1)
    assert rig.ctl.state == "preparing"


@pytest.mark.parametrize("trip, expect, lasting", [
    (lambda lathe: setattr(lathe, "guard_open", True), "the guard is open", True),
    (lambda lathe: setattr(lathe, "estop_button", True), "e-stop", True),
    (lambda lathe: setattr(lathe, "heater_runaway", True), "over temperature", True),
    (lambda lathe: setattr(lathe, "silent", True), "no status from the lathe", True),
    (lambda lathe: setattr(lathe, "target_rps", 70 / 60), "out of tolerance", False),
])
def test_every_interlock_lifts_mutes_stops_and_spins_down(trip, expect, lasting):
    rig = Rig(stylus_temperature_c=60.0)
    rig.to_ready()
    rig.ctl.start(rig.now)
    rig.run(2)
    calls = []
    for name in ("lift", "feed", "spin_down"):
        original = getattr(rig.lathe, name)
        setattr(rig.lathe, name, lambda *a, _o=original, _n=name: (calls.append(_n), _o(*a)))
    rig.ctl.mute = lambda muted: calls.append("mute")
    trip(rig.lathe)
    rig.run(30, until=lambda: rig.ctl.state == "fault")
    assert rig.ctl.state == "fault" and expect in rig.ctl.reason
    assert calls[:4] == ["lift", "mute", "feed", "spin_down"]  # in that order
    assert not rig.lathe.cutter_down and not rig.lathe.feeding and rig.lathe.target_rps == 0
    if lasting:  # while the cause is there, reset is refused
        with pytest.raises(Refused, match="cannot reset"):
            rig.ctl.reset(rig.now)
    else:  # a speed dip that has passed: reset is allowed
        rig.ctl.reset(rig.now)
        assert rig.ctl.state == "idle"


def test_the_inner_limit_switch_is_an_interlock():
    rig = Rig()
    rig.to_ready()
    rig.ctl.start(rig.now)
    rig.ctl.side_seconds = 1e6
    rig.lathe.radius_mm = rig.cfg.inner_radius_mm - 2.0  # the carriage hit the end stop early
    rig.run(1, until=lambda: rig.ctl.state != "cutting")
    assert rig.ctl.state in ("fault", "finishing")
    assert not rig.lathe.cutter_down


def test_estop_from_any_state_and_a_platter_that_never_gets_to_speed():
    rig = Rig()
    rig.ctl.estop(rig.now, "osc from 10.0.0.9")
    assert rig.ctl.state == "fault" and rig.lathe.latched_estop
    rig.ctl.reset(rig.now)  # the lathe's e-stop is released by the reset
    slow = Rig(spin_up_seconds=5)
    slow.ctl.arm(slow.now, in_window=True, force=False)
    slow.ctl.confirm(slow.now, "key")
    slow.lathe.spin_up = lambda rpm: setattr(slow.lathe, "target_rps", 0.5)  # a slipping belt
    slow.lathe.target_rps = 0.5
    slow.run(10, until=lambda: slow.ctl.state == "fault")
    assert slow.ctl.state == "fault" and "not ready after 5 s" in slow.ctl.reason and "rpm" in slow.ctl.reason


def test_feed_rate_and_side_time_from_the_geometry():
    cfg = LatheConfig(rpm=78, lines_per_inch=100, outer_radius_mm=115, inner_radius_mm=50)
    assert cfg.feed_mm_per_s == pytest.approx(0.3302, abs=1e-4)
    assert cfg.side_seconds() == pytest.approx(65 / 0.3302, rel=1e-3)
    assert cfg.side_seconds(60) == pytest.approx(10 / 0.3302, rel=1e-3)
    with pytest.raises(ValueError, match="inner_radius_mm"):
        LatheConfig(inner_radius_mm=120)
