"""The command bus: the one way into the main loop for every producer.

The OSC server, the keyboard, a signal handler, the lathe station and the parts' own clocks
(a self-test due) post small typed commands; the main loop drains them once a frame and dispatches each
through a table (command type -> handler). The queue is bounded: a flood drops and counts
instead of growing. It is a SimpleQueue, whose `put` is safe even from a signal handler
that interrupts the main thread while it drains.
"""
from __future__ import annotations

import logging
import queue
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Type

from .states import LatheState

log = logging.getLogger(__name__)


class Command:
    """Base of every command: a frozen dataclass naming what should happen, not how."""


@dataclass(frozen=True)
class ShowScene(Command):
    name: str
    disc_id: str = ""  # "" = the disc on screen now


@dataclass(frozen=True)
class PlayDisc(Command):
    """The performer starts a disc: it plays its side through, whatever the idle timer says."""
    disc_id: str


@dataclass(frozen=True)
class PlayCurrent(Command):
    """Play the disc on screen (from attract: the one shown)."""


@dataclass(frozen=True)
class Stop(Command):
    """Stop the sound and go back to attract."""


@dataclass(frozen=True)
class SetVolume(Command):
    level: float  # 0..1, the performer's master volume


@dataclass(frozen=True)
class Presence(Command):
    zone: str
    present: bool


@dataclass(frozen=True)
class Proximity(Command):
    zone: str
    metres: float


@dataclass(frozen=True)
class LatheChanged(Command):
    """The lathe's state machine moved (lathe/station.py)."""
    state: LatheState
    reason: str


@dataclass(frozen=True)
class CutFinished(Command):
    """A live cut is archived in `folder`: make it a disc and add it to the collection."""
    folder: str


@dataclass(frozen=True)
class DemoRequest(Command):
    """The performer's word on the current demo: start (now), postpone (by minutes) or cancel."""
    action: str
    minutes: float = 0.0


@dataclass(frozen=True)
class ShowOverlay(Command):
    """The technician's overlay: shown (or hidden again) for a minute."""


@dataclass(frozen=True)
class RunSelfTest(Command):
    """Check sound, content, disk and lathe now (show/selftest.py)."""
    reason: str = "asked for"


@dataclass(frozen=True)
class DiscArrived(Command):
    """A disc folder now in the content folder, checked (uploaded in the console): it joins the show."""
    folder: str
    source: str


@dataclass(frozen=True)
class DiscChanged(Command):
    """A disc's disc.yaml was edited (in the console): the show takes the new texts, order, or hiding."""
    folder: str
    source: str


@dataclass(frozen=True)
class DiscRemoved(Command):
    """A disc deleted (on another box of the gallery, or its folder removed): it leaves the show."""
    disc_id: str
    source: str


@dataclass(frozen=True)
class ScheduleChanged(Command):
    """Opening hours and demos edited (in the console, written to config.yaml): in force now."""
    opening_hours: Any  # show/calendar.py OpeningHoursConfig (core imports nothing above it)
    demos: Any  # show/calendar.py DemosConfig
    ledger: str  # the demo ledger's file, as the kiosk started with it


@dataclass(frozen=True)
class Quit(Command):
    reason: str


Handler = Callable[[Command], None]


class CommandBus:
    def __init__(self, capacity: int = 256):
        self.capacity = capacity
        self._queue: "queue.SimpleQueue[Command]" = queue.SimpleQueue()
        self.dropped = 0  # refused because the main loop had `capacity` commands waiting

    def post(self, command: Command) -> bool:
        """Queue `command` for the main loop; False (and counted) when the queue is full."""
        if self._queue.qsize() >= self.capacity:
            self.dropped += 1
            return False
        self._queue.put(command)
        return True

    def drain(self) -> List[Command]:
        """Everything waiting now, oldest first (what arrives meanwhile waits for the next frame)."""
        out: List[Command] = []
        for _ in range(self._queue.qsize()):
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return out

    def __len__(self) -> int:
        return self._queue.qsize()


class Dispatcher:
    """Command type -> handler, like python-osc's Dispatcher for addresses."""

    def __init__(self, table: Dict[Type[Command], Handler]):
        self.table = dict(table)

    def dispatch(self, command: Command) -> None:
        handler = self.table.get(type(command))
        if handler is None:
            log.error("no handler for %r; dropped", command)
            return
        handler(command)
