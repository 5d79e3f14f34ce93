"""The cutter: what the home-made lathe's cutting head put into the groove.

A narrow band, a resonant head, a squeezed dynamic range (the operator rode the level, the
cutter could not swing wide), and overload as the head's two physical limits: its velocity
(a soft ceiling on the level, tanh) and its acceleration (a soft ceiling on how fast the
level may change, which dulls loud treble first). It runs once per disc, when the groove is
cut (sound/cut.py), not in the playback callback: what it did is then in the groove, and
the read head plays it back at whatever speed the platter turns.
"""
from __future__ import annotations

import math

import numpy as np

from .filters import BiquadCascade, highpass, lowpass, one_pole_lowpass, peak
from .settings import CutterSettings

CHUNK = 1 << 16  # frames per pass: temporaries stay small whatever the length of the side


class Cutter:
    def __init__(self, sample_rate: int, settings: CutterSettings):
        self.fs = sample_rate
        self.s = settings
        fs = sample_rate
        self.band = BiquadCascade([highpass(settings.highpass_hz, fs), lowpass(settings.lowpass_hz, fs),
                                   peak(settings.resonance_hz, fs, settings.resonance_db, settings.resonance_q)])
        self.follower = BiquadCascade([one_pole_lowpass(1000.0 / (2 * np.pi * settings.envelope_ms), fs)])
        self.dc = BiquadCascade([highpass(8.0, fs, 0.5)])  # what the slope limit leaves below the band
        self.drive = 10 ** (settings.drive_db / 20)
        self.threshold_sq = 10 ** (settings.threshold_db / 10)
        self.exponent = (1.0 / settings.ratio - 1.0) / 2.0  # gain = (env / thr) ** exponent, env in power
        # a full-scale sine at acceleration_hz changes by at most 2π f / fs per frame
        self.max_step = 2 * math.pi * settings.acceleration_hz / fs
        self.last_in = self.last_out = 0.0  # the frame before, as it came and as it was cut

    def process(self, x: np.ndarray) -> np.ndarray:
        """Cut `x` in place (any length, in chunks); state carries on across calls."""
        for at in range(0, len(x), CHUNK):
            self._chunk(x[at:at + CHUNK])
        return x

    def _chunk(self, x: np.ndarray) -> None:
        self.band.process(x, out=x)
        if self.s.ratio > 1.0:
            env = np.square(x)
            self.follower.process(env, out=env)
            env *= 1.0 / self.threshold_sq
            np.maximum(env, 1.0, out=env)
            np.power(env, np.float32(self.exponent), out=env)
            x *= env
        x *= self.drive  # velocity limit: tanh(drive x) / drive is x for quiet signals
        np.tanh(x, out=x)
        x *= 1.0 / self.drive
        # acceleration limit: each frame-to-frame step softly capped at max_step, summed up again
        # (vectorised, so the sum may wander below the band: the DC filter takes that out)
        steps = np.diff(x, prepend=np.float32(self.last_in))
        self.last_in = float(x[-1])
        steps *= 1.0 / self.max_step
        np.tanh(steps, out=steps)
        steps *= self.max_step
        np.cumsum(steps, out=x)
        x += self.last_out
        self.last_out = float(x[-1])
        self.dc.process(x, out=x)
