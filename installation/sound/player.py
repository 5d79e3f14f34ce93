"""The player: the playback chain and what it is told, with no thread of its own.

`render(out)` is the audio callback's body, wherever it is called from (a device's callback,
the null sink's loop, an offline render): it takes the commands posted since the last block,
renders, never blocks, never logs, never raises and allocates no large arrays. If the chain
throws anyway, that block is silent, the error is kept, and `mend()` (the service thread)
logs it and rebuilds the chain where it was.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import queue
import time
from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

import numpy as np

from .chain import Chain
from .emulation import DiscEmulation
from .output import Fader, Gain, Limiter
from .port import Ended, Hold, Seek, SetParam, SetSpeed, SetVolume, SoundEvent, Stop
from .readhead import Track
from .settings import CUT_PARAMS, AudioConfig, DspConfig, replace_param
from .transport import Transport

GLIDE_SECONDS = 0.08  # live parameter changes reach their value in a few of these
GLIDE_GRID = 64  # frames: glides step on this absolute grid, whatever the block size
AGAIN_SECONDS = 10.0  # a disc that breaks the chain twice within this is taken off the platter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Load:
    """Fade to this groove (cut for `settings`), from `at` seconds in."""
    groove: Track
    settings: DspConfig
    spin_up: bool
    at: float = 0.0


@dataclass(frozen=True)
class Swap:
    """A re-cut groove of the disc on the platter: the same place, the new cut."""
    groove: Track
    settings: DspConfig


PlayerCommand = Union[Load, Swap, Stop, Seek, SetSpeed, Hold, SetVolume, SetParam]


class Player:
    def __init__(self, cfg: AudioConfig, dsp: DspConfig, sample_rate: int,
                 events: "Optional[queue.SimpleQueue[SoundEvent]]" = None):
        self.cfg, self.sample_rate = cfg, sample_rate
        self.max_frames = max(8192, cfg.block_size * 4)
        self.commands: "queue.SimpleQueue[PlayerCommand]" = queue.SimpleQueue()
        self.events: "queue.SimpleQueue[SoundEvent]" = events if events is not None else queue.SimpleQueue()
        self.blocks = 0  # rendered so far: the heartbeat
        self.errors = 0  # blocks the chain could not render
        self.render_seconds = np.zeros(4096)  # how long each of the last blocks took (a ring)
        self._level = 0.0
        self._error: Optional[BaseException] = None  # the last one, for mend() to log
        self._broken = False
        self._failed: Tuple[Optional[Track], float] = (None, 0.0)  # the disc on the platter at the last failure
        self.compiled = cfg.core == "compiled" and compiled_core_ready()
        self._build(dsp)

    def _build(self, dsp: DspConfig) -> None:
        self.transport = Transport(self.sample_rate, self.max_frames)
        self.dsp = DiscEmulation(dsp, self.transport, self.max_frames)
        self.fader = Fader(self.sample_rate, self.max_frames, self.cfg.fade_seconds)
        self.volume = Gain(self.cfg.master_volume, self.sample_rate, self.max_frames)
        limiter = Limiter
        if self.compiled:  # the stages' arithmetic as compiled loops (numba: imported where the sound plays)
            from .compiled import CompiledLimiter as limiter
            from .compiled import FusedDisc

            self.dsp.stages = [FusedDisc(self.dsp)]
        self.limiter = limiter(dsp.output.limiter_threshold, self.max_frames, self.sample_rate)
        self.chain = Chain([*self.dsp.stages, self.fader, self.volume, self.limiter])
        self._block = np.zeros(self.max_frames, dtype=np.float32)
        self._pending: Optional[Load] = None
        self._wants_stop = False
        self._seek_to: Optional[float] = None
        self._glides: Dict[Tuple[str, str], float] = {}  # (stage, param) -> target
        self._frames = 0  # rendered since the chain was built: the glide grid
        self._spins = dsp.enabled  # only an emulated platter spins up from rest

    # -- what others read ---------------------------------------------------------------
    @property
    def playing_id(self) -> Optional[str]:
        track = self.dsp.read_head.track
        return track.id if track is not None else None

    @property
    def position_seconds(self) -> float:
        return self.dsp.read_head.pos / self.sample_rate

    @property
    def speed(self) -> float:
        return self.dsp.motion.speed

    @property
    def rpm(self) -> float:
        return self.dsp.settings.motion.rpm

    @property
    def level(self) -> float:
        return self._level

    def render_times(self) -> Tuple[float, float]:
        """Median and p99 of the recent blocks' durations, in seconds (not for the audio thread)."""
        recent = self.render_seconds[: min(self.blocks, len(self.render_seconds))]
        if not len(recent):
            return 0.0, 0.0
        return float(np.median(recent)), float(np.percentile(recent, 99))

    # -- the callback body --------------------------------------------------------------
    def render(self, out: np.ndarray) -> None:
        """Fill `out` (frames x channels, float32). Runs on the audio thread; never raises."""
        started = time.perf_counter()
        if self._broken:
            out.fill(0.0)
        else:
            try:
                self._render(out)
                if not math.isfinite(float(out.sum())):  # a NaN would stay in every filter's state
                    raise FloatingPointError("the chain produced NaN or infinite samples")
            except Exception as exc:  # a bug must cost one silent block, not the sound for good
                out.fill(0.0)
                self.errors += 1
                self._error = exc
                self._broken = True
        self.render_seconds[self.blocks % len(self.render_seconds)] = time.perf_counter() - started
        self.blocks += 1

    def _render(self, out: np.ndarray) -> None:
        self._drain()
        frames, done = len(out), 0
        while done < frames:  # a host may ask for more than one buffer's worth
            n = min(frames - done, self.max_frames)
            if self._glides:  # step on the absolute grid: the same sound for any block size
                to_grid = GLIDE_GRID - self._frames % GLIDE_GRID
                if to_grid == GLIDE_GRID:
                    self._glide()
                n = min(n, to_grid)
            self._swap_if_faded()
            head = self.dsp.read_head
            if self._seek_to is not None and head.track is not None:
                head.pos = self.dsp.motion.groove_pos = self._seek_to
                self._seek_to = None
            block = self.chain.process(self._block[:n])
            if head.ended and head.track is not None:
                self.events.put(Ended(head.track.id))
                head.load(None)
            out[done:done + n] = block[:, None]
            done += n
            self._frames += n
        self._level = max(float(out.max(initial=0.0)), -float(out.min(initial=0.0)), self._level * 0.9)

    def _drain(self) -> None:
        while True:
            try:
                c = self.commands.get_nowait()
            except queue.Empty:
                return
            if isinstance(c, Load):
                self._pending, self._wants_stop = c, False
                self.fader.set(0.0)
            elif isinstance(c, Stop):
                self._pending, self._wants_stop = None, True
                self.fader.set(0.0)
            elif isinstance(c, Swap):
                self._swap(c)
            elif isinstance(c, SetVolume):
                self.volume.set(c.level)
            elif isinstance(c, SetSpeed):
                self.dsp.motion.let_go(c.ratio)
            elif isinstance(c, Hold):
                self.dsp.motion.hold(c.turns)
            elif isinstance(c, Seek):
                self._seek_to = c.seconds * self.sample_rate  # applied once a track is on
            elif isinstance(c, SetParam):
                if isinstance(getattr(getattr(self.dsp.settings, c.stage), c.name), int):  # counts jump
                    self.dsp.configure(replace_param(self.dsp.settings, c.stage, c.name, c.value))
                else:
                    self._glides[(c.stage, c.name)] = c.value

    def _swap(self, c: Swap) -> None:
        head = self.dsp.read_head
        if head.track is not None and head.track.id == c.groove.id:
            head.track = c.groove
            self.dsp.configure(dataclasses.replace(self.dsp.settings, cutter=c.settings.cutter,
                                                   surface=_keep_playback(self.dsp.settings, c.settings)))

    def _glide(self) -> None:
        """Move live-changed parameters one grid step toward their targets: no zipper noise."""
        step = 1.0 - math.exp(-GLIDE_GRID / (GLIDE_SECONDS * self.sample_rate))
        settings = self.dsp.settings
        for (stage, name), target in list(self._glides.items()):
            now = getattr(getattr(settings, stage), name)
            value = now + (target - now) * step
            if abs(target - value) <= 1e-4 * max(1.0, abs(target)):
                value = target
                del self._glides[(stage, name)]
            settings = replace_param(settings, stage, name, value)
        self.dsp.configure(settings)

    def _swap_if_faded(self) -> None:
        head = self.dsp.read_head
        idle = head.track is None
        if self._pending is not None and (idle or self.fader.value == 0.0):
            load, self._pending = self._pending, None
            self.dsp.configure(load.settings)
            self.dsp.motion.reset(load.spin_up and self._spins, load.at * self.sample_rate, hand_follows=idle)
            head.load(load.groove, load.at * self.sample_rate)
            self.fader.set(1.0)
        elif self._wants_stop and (idle or self.fader.value == 0.0):
            head.load(None)
            self._wants_stop = False

    # -- the service thread (never the audio thread) --------------------------------------
    def mend(self, now: float) -> None:
        """After an exception in the chain: log it and rebuild the chain where it was; a disc that
        breaks it twice within AGAIN_SECONDS is taken off the platter (the show is told it ended)."""
        if not self._broken:
            return
        error, head = self._error, self.dsp.read_head
        track, pos, settings, volume = head.track, head.pos, self.dsp.settings, self.volume.target
        failed, at = self._failed
        if track is not None and track is failed and now - at < AGAIN_SECONDS:
            log.error("audio: the disc %s breaks the sound chain again (%s: %s); taken off the platter",
                      track.id, type(error).__name__, error)
            self.events.put(Ended(track.id))
            track, pos = None, 0
        else:
            log.error("audio: the sound chain failed (%s: %s); rebuilt, playing on from %.1f s",
                      type(error).__name__, error, pos / self.sample_rate,
                      exc_info=(type(error), error, error.__traceback__) if error else None)
        self._failed = (track, now)
        self._build(settings)
        self.dsp.motion.reset(False, pos)
        self.dsp.read_head.load(track, pos)
        self.fader.set(1.0)
        self.volume.set(volume)
        self._broken = False


_core: Dict[str, bool] = {}  # this process's compiled core: loaded (or compiled) once, before any block


def compiled_core_ready() -> bool:
    """Load the compiled core now, outside the audio callback (from numba's cache: a tenth of a
    second; compiled: a few seconds, once per machine); False, said once, where numba is missing."""
    if "ready" not in _core:
        try:
            from .compiled import warm

            took = warm()
            log.info("audio: the compiled playback core is ready (%.2f s)", took)
            _core["ready"] = True
        except ImportError as exc:
            log.warning("audio: no compiled playback core (%s); the stages run as numpy code (audio.core: python)",
                        exc)
            _core["ready"] = False
    return _core["ready"]


def _keep_playback(current: DspConfig, cut_with: DspConfig):
    """The surface settings after a re-cut: the cut's film, the playback's rumble, hum, wobble."""
    return dataclasses.replace(current.surface, **{f.name: getattr(cut_with.surface, f.name)
                                                   for f in dataclasses.fields(current.surface)
                                                   if ("surface", f.name) in CUT_PARAMS})
