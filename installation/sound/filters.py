"""Biquads (RBJ cookbook) as second-order sections, and a stateful filter over blocks.

State carries across blocks (scipy's lfilter with zi; sosfilt costs ~45 µs a call before
it starts, a fifth of a 256-frame budget), so a signal filtered in 64-frame blocks equals
the same signal filtered in one go.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
from scipy.signal import lfilter, lfiltic


def _section(b0, b1, b2, a0, a1, a2) -> list[float]:
    return [b0 / a0, b1 / a0, b2 / a0, 1.0, a1 / a0, a2 / a0]


def lowpass(fc: float, fs: float, q: float = 1 / math.sqrt(2)) -> list[float]:
    w = 2 * math.pi * min(fc, 0.49 * fs) / fs
    alpha, c = math.sin(w) / (2 * q), math.cos(w)
    return _section((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + alpha, -2 * c, 1 - alpha)


def highpass(fc: float, fs: float, q: float = 1 / math.sqrt(2)) -> list[float]:
    w = 2 * math.pi * min(fc, 0.49 * fs) / fs
    alpha, c = math.sin(w) / (2 * q), math.cos(w)
    return _section((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + alpha, -2 * c, 1 - alpha)


def peak(fc: float, fs: float, gain_db: float, q: float) -> list[float]:
    a = 10 ** (gain_db / 40)
    w = 2 * math.pi * min(fc, 0.49 * fs) / fs
    alpha, c = math.sin(w) / (2 * q), math.cos(w)
    return _section(1 + alpha * a, -2 * c, 1 - alpha * a, 1 + alpha / a, -2 * c, 1 - alpha / a)


def bandpass(fc: float, fs: float, q: float) -> list[float]:
    w = 2 * math.pi * min(fc, 0.49 * fs) / fs
    alpha, c = math.sin(w) / (2 * q), math.cos(w)
    return _section(alpha, 0.0, -alpha, 1 + alpha, -2 * c, 1 - alpha)


def one_pole_lowpass(fc: float, fs: float) -> list[float]:
    p = math.exp(-2 * math.pi * fc / fs)
    return [1 - p, 0.0, 0.0, 1.0, -p, 0.0]


class BiquadCascade:
    """Biquad sections in series with their state; `set` swaps coefficients and keeps the state.
    (Not scipy's `sos` form: the sections are multiplied out into one transfer function.)

    The sections run as one transfer function (one lfilter call: the call overhead, not the
    arithmetic, dominates at audio block sizes); in float64 that is exact enough for the
    low orders used here, which the band-limit tests measure."""

    def __init__(self, sections: list[list[float]], smooth: bool = False):
        """`smooth`: coefficients will move while it runs (a cutoff that follows the platter):
        each change carries on from the recent input and output as if the new coefficients had
        always been there (direct form I), so the move does not click."""
        self.sos = np.array(sections, dtype=np.float64)
        self.zi = np.zeros(2 * len(sections))
        self.smooth = smooth
        order = 2 * len(sections)
        self._x = np.zeros(order)  # the last inputs and outputs, newest first
        self._y = np.zeros(order)
        self._fuse()

    def _fuse(self) -> None:
        b, a = np.ones(1), np.ones(1)
        for section in self.sos:
            b, a = np.convolve(b, section[:3]), np.convolve(a, section[3:])
        self.b, self.a = b, a

    def set(self, sections: list[list[float]]) -> None:
        self.sos[:] = sections
        self._fuse()

    def set_section(self, k: int, section: list[float]) -> None:
        self.sos[k] = section
        self._fuse()
        if self.smooth:
            self.zi = lfiltic(self.b, self.a, self._y, self._x)

    def process(self, x: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
        y, self.zi = lfilter(self.b, self.a, x, zi=self.zi)
        if self.smooth:  # keep the history a change starts from
            _remember(self._x, x)
            _remember(self._y, y)
        if out is not None:
            out[:] = y
            return out
        return y


def _remember(history: np.ndarray, new: np.ndarray) -> None:
    """history[0] is the newest frame."""
    m = min(len(history), len(new))
    history[m:] = history[:len(history) - m].copy()
    history[:m] = new[::-1][:m]
