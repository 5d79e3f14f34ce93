"""The cutter: what the home-made lathe's cutting head put into the groove. A narrow band, a
resonant head, soft overload, and a squeezed dynamic range (the cutter could not swing wide,
the operator rode the level)."""
from __future__ import annotations

import numpy as np

from .filters import BiquadCascade, highpass, lowpass, one_pole_lowpass, peak
from .settings import CutterSettings
from .transport import Transport


class Cutter:
    def __init__(self, transport: Transport, settings: CutterSettings):
        self.t = transport
        n = len(transport.speed)
        self._env = np.zeros(n, dtype=np.float32)
        self.band = BiquadCascade([[1, 0, 0, 1, 0, 0]] * 3)
        self.follower = BiquadCascade([[1, 0, 0, 1, 0, 0]])
        self.configure(settings)

    def configure(self, s: CutterSettings) -> None:
        fs = self.t.fs
        self.s = s
        self.band.set([highpass(s.highpass_hz, fs), lowpass(s.lowpass_hz, fs), peak(s.resonance_hz, fs,
                                                                                 s.resonance_db, s.resonance_q)])
        self.follower.set([one_pole_lowpass(1000.0 / (2 * np.pi * s.envelope_ms), fs)])
        self.drive = 10 ** (s.drive_db / 20)
        self.threshold_sq = 10 ** (s.threshold_db / 10)
        self.exponent = (1.0 / s.ratio - 1.0) / 2.0  # gain = (env / thr) ** exponent, env in power

    def process(self, block: np.ndarray) -> np.ndarray:
        n = len(block)
        self.band.process(block, out=block)
        if self.s.ratio > 1.0:
            env = self._env[:n]
            np.square(block, out=env)
            self.follower.process(env, out=env)
            env *= 1.0 / self.threshold_sq
            np.maximum(env, 1.0, out=env)
            np.power(env, np.float32(self.exponent), out=env)
            block *= env
        block *= self.drive  # soft overload: tanh(drive x) / drive is x for quiet signals
        np.tanh(block, out=block)
        block *= 1.0 / self.drive
        return block
