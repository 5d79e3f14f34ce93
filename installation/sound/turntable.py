"""The turntable: the one writer of the platter's motion, whoever turns it: the motor (play,
pause: a speed), a visitor's finger on the disc on screen (an angle: the groove follows it),
or a real platter's encoder over OSC.

Encoders send an absolute angle (wrapping at 360) up to 1,000 times a second, with network
jitter. Each reading is unwrapped (the shorter way round) and fed to an alpha-beta tracker,
which gives a smooth angle and speed from noisy, irregular samples at O(1) per message.
The speed, as a ratio of the disc's nominal rpm, goes to the audio read head; the angle
goes to the disc on screen. Only the latest values matter: nothing queues.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

from .port import Hold, SetSpeed, Sound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlatterReading:
    """What the screen reads of a real platter, once a frame: a snapshot, never the tracker."""

    turns: float  # angle in revolutions, carried on to the frame's time
    rev_per_s: float


class EncoderTracker:
    def __init__(self, on_speed: Callable[[float], None], rpm: Callable[[], float],
                 alpha: float = 0.5, beta: float = 0.05, min_change: float = 0.002):
        self.on_speed = on_speed  # called with the speed ratio when it changes
        self.rpm = rpm  # the nominal rpm of the disc on the platter now
        self.alpha, self.beta, self.min_change = alpha, beta, min_change
        self.lock = threading.Lock()
        self.active = False  # an encoder has spoken: it drives the platter from now on
        self.touched = False
        self.turns = 0.0  # tracked angle, in revolutions (unwrapped)
        self.rev_per_s = 0.0  # tracked speed
        self.last_time: Optional[float] = None
        self._last_degrees = 0.0
        self._unwrapped = 0.0  # degrees
        self._sent: Optional[float] = None  # last ratio handed to on_speed

    def angle(self, degrees: float, now: Optional[float] = None) -> None:
        now = time.perf_counter() if now is None else now
        with self.lock:
            if self.last_time is None:
                self._last_degrees = degrees % 360.0
                self._unwrapped = self._last_degrees
                self.turns, self.rev_per_s, self.last_time, self.active = self._unwrapped / 360.0, 0.0, now, True
                return
            step = (degrees - self._last_degrees + 180.0) % 360.0 - 180.0  # the shorter way round
            self._last_degrees = degrees % 360.0
            self._unwrapped += step
            dt = max(now - self.last_time, 1e-4)
            self.last_time = now
            predicted = self.turns + self.rev_per_s * dt
            residual = self._unwrapped / 360.0 - predicted
            self.turns = predicted + self.alpha * residual
            self.rev_per_s += self.beta * residual / dt
            speed = self.rev_per_s
        self._publish(speed)

    def set_rpm(self, rpm: float, now: Optional[float] = None) -> None:
        """An encoder that reports rpm instead of angles."""
        with self.lock:
            self.active = True
            self.rev_per_s = rpm / 60.0
            self.last_time = time.perf_counter() if now is None else now
        self._publish(self.rev_per_s)

    def touch(self, on: bool) -> None:
        self.touched = on

    def check_timeout(self, timeout: float, now: Optional[float] = None, release: float = float("inf")) -> None:
        """No reading for `timeout` seconds: the platter has stopped (or the hand holds it). None
        for `release` seconds: the encoder is gone (unplugged, or one stray packet), and the motor
        drives the platter at its own speed again."""
        now = time.perf_counter() if now is None else now
        with self.lock:
            silent = now - self.last_time if self.active and self.last_time is not None else 0.0
            released = silent > release
            stale = not released and silent > timeout  # held; _publish says so once
            if stale:
                self.rev_per_s = 0.0
            if released:
                self.active, self.last_time, self.rev_per_s, self._sent = False, None, 0.0, None
        if stale:
            self._publish(0.0)
        if released:
            log.warning("encoder silent for %.0f s: the motor drives the platter again", silent)
            self.on_speed(1.0)

    def display_turns(self, now: Optional[float] = None) -> float:
        """The angle now, carried on from the last reading: a smooth picture between messages."""
        now = time.perf_counter() if now is None else now
        with self.lock:
            since = now - self.last_time if self.last_time is not None else 0.0
            return self.turns + self.rev_per_s * min(since, 0.25)

    def reading(self, now: Optional[float] = None) -> Optional[PlatterReading]:
        """The platter for the picture, or None while no encoder has spoken."""
        if not self.active:
            return None
        return PlatterReading(self.display_turns(now), self.rev_per_s)

    @property
    def ratio(self) -> float:
        nominal = self.rpm() / 60.0
        return self.rev_per_s / nominal if nominal else 0.0

    def _publish(self, rev_per_s: float) -> None:
        nominal = self.rpm() / 60.0
        ratio = rev_per_s / nominal if nominal else 0.0
        if self._sent is None or abs(ratio - self._sent) >= self.min_change or (ratio == 0.0 != self._sent):
            self._sent = ratio
            self.on_speed(ratio)


class Turntable:
    """Finger, motor and encoder in one place, so two writers never fight over the speed: every
    change goes to the sound as one `SetSpeed`."""

    def __init__(self, sound: Optional[Sound], timeout: float, release: float,
                 rpm: Optional[Callable[[], float]] = None):
        """`rpm`: the nominal rpm of the disc on the platter (default: the sound's status)."""
        self.sound = sound
        self.timeout, self.release = timeout, release  # osc.encoder_timeout_seconds, _release_seconds
        self.encoder = EncoderTracker(self.set_speed, rpm or self._rpm)
        self.platter: Optional[PlatterReading] = None  # a real platter, as the last frame read it
        self._touched_there = False  # a hand on the platter, as the sound process's encoder port has it

    def set_speed(self, ratio: float) -> None:
        """Platter speed as a ratio of nominal, at the motor's slew (SetSpeed; a hand lets go)."""
        if self.sound is not None:
            self.sound.apply(SetSpeed(ratio))

    def hold(self, turns: float) -> None:
        """A finger holds the platter, turned `turns` revolutions since it took hold (Hold): the
        groove follows its angle."""
        if self.sound is not None:
            self.sound.apply(Hold(turns))

    def frame(self, now: float) -> None:
        """Once a frame: a silent encoder held or let go, and the real platter's reading for the
        picture (`platter`: None while no encoder drives it)."""
        self.encoder.check_timeout(self.timeout, now, self.release)
        self.platter = self.encoder.reading(now) or self._read_by_the_sound(now)

    def _read_by_the_sound(self, now: float) -> Optional[PlatterReading]:
        """The platter as the sound process reads it on osc.encoder_port: carried on to `now`
        (the same monotonic clock in both processes), as display_turns does."""
        if not getattr(self.sound, "reads_encoder", False):
            return None
        status = self.sound.status()  # type: ignore[union-attr]  # (reads_encoder: there is a sound)
        self._touched_there = status.platter_touched
        if status.platter is None:
            return None
        turns, rev_per_s, at = status.platter
        return PlatterReading(turns + rev_per_s * min(max(now - at, 0.0), 0.25), rev_per_s)

    @property
    def touched(self) -> bool:
        """A hand on the real platter (its touch sensor)."""
        return self.encoder.touched or self._touched_there

    def _rpm(self) -> float:
        return self.sound.status().rpm if self.sound is not None else 78.0
