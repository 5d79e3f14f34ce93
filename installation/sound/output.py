"""The output stages every chain ends with: a fader (disc changes), a gliding gain (volume) and
the safety limiter."""
from __future__ import annotations

import numpy as np
from scipy.signal import firwin


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


LOOKAHEAD = 32  # frames the limiter sees ahead (0.7 ms): the gain is down before the peak
HALF_FIR = 12  # the inter-sample estimate reads 12 frames each side
RELEASE_SECONDS = 0.05


def _isp_filters() -> np.ndarray:
    """(3, 2 * HALF_FIR): the values a quarter, half and three quarters of the way from frame j
    to j + 1, as a DAC reconstructs them, from frames j - HALF_FIR + 1 .. j + HALF_FIR: the
    phases of a 4x interpolation filter (within 0.02 dB up to 20 kHz)."""
    up, half = 4, HALF_FIR
    h = firwin(2 * half * up + 1, 1 / up, window=("kaiser", 5.0)) * up
    q = np.arange(2 * half)
    return np.array([h[up * (2 * half - 1 - q) + p] for p in (1, 2, 3)], dtype=np.float32)


class Limiter:
    """Safety limiter, last in every chain: the true peak of the output (between frames too,
    estimated 4x oversampled) never goes past `threshold`, whatever a live change or a loud
    scan does upstream. It is silent below that, and above it the gain ramps down over the
    look-ahead before a peak and back up over 50 ms, so it never clicks. The output is
    LOOKAHEAD + HALF_FIR frames late (0.9 ms at 48 kHz). The same for any block size."""

    def __init__(self, threshold: float, max_frames: int, sample_rate: int = 48000):
        self.threshold = threshold
        self.latency = LOOKAHEAD + HALF_FIR
        self._hist = np.zeros(LOOKAHEAD + 2 * HALF_FIR, dtype=np.float32)
        self._buf = np.zeros(max_frames + len(self._hist), dtype=np.float32)
        self._fir = _isp_filters()
        self.gain = 1.0  # at the last output frame
        self.release = 1.0 / (RELEASE_SECONDS * sample_rate)  # gain rise per frame
        self._ramp = np.arange(max_frames + LOOKAHEAD, dtype=np.float64)

    def process(self, block: np.ndarray) -> np.ndarray:
        n, h, k = len(block), len(self._hist), HALF_FIR
        xb = self._buf[: n + h]
        xb[:h] = self._hist
        xb[h:] = block
        self._hist[:] = xb[n:]
        out = xb[k:k + n]  # the frames due now, LOOKAHEAD + HALF_FIR late
        if self.gain == 1.0 and np.abs(xb).max(initial=0.0) < 0.5 * self.threshold:
            block[:] = out  # far below: no inter-sample peak can reach the threshold
            return block
        env = np.abs(xb[k - 1: len(xb) - k + 1]).astype(np.float64)  # frames k-1 .. len-k
        for taps in self._fir:  # values in the gap after each frame j, for j = k-1 .. len-k-1
            between = np.abs(np.convolve(xb, taps[::-1], mode="valid"))[: len(env) - 1]
            np.maximum(env[:-1], between, out=env[:-1])  # the gap after the frame
            np.maximum(env[1:], between, out=env[1:])  # and before the next
        need = np.minimum(1.0, 0.985 * self.threshold / np.maximum(env[1:], 1e-9))  # frames k .. len-k
        # gain[j] = min over the next LOOKAHEAD frames i of need[i] + (i - j) / LOOKAHEAD: a ramp down into each peak
        ramp = self._ramp[: n + LOOKAHEAD]
        ahead = need[: n + LOOKAHEAD] + ramp / LOOKAHEAD
        gain = np.minimum.accumulate(ahead[::-1])[::-1][:n] - ramp[:n] / LOOKAHEAD
        # and back up no faster than the release: g[j] = min(gain[j], g[j-1] + release)
        rise = ramp[:n] * self.release
        g = np.minimum(np.minimum.accumulate(gain - rise), self.gain + self.release) + rise
        np.minimum(g, 1.0, out=g)
        self.gain = float(g[-1])
        np.multiply(out, g, out=block, casting="unsafe")
        return block
