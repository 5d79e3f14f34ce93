"""The output stages every chain ends with: a fader (disc changes), a gliding gain (volume) and
the safety limiter."""
from __future__ import annotations

import numpy as np


class Gain:
    """A gain that moves toward its target at a bounded slope (full scale in `glide_seconds`):
    no zipper noise on changes, and the same result whatever the block size."""

    def __init__(self, value: float, sample_rate: int, max_frames: int, glide_seconds: float = 0.05):
        self.value = self.target = float(value)
        self.step = 1.0 / max(1.0, glide_seconds * sample_rate)  # max change per frame
        self._steps = np.arange(1, max_frames + 1, dtype=np.float32)
        self._ramp = np.zeros(max_frames, dtype=np.float32)

    def set(self, value: float) -> None:
        self.target = float(value)

    def process(self, block: np.ndarray) -> np.ndarray:
        start, delta = self.value, self.target - self.value
        if delta == 0.0:
            if start != 1.0:
                block *= start
            return block
        n = len(block)
        ramp = self._ramp[:n]
        np.multiply(self._steps[:n], self.step if delta > 0 else -self.step, out=ramp)
        np.clip(ramp, -abs(delta), abs(delta), out=ramp)
        ramp += start
        self.value = self.target if abs(delta) <= self.step * n else float(ramp[-1])
        block *= ramp
        return block


class Fader(Gain):
    """A Gain whose glide is the configured fade time; at 0 the engine swaps discs."""

    def __init__(self, sample_rate: int, max_frames: int, fade_seconds: float):
        super().__init__(0.0, sample_rate, max_frames, glide_seconds=fade_seconds)


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
