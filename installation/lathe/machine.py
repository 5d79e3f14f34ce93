"""The one interface every lathe backend speaks, and the status it reports.

Commands return at once (they send, they do not wait); the controller watches `status()` to
see them take effect, so a lathe that stops answering is noticed by the clock, not by a
thread stuck in a read. `poll(now)` is called about 50 times a second on the lathe thread:
it reads what the machine said and sends the heartbeat. `modulate(level)` tells it how hard
the cutter head is driven now (the simulation cuts its groove geometry from it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Protocol, Tuple


@dataclass(frozen=True)
class LatheStatus:
    at: float = -1e9  # clock time this status was received; -1e9: never
    rpm: Optional[float] = None  # measured platter speed; None: the lathe has no tachometer
    radius_mm: Optional[float] = None  # carriage (cutter) radius; None: not homed yet
    stylus_c: Optional[float] = None  # stylus temperature; None: no heater
    cutter_down: bool = False
    feeding: bool = False
    estop: bool = False  # the lathe's own e-stop button (or a latched e-stop)
    guard_open: bool = False
    inner_limit: bool = False
    outer_limit: bool = False
    confirm: bool = False  # the station's confirm button is pressed
    watchdog_trips: Optional[int] = None  # times the lathe made itself safe for want of a word from the host
    fault: str = ""  # the link's own trouble: a command not acknowledged, an error reply


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do itself; what it cannot, a person at the station does by hand (the
    notes say what, on the live view). A lathe without a tachometer reports rpm None."""

    heater: bool = True  # heats the stylus (lathe.stylus_temperature_c)
    notes: Tuple[str, ...] = field(default=())


class Lathe(Protocol):
    name: str
    capabilities: Capabilities

    def connect(self, now: float) -> None: ...
    def home(self) -> None: ...
    def spin_up(self, rpm: float) -> None: ...
    def heat(self, celsius: float) -> None: ...
    def set_pitch(self, lines_per_inch: float) -> None: ...
    def lower(self) -> None: ...
    def feed(self, on: bool) -> None: ...
    def lift(self) -> None: ...
    def spin_down(self) -> None: ...
    def estop(self) -> None: ...
    def status(self) -> LatheStatus: ...
    def poll(self, now: float) -> None: ...
    def modulate(self, level: float) -> None: ...
    def close(self) -> None: ...


class LatheError(Exception):
    """The lathe cannot be reached or refused a command; the message says which and why."""
