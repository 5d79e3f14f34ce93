"""The groove as it is cut: (turns, radius, level) points, from any lathe that reports its
carriage radius (or the simulation's), so the live view draws the spiral growing and the
archive renders the new disc from the same record."""
from __future__ import annotations

import math
import threading

import numpy as np

MAX_POINTS = 1 << 18  # at 50 a second: well over an hour of cutting


class GrooveTrace:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # the lathe thread adds; the main loop reads
        self._points = np.zeros((MAX_POINTS, 3), np.float32)
        self._n = 0
        self.turns = 0.0

    def advance(self, rpm: float, dt: float) -> None:
        """Turn the platter's angle on by `dt` seconds at `rpm` (measured, or the configured one)."""
        self.turns += rpm / 60.0 * dt

    def add(self, radius_mm: float, level: float) -> None:
        with self._lock:
            if self._n < MAX_POINTS:
                self._points[self._n] = (self.turns, radius_mm, min(1.0, max(0.0, level)))
                self._n += 1

    def clear(self) -> None:
        with self._lock:
            self._n = 0
            self.turns = 0.0

    def __len__(self) -> int:
        return self._n

    def points(self, start: int = 0) -> np.ndarray:
        """Rows of (turns, radius mm, level) from index `start` on: a copy."""
        with self._lock:
            return self._points[start:self._n].copy()

    @staticmethod
    def dense(points: np.ndarray, per_turn: int = 240) -> np.ndarray:
        """The points with the arcs between them filled in (`per_turn` steps a revolution), so a
        trace sampled a few times a turn (a rehearsal's fast clock) still draws as a spiral."""
        if len(points) < 2:
            return points
        steps = np.maximum(1, np.ceil(np.diff(points[:, 0]) * per_turn).astype(int))
        index = np.repeat(np.arange(len(points) - 1), steps)
        frac = np.concatenate([np.arange(n) / n for n in steps]).astype(np.float32)
        out = points[index] + (points[index + 1] - points[index]) * frac[:, None]
        return np.vstack([out, points[-1:]])

    @staticmethod
    def to_xy(points: np.ndarray, centre: tuple, px_per_mm: float) -> np.ndarray:
        """Screen positions of groove points (clockwise from the top, as the platter turns)."""
        angle = points[:, 0] * 2 * math.pi
        r = points[:, 1] * px_per_mm
        return np.stack([centre[0] + r * np.sin(angle), centre[1] - r * np.cos(angle)], axis=1)
