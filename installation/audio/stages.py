"""Stages every chain ends with: a gliding gain (volume) and a fader (disc changes)."""
from __future__ import annotations

import numpy as np


class Ramp:
    """Preallocated 0..n-1 so gain ramps cost no allocation inside the callback."""

    def __init__(self, max_frames: int):
        self.index = np.arange(max_frames, dtype=np.float32)
        self.scratch = np.zeros(max_frames, dtype=np.float32)

    def apply(self, block: np.ndarray, start: float, end: float) -> None:
        """Multiply `block` in place by a line from `start` (first frame) towards `end` (after the last)."""
        n = len(block)
        if start == end:
            if start != 1.0:
                block *= start
            return
        ramp = self.scratch[:n]
        np.multiply(self.index[:n], (end - start) / n, out=ramp)
        ramp += start
        block *= ramp


class Gain:
    """Volume that glides to a new value over `glide_seconds`: no zipper noise on changes."""

    def __init__(self, value: float, sample_rate: int, max_frames: int, glide_seconds: float = 0.05):
        self.value = self.target = float(value)
        self.step = 1.0 / max(1.0, glide_seconds * sample_rate)  # max change per frame
        self.ramp = Ramp(max_frames)

    def set(self, value: float) -> None:
        self.target = float(value)

    def process(self, block: np.ndarray) -> np.ndarray:
        start = self.value
        delta = np.clip(self.target - start, -self.step * len(block), self.step * len(block))
        self.value = start + float(delta)
        self.ramp.apply(block, start, self.value)
        return block


class Fader(Gain):
    """A Gain whose glide is the configured fade time; `silent` tells the engine when to swap discs."""

    def __init__(self, sample_rate: int, max_frames: int, fade_seconds: float):
        super().__init__(0.0, sample_rate, max_frames, glide_seconds=fade_seconds)

    @property
    def silent(self) -> bool:
        return self.value == 0.0 and self.target == 0.0


class Limiter:
    """Safety limiter, last in every chain: untouched below `threshold`, a soft knee above,
    and never past full scale, whatever a live change or a loud scan does upstream."""

    def __init__(self, threshold: float, max_frames: int):
        self.threshold = threshold
        self._over = np.zeros(max_frames, dtype=np.float32)

    def process(self, block: np.ndarray) -> np.ndarray:
        t = self.threshold
        if np.abs(block).max(initial=0.0) <= t:
            return block
        over = self._over[: len(block)]
        np.abs(block, out=over)
        over -= t
        np.maximum(over, 0.0, out=over)
        headroom = 1.0 - t
        over *= 1.0 / headroom
        np.tanh(over, out=over)
        over *= headroom
        over += t
        np.copysign(np.minimum(np.abs(block), over, out=over), block, out=block)
        return block
