"""The film under the stylus: hiss, crackle, scratches that click once per revolution,
and rumble. All of it comes from the groove moving, so it scales with |platter speed|:
a held disc is silent. Random streams are seeded, so a render is repeatable."""
from __future__ import annotations

import math

import numpy as np

from .filters import SosFilter, bandpass, highpass, lowpass
from .settings import SurfaceSettings
from .transport import Transport


def db(value: float) -> float:
    return 10 ** (value / 20) if value > -119 else 0.0


class Surface:
    def __init__(self, transport: Transport, settings: SurfaceSettings):
        self.t = transport
        n = len(transport.speed)
        self._noise = np.zeros(n, dtype=np.float32)
        self._u = np.zeros(n)
        self._clicks = np.zeros(n, dtype=np.float32)
        self._frac = np.zeros(n)
        fs = transport.fs
        self.hiss_shape = SosFilter([highpass(400.0, fs, 0.6), lowpass(9000.0, fs, 0.6)])
        self.rumble_shape = SosFilter([lowpass(30.0, fs), lowpass(30.0, fs)])
        self.click_shape = SosFilter([bandpass(2500.0, fs, 0.8)])
        self.hiss_norm = 1.0 / self.hiss_shape.noise_gain()
        self.rumble_norm = 1.0 / self.rumble_shape.noise_gain()
        self.click_norm = 1.0 / float(np.abs(_impulse_response(self.click_shape)).max())
        self.configure(settings)

    def configure(self, s: SurfaceSettings) -> None:
        previous, self.s = getattr(self, "s", None), s
        if previous is not None and (previous.seed, previous.scratches) == (s.seed, s.scratches):
            self.scratch_levels *= db(s.scratch_db) / max(db(previous.scratch_db), 1e-12)
            return  # a level change: the random streams run on
        # one stream per use: a block split differently must draw the very same numbers
        seqs = np.random.SeedSequence(s.seed).spawn(5)
        self.hiss_rng, self.rumble_rng, self.when_rng, self.size_rng = (np.random.default_rng(q) for q in seqs[:4])
        rng = np.random.default_rng(seqs[4])
        self.scratch_angles = rng.uniform(0, 1, s.scratches)
        self.scratch_levels = db(s.scratch_db) * rng.uniform(0.5, 1.0, s.scratches) * self.click_norm
        self.last_turns = None

    def process(self, block: np.ndarray) -> np.ndarray:
        t, n, s = self.t, len(block), self.s
        noise, clicks, u = self._noise[:n], self._clicks[:n], self._u[:n]
        speed = t.abs_speed[:n]
        # hiss: shaped white noise at hiss_db RMS
        self.hiss_rng.standard_normal(out=noise, dtype=np.float32)
        self.hiss_shape.process(noise, out=noise)
        noise *= db(s.hiss_db) * self.hiss_norm
        # rumble
        self.rumble_rng.standard_normal(out=clicks, dtype=np.float32)
        self.rumble_shape.process(clicks, out=clicks)
        clicks *= db(s.rumble_db) * self.rumble_norm
        noise += clicks
        # crackle: a Poisson process in groove time, sizes skewed toward small
        self.when_rng.random(out=u)
        chance = s.crackle_per_second / t.fs
        np.less(u, chance * speed, out=u)
        self.size_rng.random(out=self._frac[:n])
        clicks[:] = u
        amp = self._frac[:n]
        amp -= 0.5
        clicks *= np.sign(amp) * (2 * np.abs(amp)) ** 3
        clicks *= db(s.crackle_db) * self.click_norm
        self._scratches(clicks)
        noise += self.click_shape.process(clicks)
        noise *= speed
        block += noise
        return block

    def _scratches(self, clicks: np.ndarray) -> None:
        """An impulse each time a scratch's angle passes under the stylus, either direction."""
        if not len(self.scratch_angles):
            return
        turns = self.t.turns[: len(clicks)]
        prev = turns[0] if self.last_turns is None else self.last_turns
        self.last_turns = float(turns[-1])
        for angle, level in zip(self.scratch_angles, self.scratch_levels):
            lap = np.floor(turns - angle)
            before = math.floor(prev - angle)
            crossed = np.flatnonzero(np.diff(lap, prepend=before))
            clicks[crossed] += level


def _impulse_response(f: SosFilter, n: int = 2048) -> np.ndarray:
    from scipy.signal import sosfilt

    x = np.zeros(n)
    x[0] = 1
    return sosfilt(f.sos, x)
