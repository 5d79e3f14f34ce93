"""The platter as the picture sees it: how far the disc on screen has turned, and how fast.

Scenes draw the disc at `turns`. The sound has its own motor model (sound/transport.py); when
a real platter's encoder drives both, scenes take its reading instead of this model.
A real motor does not jump to speed, so changes of target ramp at `accel` rev/s².
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

WRAP_TURNS = 4096.0  # a power of two: wrapping loses nothing of the fraction


@dataclass
class Platter:
    rpm: float = 78.0  # nominal speed of the disc on it
    accel: float = 2.0  # rev/s² while spinning up or braking
    turns: float = 0.0  # revolutions since start; the fraction is the angle
    speed: float = 0.0  # rev/s now
    target: float = 0.0  # rev/s wanted

    def start(self, rpm: Optional[float] = None, instant: bool = False) -> None:
        if rpm is not None:
            self.rpm = rpm
        self.target = self.rpm / 60.0
        if instant:
            self.speed = self.target

    def update(self, dt: float) -> None:
        step = self.accel * dt
        start = self.speed
        self.speed = min(self.target, start + step) if self.target > start else max(self.target, start - step)
        self.turns += 0.5 * (start + self.speed) * dt  # trapezoid: exact for a linear ramp
        self.turns %= WRAP_TURNS  # weeks of turning keep the fraction (the angle) exact

    @property
    def rate(self) -> float:
        """Playback rate relative to the nominal speed (1.0 = correct pitch)."""
        nominal = self.rpm / 60.0
        return self.speed / nominal if nominal else 0.0
