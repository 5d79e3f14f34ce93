"""The cut's state machine and its interlocks, over any `Lathe`.

idle -> (arm, then the confirmation at the station) -> preparing -> ready -> (start) ->
cutting -> finishing -> done; a stop before cutting ends in `aborted`, an interlock or the
e-stop in `fault`. `reset` returns to idle once every interlock is clear.

Everything is decided in `tick(now)` from the lathe's last status and the clock, so a lathe
that goes silent is caught by the clock, and a test steps the whole machine with a fake one.
On any interlock the lathe is made safe in one order, the same every time: lift the cutter,
mute the cutter feed, stop the carriage, spin down; then the fault is reported.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, List, Optional

from ..core.states import LatheState
from .machine import Lathe, LatheStatus
from .settings import LatheConfig

log = logging.getLogger(__name__)

IDLE, PREPARING, READY, CUTTING, FINISHING, DONE, ABORTED, FAULT = LatheState  # its members, in order
AT_TEMPERATURE_C = 5.0  # the stylus is ready within this of its target
HOMED_MM = 0.5


class Refused(Exception):
    """A request that cannot be carried out now; the message says why (sent back over OSC)."""


@dataclass(frozen=True)
class Transition:
    at: float
    old: LatheState
    new: LatheState
    reason: str


class CutController:
    def __init__(self, cfg: LatheConfig, lathe: Lathe, mute: Callable[[bool], None] = lambda muted: None,
                 clock_rate: float = 1.0):
        self.cfg = cfg
        self.clock_rate = clock_rate  # lathe seconds per real second (a rehearsal's --speed)
        self.lathe = lathe
        self.mute = mute  # the cutter feed: muted except while cutting
        self.state: LatheState = IDLE
        self.reason = "waiting for a demo"
        self.history: List[Transition] = []
        self.listeners: List[Callable[[Transition], None]] = []
        self.confirm_until: Optional[float] = None  # armed, waiting for the station's confirmation
        self.side_seconds = cfg.side_seconds()
        self.cut_started: Optional[float] = None
        self._deadline = 0.0
        self._confirm_was = False
        self._trips: Optional[int] = None  # the lathe's host-watchdog count when this cut was confirmed
        self._now = 0.0

    # -- requests (the station calls these on its thread) -------------------------------------
    def arm(self, now: float, in_window: bool, force: bool, side_seconds: Optional[float] = None) -> str:
        if self.state != IDLE:
            raise Refused(f"the lathe is {self.state}; arm from idle (/lathe/reset first)")
        if not (in_window or force):
            raise Refused("no demo is on now; /lathe/force arms outside the schedule "
                          "(it still needs the confirmation at the lathe)")
        problem = self.interlock(self.lathe.status(), now, starting=True)
        if problem:
            raise Refused(f"cannot arm: {problem}")
        self.side_seconds = min(side_seconds or self.cfg.side_seconds(), self.cfg.side_seconds())
        self.confirm_until = now + self.cfg.confirm_seconds * self.clock_rate  # a person's seconds, even in a rehearsal
        self.reason = f"armed: confirm at the lathe ({self.cfg.confirm_key}) within {self.cfg.confirm_seconds:g} s"
        log.info("lathe: %s%s", self.reason, " (forced outside the schedule)" if force and not in_window else "")
        self._notify(now, IDLE, IDLE, self.reason)
        return self.reason

    def confirm(self, now: float, source: str) -> None:
        if self.confirm_until is None or now > self.confirm_until:
            self.confirm_until = None
            raise Refused("nothing to confirm: the performer arms first (/lathe/arm)")
        self.confirm_until = None
        lathe = self.lathe
        self._trips = lathe.status().watchdog_trips
        lathe.home()
        lathe.set_pitch(self.cfg.lines_per_inch)
        if self.cfg.stylus_temperature_c > 0 and lathe.capabilities.heater:
            lathe.heat(self.cfg.stylus_temperature_c)
        lathe.spin_up(self.cfg.rpm)
        self._deadline = now + self.cfg.spin_up_seconds
        self._go(now, PREPARING, f"confirmed at the lathe ({source}): homing, heating, spinning up")

    def start(self, now: float) -> None:
        if self.state != READY:
            raise Refused(f"the lathe is {self.state}; it starts from ready")
        self.lathe.lower()
        self.lathe.feed(True)
        self.mute(False)
        self.cut_started = now
        self._go(now, CUTTING, f"cutting a side of {self.side_seconds:.0f} s")

    def stop(self, now: float, source: str) -> None:
        """Always allowed: a cut finishes cleanly, anything before it is aborted."""
        self.confirm_until = None
        if self.state == CUTTING:
            self._finish(now, f"stopped by {source}")
        elif self.state in (PREPARING, READY):
            self.make_safe()
            self._go(now, ABORTED, f"stopped by {source} before cutting")

    def estop(self, now: float, source: str) -> None:
        """Always allowed, from any state: the lathe stops at once, then it is a fault."""
        self.confirm_until = None
        self.lathe.estop()
        self.make_safe()
        if self.state != FAULT or not self.reason.startswith("e-stop"):
            self._go(now, FAULT, f"e-stop: {source}")

    def reset(self, now: float) -> None:
        if self.state.active:
            raise Refused(f"the lathe is {self.state}; stop it first")
        problem = self.interlock(self.lathe.status(), now, starting=True)
        if problem:
            raise Refused(f"cannot reset: {problem}")
        if hasattr(self.lathe, "release_estop"):
            self.lathe.release_estop()
        self._go(now, IDLE, "reset")

    # -- the clock ------------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        self._now = now
        status = self.lathe.status()
        if status.confirm and not self._confirm_was and self.confirm_until is not None:
            self.confirm(now, "lathe button")
        self._confirm_was = status.confirm
        if self.confirm_until is not None and now > self.confirm_until:
            self.confirm_until = None
            self.reason = "not confirmed at the lathe in time; arm again"
            log.warning("lathe: %s", self.reason)
            self._notify(now, IDLE, IDLE, self.reason)
        if status.estop and self.state != FAULT:
            self.estop(now, "the lathe's e-stop input")
            return
        if not self.state.active:
            return
        problem = self.interlock(status, now)
        if problem:
            self.make_safe()
            self._go(now, FAULT, problem)
            return
        if self.state == PREPARING:
            if self._prepared(status):
                self._go(now, READY, "at speed: the performer starts the cut (/lathe/start)")
            elif now > self._deadline:
                self.make_safe()
                self._go(now, FAULT, f"not ready after {self.cfg.spin_up_seconds:g} s: {self._unready(status)}")
        elif self.state == CUTTING:
            left = self.seconds_left(now, status)
            if left <= 0:
                self._finish(now, "the side is full")
        elif self.state == FINISHING:
            stopped = not status.cutter_down and (status.rpm is None or status.rpm < 1.0)
            if stopped or now > self._deadline:
                self._go(now, DONE, "the cut is finished")

    def interlock(self, s: LatheStatus, now: float, starting: bool = False) -> Optional[str]:
        """The first tripped interlock, in words; None when all is clear."""
        cfg = self.cfg
        if now - s.at > cfg.status_timeout_seconds:
            return f"no status from the lathe for {now - s.at:.1f} s" if s.at > -1e8 else "the lathe has not answered"
        if s.fault:
            return s.fault
        if not starting and s.watchdog_trips is not None:  # (tick asks only while a cut is under way)
            if self._trips is None:  # (its first status since the confirmation)
                self._trips = s.watchdog_trips
            elif s.watchdog_trips > self._trips:
                return ("the lathe made itself safe: no word from the kiosk for a second (its host watchdog); "
                        "the station's thread was held up")
        if s.estop:
            return "the e-stop is pressed"
        if s.guard_open:
            return "the guard is open"
        if s.stylus_c is not None and s.stylus_c > cfg.max_stylus_temperature_c:
            return f"stylus over temperature ({s.stylus_c:.0f} °C > {cfg.max_stylus_temperature_c:g} °C)"
        if s.inner_limit and (starting or self.state in (CUTTING, READY)):
            return "the carriage is at the inner limit"
        if self.state in (READY, CUTTING) and s.rpm is not None and not self._at_speed(s.rpm):
            return (f"platter speed out of tolerance: {s.rpm:.2f} rpm, "
                    f"wanted {cfg.rpm:g} ± {cfg.rpm_tolerance_percent:g} %")
        return None

    def seconds_left(self, now: float, status: Optional[LatheStatus] = None) -> float:
        """Time left on the side: the requested length, and the groove room from the carriage radius."""
        status = status or self.lathe.status()
        room = self.cfg.side_seconds(status.radius_mm) if status.radius_mm is not None else self.side_seconds
        if self.state != CUTTING or self.cut_started is None:
            return min(self.side_seconds, room)
        return min(self.side_seconds - (now - self.cut_started), room)

    def fail(self, now: float, reason: str) -> None:
        """A fault found outside the lathe (the station's audio): safe, then fault."""
        self.make_safe()
        self._go(now, FAULT, reason)

    def abort(self, now: float, reason: str) -> None:
        """A cut that cannot be kept (the data disk full or gone): safe, then aborted; the lathe
        itself is fine, and what was recorded stays in the archive."""
        self.make_safe()
        self._go(now, ABORTED, reason)

    def make_safe(self) -> None:
        """Lift, mute, stop the carriage, spin down: always in this order."""
        self.lathe.lift()
        self.mute(True)
        self.lathe.feed(False)
        self.lathe.spin_down()

    # -- internals ------------------------------------------------------------------------------
    def _finish(self, now: float, why: str) -> None:
        self.make_safe()
        self._deadline = now + self.cfg.spin_up_seconds
        self._go(now, FINISHING, why)

    def _at_speed(self, rpm: float) -> bool:
        return abs(rpm - self.cfg.rpm) <= self.cfg.rpm * self.cfg.rpm_tolerance_percent / 100.0

    def _prepared(self, s: LatheStatus) -> bool:
        return not self._unready(s)

    def _unready(self, s: LatheStatus) -> str:
        cfg = self.cfg
        if s.radius_mm is None or abs(s.radius_mm - cfg.outer_radius_mm) > HOMED_MM:
            return "the carriage is not at the start of the side"
        if s.rpm is not None and not self._at_speed(s.rpm):
            return f"platter at {s.rpm:.2f} rpm, wanted {cfg.rpm:g}"
        if cfg.stylus_temperature_c > 0 and s.stylus_c is not None and \
                abs(s.stylus_c - cfg.stylus_temperature_c) > AT_TEMPERATURE_C:
            return f"stylus at {s.stylus_c:.0f} °C, wanted {cfg.stylus_temperature_c:g}"
        return ""

    def _go(self, now: float, new: LatheState, reason: str) -> None:
        old, self.state, self.reason = self.state, new, reason
        (log.error if new == FAULT else log.info)("lathe: %s -> %s: %s", old, new, reason)
        self._notify(now, old, new, reason)

    def _notify(self, now: float, old: LatheState, new: LatheState, reason: str) -> None:
        t = Transition(now, old, new, reason)
        self.history.append(t)
        del self.history[:-100]
        for listener in self.listeners:
            listener(t)
