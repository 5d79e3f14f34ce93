"""The platter and the groove under the stylus, shared by the stages of one chain.

`Motion` (first stage) fills, for every frame of the block: the platter speed as a ratio of
nominal (glided, so an encoder or a tap never clicks), the platter angle in revolutions, and
the groove radius from the spiral. Later stages read these arrays instead of a clock, so the
sound stops when the platter stops and runs backwards when it is pulled back.
"""
from __future__ import annotations

import math

import numpy as np

from .settings import GrooveSettings, MotionSettings


class Transport:
    def __init__(self, sample_rate: int, max_frames: int):
        self.fs = sample_rate
        self.rpm = 78.0
        self.speed = np.zeros(max_frames)  # platter speed / nominal, per frame
        self.turns = np.zeros(max_frames)  # platter angle in revolutions, per frame
        self.groove = np.zeros(max_frames)  # source position at nominal speed (frames), per frame
        self.radius = np.zeros(max_frames)  # groove radius in mm, per frame
        self.ratio = np.ones(max_frames)  # wow etc.: source frames per nominal frame
        self.abs_speed = np.zeros(max_frames, dtype=np.float32)


HAND_SLEW_PER_SECOND = 80.0  # a finger reverses the platter in 25 ms: smooth, not slowed
HAND_LAG_SECONDS = 0.03  # the groove catches up with the hand's angle in about this
HAND_MAX_SPEED = 12.0  # a flick of the finger: at most this many times nominal


class Motion:
    """Platter speed (glided toward `target`, or following a hand's angle) and the spiral
    groove's radius."""

    def __init__(self, transport: Transport, settings: MotionSettings, groove: GrooveSettings):
        self.t = transport
        self.target = 1.0
        self.by_hand = False  # a hand holds the platter: the speed follows `hand_at`
        self.hand_at = 0.0  # where the hand has the groove (frames at nominal speed)
        self._anchor = 0.0  # groove_pos where the hand took hold
        self.speed = 0.0  # at the end of the last block
        self.turns = 0.0
        self.groove_pos = 0.0
        self._steps = np.arange(1, len(transport.speed) + 1, dtype=np.float64)
        self.configure(settings, groove)

    def configure(self, settings: MotionSettings, groove: GrooveSettings) -> None:
        self.t.rpm = settings.rpm
        self.motor_slew = settings.slew_per_second / self.t.fs  # per frame
        self.hand_slew = HAND_SLEW_PER_SECOND / self.t.fs
        spiral = groove.geometry(settings.rpm)
        self.outer, self.inner, self.pitch_mm = spiral.start_mm, spiral.end_mm, spiral.pitch_mm

    def hold(self, turns: float) -> None:
        """A hand's angle since it took hold (Hold); the first one anchors it where the platter,
        braked at the hand's slew, comes to rest, so a touch stops it without a backward jerk."""
        if not self.by_hand:
            self.by_hand = True
            self._anchor = self.groove_pos + self.speed * abs(self.speed) / (2 * self.hand_slew)
        self.hand_at = self._anchor + turns * 60.0 / self.t.rpm * self.t.fs

    def let_go(self, ratio: float) -> None:
        """The motor's speed (SetSpeed): the hand, if there was one, lets go."""
        self.by_hand, self.target = False, ratio

    def _follow(self) -> float:
        """The speed that brings the groove to the hand: proportional close to it, never
        faster than the hand's slew can brake to a stop exactly there."""
        error = self.hand_at - self.groove_pos
        brake = math.sqrt(2.0 * self.hand_slew * abs(error))
        wanted = min(abs(error) / (HAND_LAG_SECONDS * self.t.fs), brake, HAND_MAX_SPEED)
        return math.copysign(wanted, error)

    def reset(self, spin_up: bool = False, at: float = 0.0, hand_follows: bool = False) -> None:
        """A new disc on the platter, the stylus at `at` (frames; the rim: 0); from rest if
        `spin_up`. `hand_follows`: a hand that took hold of the empty platter keeps its place on
        the disc put on under it, moved on by `at` (a restarted sound process is given the hand
        before its disc, which comes back at the stylus's place; a first disc whose groove was
        still being cut comes at 0, and the hand keeps the turns the picture has shown)."""
        if hand_follows and self.by_hand:
            self._anchor += at
            self.hand_at += at
        self.turns, self.groove_pos = 0.0, at
        self.speed = 0.0 if spin_up else self.target

    def process(self, block: np.ndarray) -> np.ndarray:
        t, n = self.t, len(block)
        speed, steps = t.speed[:n], self._steps[:n]
        if self.by_hand:
            self.target = self._follow()
        delta = self.target - self.speed
        if delta == 0.0:
            speed.fill(self.speed)
        else:  # a straight ramp at the slew limit, then level
            slew = self.hand_slew if self.by_hand else self.motor_slew
            np.multiply(steps, np.sign(delta) * slew, out=speed)
            np.clip(speed, -abs(delta), abs(delta), out=speed)
            speed += self.speed
        self.speed = float(speed[-1])
        rev_per_frame = t.rpm / 60.0 / t.fs
        _integrate(speed, 0.0, 1.0, t.groove[:n])  # frames travelled since the block began
        np.multiply(t.groove[:n], rev_per_frame, out=t.turns[:n])
        t.turns[:n] += self.turns
        travelled = float(t.groove[n - 1]) + self.speed
        t.groove[:n] += self.groove_pos
        self.turns += travelled * rev_per_frame
        self.groove_pos += travelled
        # r = outer - revolutions played * pitch; revolutions = groove frames * rpm / 60 / fs
        np.multiply(t.groove[:n], -rev_per_frame * self.pitch_mm, out=t.radius[:n])
        t.radius[:n] += self.outer
        np.clip(t.radius[:n], self.inner, self.outer, out=t.radius[:n])
        np.abs(speed, out=t.abs_speed[:n], casting="same_kind")
        return block


def _integrate(rate: np.ndarray, start: float, scale: float, out: np.ndarray) -> None:
    """out[i] = start + scale * sum(rate[:i]): the position at each frame, before it moves."""
    np.cumsum(rate, out=out)
    out -= rate
    out *= scale
    out += start


def fraction(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """x mod 1 for x of any sign, in two cheap passes (np.mod costs ten times as much).
    `out` must be another array than `x` (in place, the floor would overwrite x first)."""
    if np.shares_memory(x, out):
        raise ValueError("fraction: out must not share memory with x")
    np.floor(x, out=out)
    np.subtract(x, out, out=out)
    return out
