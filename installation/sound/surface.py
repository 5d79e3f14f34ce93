"""What happens at playback on top of the groove (the film's own noise is cut into the groove,
sound/cut.py): the uneven film's level swing once a turn and the motor and bearing's rumble
(Surface), and, as an option, the amplifier's mains hum (Hum, after the stylus's losses).

Rumble is a seeded low noise read at the platter's position, so its spectrum slides down
when the platter slows and stops when it stops. Hum does not care about the platter at all:
it is 50 or 60 Hz and its second harmonic, from the frame count. Nothing here depends on
the block size: each is a function of the platter angle or the absolute frame count.
"""
from __future__ import annotations

import math

import numpy as np

from .cut import db
from .filters import BiquadCascade, highpass, lowpass
from .settings import SurfaceSettings
from .transport import Transport, fraction

RUMBLE_LOOP = 1 << 18  # frames at nominal speed: 5.5 s at 48 kHz


class Surface:
    def __init__(self, transport: Transport, settings: SurfaceSettings):
        self.t = transport
        n = len(transport.speed)
        self._u = np.zeros(n)
        self._v = np.zeros(n)
        self._i = np.zeros(n, dtype=np.int64)
        self._a = np.zeros(n, dtype=np.float32)
        self._b = np.zeros(n, dtype=np.float32)
        self.configure(settings)

    def configure(self, s: SurfaceSettings) -> None:
        previous, self.s = getattr(self, "s", None), s
        if previous is None or previous.seed != s.seed:
            rng = np.random.default_rng(np.random.SeedSequence(s.seed).spawn(4)[3])
            self.phase = rng.uniform(0, 2 * math.pi, 2)
            self.rumble = _rumble_loop(rng, self.t.fs)

    def process(self, block: np.ndarray) -> np.ndarray:
        t, n, s = self.t, len(block), self.s
        u, a = self._u[:n], self._a[:n]
        if s.wobble:  # the film's thickness, once a turn: 1 + w cos(2π turns + φ)
            fraction(t.turns[:n], u)
            np.multiply(u, 2 * math.pi, out=a, casting="same_kind")
            a += self.phase[0]
            np.cos(a, out=a)
            a *= s.wobble
            a += 1.0
            block *= a
        if s.rumble_db > -119:  # read at the platter's position: it slides with the speed
            self._rumble(n, a)
            a *= t.abs_speed[:n]
            a *= db(s.rumble_db)
            block += a
        return block

    def _rumble(self, n: int, out: np.ndarray) -> None:
        """The loop at the platter's position in nominal frames, linearly interpolated."""
        t = self.t
        u, v, i = self._u[:n], self._v[:n], self._i[:n]
        np.multiply(t.turns[:n], t.fs * 60.0 / t.rpm / RUMBLE_LOOP, out=v)
        fraction(v, u)  # where in the loop, 0..1
        u *= RUMBLE_LOOP
        np.floor(u, out=v)
        i[:] = v
        i &= RUMBLE_LOOP - 1  # a hair behind turn 0, x - floor(x) rounds to 1.0: the loop's end is its start
        u -= v  # fraction between frames i and i + 1
        np.take(self.rumble, i, out=out)
        i += 1
        i &= RUMBLE_LOOP - 1
        np.take(self.rumble, i, out=self._b[:n])
        self._b[:n] -= out
        self._b[:n] *= u
        out += self._b[:n]


class Hum:
    """The amplifier's mains hum: hum_hz and its second harmonic (the rectifier), RMS hum_db."""

    def __init__(self, transport: Transport, settings: SurfaceSettings):
        self.t = transport
        n = len(transport.speed)
        self.index = 0  # frames rendered: the hum's clock
        self._steps = np.arange(n, dtype=np.float64)
        self._u = np.zeros(n)
        self._v = np.zeros(n)
        self._a = np.zeros(n, dtype=np.float32)
        self._b = np.zeros(n, dtype=np.float32)
        self.configure(settings)

    def configure(self, s: SurfaceSettings) -> None:
        self.s = s

    def process(self, block: np.ndarray) -> np.ndarray:
        n, s = len(block), self.s
        start, self.index = self.index, self.index + n
        if s.hum_db <= -119:
            return block
        u, a, b = self._u[:n], self._a[:n], self._b[:n]
        np.add(self._steps[:n], start, out=u)
        u *= s.hum_hz / self.t.fs
        fraction(u, self._v[:n])  # cycles, wrapped: exact after months
        np.multiply(self._v[:n], 2 * math.pi, out=a, casting="same_kind")
        np.sin(a, out=b)
        a *= 2.0
        np.sin(a, out=a)
        a *= 0.5
        b += a
        b *= db(s.hum_db) / math.sqrt(0.5 * (1 + 0.25))  # RMS of the pair at hum_db
        block += b
        return block


def _rumble_loop(rng: np.random.Generator, fs: int) -> np.ndarray:
    """Motor and bearing noise, 8 to 60 Hz, unit RMS, seamless like the hiss loop."""
    shape = BiquadCascade([highpass(8.0, fs, 0.6), lowpass(60.0, fs, 0.6), lowpass(60.0, fs, 0.6)])
    white = rng.random(RUMBLE_LOOP, dtype=np.float32) - 0.5
    shape.process(white)
    loop = shape.process(white).astype(np.float32)
    return loop / np.float32(np.sqrt(np.mean(loop.astype(np.float64) ** 2)))
