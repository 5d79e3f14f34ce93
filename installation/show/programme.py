"""The programme: what the gallery is doing now, from the wall clock alone (open, closed, a demo
counting down, a demo live with the lathe's cutting window open), and what that does to the
show: a countdown or a demo takes the screen to live_cut; outside opening hours the kiosk is
closed (dark or a card, no sound); the self-test runs before the doors open.

`doing(now, ...)` is a pure function, so a restart after a power cut knows at once, and the
tests ask it about any instant. `Programme.tick` acts on it once a frame.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

from ..core.commands import CommandBus, DemoRequest, LatheChanged, RunSelfTest, ScheduleChanged
from ..core.states import DemoKind, Doing, LatheState
from ..lathe.station import LatheStation, Window
from .calendar import DemoPhase, DemoSchedule, Occurrence, OpeningHours, zone
from .show import Show

log = logging.getLogger(__name__)

SELF_TEST_BEFORE_OPENING = dt.timedelta(minutes=10)


def doing(now: dt.datetime, hours: OpeningHours, phase: Optional[DemoPhase]) -> Doing:
    """What the gallery is doing at `now`: a demo counting down or on holds the screen, opening
    hours or not; otherwise the opening hours say."""
    if phase is not None and phase.kind == DemoKind.COUNTDOWN:
        return Doing.COUNTDOWN
    if phase is not None and phase.kind == DemoKind.LIVE:
        return Doing.LIVE
    return Doing.OPEN if hours.is_open(now) else Doing.CLOSED


def cutting_window(phase: Optional[DemoPhase]) -> Optional[Occurrence]:
    """The demo whose cutting window is open (fired, or started by the performer), if any."""
    return phase.occurrence if phase is not None and phase.kind == DemoKind.LIVE else None


class Programme:
    def __init__(self, hours: OpeningHours, schedule: Optional[DemoSchedule], show: Show, bus: CommandBus,
                 lathe: Optional[LatheStation], wall: Callable[[], dt.datetime]):
        self.hours, self.schedule, self.show, self.bus, self.lathe = hours, schedule, show, bus, lathe
        self.wall = wall  # the wall clock, UTC; a rehearsal runs it fast
        self.phase: Optional[DemoPhase] = None  # what the calendar says now
        self.lathe_state = LatheState.IDLE
        self._moment: Optional[Tuple[str, DemoKind]] = None  # (occurrence, phase) last acted on
        self._tested_opening = ""  # the opening (its date) already tested for

    def handlers(self) -> Dict[type, Callable[[Any], None]]:
        return {DemoRequest: self._demo_request, LatheChanged: self._lathe_changed,
                ScheduleChanged: self._schedule_changed}

    def _schedule_changed(self, c: ScheduleChanged) -> None:
        """New opening hours and demos, in force from this frame (the ledger of what fired is kept)."""
        tz = zone(c.demos.timezone)
        self.hours = OpeningHours(c.opening_hours, tz)
        self.schedule = DemoSchedule(c.demos, Path(c.ledger), tz) if c.demos.enabled and c.demos.events else None
        log.info("schedule changed: %d demo(s), opening hours %s", len(c.demos.events),
                 "on" if c.opening_hours.enabled else "off (always open)")

    def outlook(self) -> Dict[str, str]:
        """What comes next, for the console: the next demo and, while closed, the next opening
        (local time, "" when there is none)."""
        now, tz = self.wall(), self.hours.tz
        demo = self.schedule.next_demo(now) if self.schedule is not None else None
        if self.hours.is_open(now):
            opening = "open now"
        else:
            at = self.hours.next_opening(now)
            opening = f"{at:%Y-%m-%d %H:%M}" if at else "not in the next two weeks"
        return {"next_demo": f"{demo.start.astimezone(tz):%Y-%m-%d %H:%M} {demo.demo.title}".strip() if demo else "",
                "next_opening": opening}

    def demo_on(self) -> bool:
        """A demo counting down or on."""
        return self.phase is not None and self.phase.kind in (DemoKind.COUNTDOWN, DemoKind.LIVE)

    def lathe_busy(self) -> bool:
        """The lathe working, or armed and waiting for its confirmation."""
        return self.lathe is not None and (self.lathe_state.active or self.lathe.view.armed)

    def keeps_live_view(self) -> bool:
        """The live view keeps the screen: a demo is on or coming, or the lathe is busy."""
        return self.demo_on() or self.lathe_busy()

    def tick(self) -> None:
        """The calendar's word this frame."""
        now = self.wall()
        if self.schedule is not None:
            for kind, occ in self.schedule.tick(now):
                log.info("demo %s %s: %s, %s", occ.key, kind, occ.demo.performer, occ.demo.title)
            self.phase = self.schedule.phase(now)
        if self.lathe is not None:
            window = cutting_window(self.phase)
            self.lathe.window = Window(window.demo.performer, window.demo.title,
                                       window.demo.side_minutes * 60) if window else None
        moment = (self.phase.occurrence.key, self.phase.kind) if self.phase is not None else None
        if moment != self._moment:  # the countdown begins, the demo starts: once each
            self._moment = moment
            if self.demo_on() and not self.show.showing("live_cut"):
                self.show.switch("live_cut")
                return
        if self.keeps_live_view():
            return
        self._follow_hours(now, doing(now, self.hours, self.phase))

    def _follow_hours(self, now: dt.datetime, what: Doing) -> None:
        soon = now + SELF_TEST_BEFORE_OPENING
        if what is Doing.CLOSED and self.hours.is_open(soon) and self._tested_opening != soon.date().isoformat():
            self._tested_opening = soon.date().isoformat()
            self.bus.post(RunSelfTest("before opening"))
        if what is Doing.CLOSED and not self.show.showing("closed"):
            log.info("closed: outside opening hours")
            self.show.switch("closed")
        elif what is Doing.OPEN and self.show.showing("closed"):
            log.info("open: opening hours")
            if self._tested_opening != now.date().isoformat():  # the clock jumped over the ten minutes before
                self._tested_opening = now.date().isoformat()
                self.bus.post(RunSelfTest("at the opening (its check before it was skipped: the clock jumped)"))
            self.show.switch("attract")

    def _lathe_changed(self, c: LatheChanged) -> None:
        self.lathe_state = c.state
        if c.state.active and not self.show.showing("live_cut"):
            self.show.switch("live_cut")

    def _demo_request(self, c: DemoRequest) -> None:
        if self.schedule is None:
            log.warning("/demo/%s: no demos are configured", c.action)
            return
        now, schedule = self.wall(), self.schedule
        act = {"start": lambda: schedule.start_now(now), "cancel": lambda: schedule.cancel(now),
               "postpone": lambda: schedule.postpone(now, c.minutes)}[c.action]
        if act() is None:
            log.warning("/demo/%s: no demo is on or coming", c.action)
