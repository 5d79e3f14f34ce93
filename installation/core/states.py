"""States that travel between rooms, as enums: a state the code does not know is an error
(`LatheState("bogus")` raises), never a silent "idle". Each is a `str` too, so it reads and
logs as its name ("cutting") and goes out over OSC and into cut.yaml as it is."""
from __future__ import annotations

from enum import Enum


class _Named(str, Enum):
    def __str__(self) -> str:  # "cutting", not "LatheState.CUTTING", on every Python
        return str(self.value)


class LatheState(_Named):
    """The cut's state machine (lathe/controller.py)."""

    IDLE = "idle"
    PREPARING = "preparing"
    READY = "ready"
    CUTTING = "cutting"
    FINISHING = "finishing"
    DONE = "done"
    ABORTED = "aborted"
    FAULT = "fault"

    @property
    def active(self) -> bool:
        """The lathe is working (spinning up, at speed, cutting, lifting): not to be left alone."""
        return self in (LatheState.PREPARING, LatheState.READY, LatheState.CUTTING, LatheState.FINISHING)

    @property
    def ended(self) -> bool:
        """A cut's last word: done, aborted or a fault (reset returns to idle)."""
        return self in (LatheState.DONE, LatheState.ABORTED, LatheState.FAULT)


class DemoKind(_Named):
    """What the calendar says of the demo that matters now (show/calendar.py)."""

    COUNTDOWN = "countdown"  # before its start, within demos.countdown_minutes
    LIVE = "live"  # in its window, started in time (or by the performer)
    MISSED = "missed"  # in its window, but the kiosk did not see it start


class Doing(_Named):
    """What the gallery is doing now (show/programme.py works it out from the wall clock)."""

    OPEN = "open"
    CLOSED = "closed"
    COUNTDOWN = "countdown"  # a demo is about to start: the countdown on screen
    LIVE = "live"  # a demo is on: the lathe's cutting window is open
