"""The one way the show reaches the sound: what it may ask (commands, through `Sound.apply`),
what it may read (a `SoundStatus` snapshot) and what comes back (`Ended`, `DeviceChanged`).

Both the in-process engine (engine.py) and the sound process (process.py) implement `Sound`,
so the kiosk, the scenes, OSC and the self-test never know which one they talk to. A command
is checked when it is applied, in the caller's thread (`checked`): a performer's mistake is a
ValueError at once, and what reaches the audio thread is always valid. Commands are small
frozen dataclasses, so the sound process receives the very same objects over its queue.
"""
from __future__ import annotations

import math
import queue
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional, Protocol, Tuple, Union

from .settings import DspConfig, check_live_param


@dataclass(frozen=True)
class PlayFile:
    """Fade to this disc's audio (decoded and cut off the main loop); from `at` seconds in."""
    track_id: str
    path: Path
    settings: DspConfig
    spin_up: bool = True  # the platter starts from rest (false: already turning, as after a restart)
    at: float = 0.0


@dataclass(frozen=True)
class Stop:
    """Fade out and lift the stylus."""


@dataclass(frozen=True)
class Seek:
    """Put the stylus `seconds` into the side (the groove radius follows)."""
    seconds: float


@dataclass(frozen=True)
class SetSpeed:
    """Platter speed as a ratio of nominal, reached at the motor's slew: 1 plays, 0 stops,
    negative runs back. It also lets go of a platter a `Hold` had."""
    ratio: float


@dataclass(frozen=True)
class Hold:
    """A hand holds the platter: its angle in revolutions since the hand took hold (the first
    Hold of a touch anchors it where the platter stops under the hand). The groove follows
    the angle, not a speed: one turn is 60/rpm seconds of the side, forwards or back, however
    the moves arrive. A SetSpeed lets go."""
    turns: float


@dataclass(frozen=True)
class SetVolume:
    level: float  # 0..1


@dataclass(frozen=True)
class SetParam:
    """A live change of one sound parameter (the performer's /dsp/<stage>/<param>)."""
    stage: str
    name: str
    value: float


SoundCommand = Union[PlayFile, Stop, Seek, SetSpeed, Hold, SetVolume, SetParam]


@dataclass(frozen=True)
class Ended:
    """The side of this disc has played to its end (or the disc was taken off the platter)."""
    track_id: str


@dataclass(frozen=True)
class DeviceChanged:
    """The output device went or came back; `name` is what plays now ("null sink": nothing)."""
    name: str


SoundEvent = Union[Ended, DeviceChanged]


@dataclass(frozen=True)
class SoundStatus:
    """What the show reads of the sound, one snapshot at a time."""

    device: str = "starting"
    is_null: bool = True  # no device: a paced null sink renders on, silently
    playing_id: Optional[str] = None
    position: float = 0.0  # seconds into the side
    level: float = 0.0  # output peak, decaying: for meters
    speed: float = 0.0  # platter speed as a ratio of nominal, as the motor has it now
    rpm: float = 78.0  # nominal rpm of the disc on the platter
    underruns: int = 0
    errors: int = 0  # blocks the chain could not render
    blocks: int = 0  # callbacks so far: a heartbeat that stops when the stream does
    loading: bool = False  # a disc is being decoded and cut
    grooves_mb: float = 0.0  # the cut grooves kept for quick returns (bounded by audio.cache_mb)
    memory_mb: float = 0.0  # the sound process's resident memory (0: it runs in the kiosk's own)
    render_p50: float = 0.0  # seconds a callback took: median and 99th percentile of the recent ones
    render_p99: float = 0.0
    # a real platter's encoder read by the sound process itself (osc.encoder_port): (turns, rev/s,
    # the perf_counter time of that angle), and whether a hand is on it; None: no encoder speaks there
    platter: Optional[Tuple[float, float, float]] = None
    platter_touched: bool = False


class Sound(Protocol):
    """The sound as the show sees it: commands in, a status and events out."""

    events: "queue.SimpleQueue[SoundEvent]"

    def apply(self, command: SoundCommand) -> None:
        """Check `command` (ValueError naming what is wrong) and pass it on; never blocks."""

    def status(self) -> SoundStatus: ...

    def start(self) -> None: ...

    def close(self) -> None: ...


def checked(command: SoundCommand, dsp: DspConfig) -> SoundCommand:
    """`command` with its numbers checked against `dsp` (the live settings) and clamped where a
    clamp is the kind answer (volume); ValueError naming the command otherwise."""
    if isinstance(command, Seek):
        return Seek(finite(command.seconds, "seek"))
    if isinstance(command, SetSpeed):
        return SetSpeed(finite(command.ratio, "speed"))
    if isinstance(command, Hold):
        return Hold(finite(command.turns, "hold"))
    if isinstance(command, SetVolume):
        return SetVolume(min(1.0, max(0.0, finite(command.level, "volume"))))
    if isinstance(command, SetParam):
        return replace(command, value=check_live_param(dsp, command.stage, command.name, command.value))
    if isinstance(command, PlayFile):
        return replace(command, path=Path(command.path), at=max(0.0, finite(command.at, "play at")))
    return command


def finite(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what}: expected a finite number, got {value!r}")
    return value
