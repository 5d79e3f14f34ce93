"""Wow from the burnt, off-centre hole, plus warp and motor flutter.

Played about a centre `e` mm away from the groove's own, the stylus meets the groove at a
linear speed that swings once per revolution: the pitch ratio is
`1 + (e / r) * cos(2π turns + φ)`, so at 78 rpm it wobbles at 1.3 Hz, and more toward
the centre where r is small. Everything is tied to the platter angle, not to the clock: a
held disc does not wobble, a slowed one wobbles slower.
"""
from __future__ import annotations

import math

import numpy as np

from .settings import WowSettings
from .transport import Transport, fraction


class Wow:
    def __init__(self, transport: Transport, settings: WowSettings, seed: int = 0):
        self.t = transport
        rng = np.random.default_rng(seed)
        self.phase = rng.uniform(0, 2 * math.pi, 3)
        n = len(transport.ratio)
        self._angle = np.zeros(n)  # fraction of a revolution, float64: exact whatever the turn count
        self._cycles = np.zeros(n)  # warp or flutter cycles, before taking the fraction
        # float64 (float32's sin and cos are faster): the ratio's rounding adds up in the read position,
        # and the compiled core (compiled.py) must be able to follow it to the last frame
        self._a = np.zeros(n)
        self._b = np.zeros(n)
        self.configure(settings)

    def configure(self, settings: WowSettings) -> None:
        self.s = settings

    def process(self, block: np.ndarray) -> np.ndarray:
        t, n, s = self.t, len(block), self.s
        angle, a, b = self._angle[:n], self._a[:n], self._b[:n]
        fraction(t.turns[:n], angle)  # the angle within the turn, exact whatever the turn count
        # eccentricity: (e / r) cos(2π turns + φ0)
        np.multiply(angle, 2 * math.pi, out=a)
        a += self.phase[0]
        np.cos(a, out=a)
        a *= s.eccentricity_mm
        np.divide(a, t.radius[:n], out=t.ratio[:n])
        t.ratio[:n] += 1.0
        for depth, per_rev, phase in ((s.warp_depth, s.warp_per_rev, self.phase[1]),
                                      (s.flutter_depth, s.flutter_per_rev, self.phase[2])):
            if depth:
                np.multiply(t.turns[:n], per_rev, out=self._cycles[:n])
                fraction(self._cycles[:n], angle)
                np.multiply(angle, 2 * math.pi, out=b)
                b += phase
                np.sin(b, out=b)
                b *= depth
                t.ratio[:n] += b
        return block
