"""Cutter protection: what keeps the cutting head's coils alive, as every real cutting
system has. Loud treble costs the head most (the drive current for a given groove velocity
rises with frequency), so the band above `hf_limit_hz` (a Linkwitz-Riley split, whose two
halves add back to the same magnitude at every frequency) is held under its own ceiling;
then a true-peak limiter keeps the whole signal under `limit_dbfs`. Below both, only the
split's phase turn and the limiter's 1 ms delay touch the signal. A stage like every other:
`process(block)`."""
from __future__ import annotations

import numpy as np

from ..sound.filters import BiquadCascade, highpass, lowpass
from ..sound.output import Limiter
from .settings import CutterAudioConfig

HF_RELEASE_SECONDS = 0.08
INPUT_CEILING = 4.0  # no interface delivers more; garbage beyond it (a driver's bad block) is clipped


class CutterProtection:
    def __init__(self, cfg: CutterAudioConfig, max_frames: int = 8192):
        sr = cfg.sample_rate
        self.hf_ceiling = 10 ** (cfg.hf_limit_dbfs / 20)
        fc = cfg.hf_limit_hz
        self._low = BiquadCascade([lowpass(fc, sr), lowpass(fc, sr)])  # LR4: two Butterworths each
        self._high = BiquadCascade([highpass(fc, sr), highpass(fc, sr)])
        self.hf_gain = 1.0
        self._release = 1.0 - np.exp(-1.0 / (HF_RELEASE_SECONDS * sr))  # per frame, applied per block
        self._limiter = Limiter(10 ** (cfg.limit_dbfs / 20), max_frames, sr)
        self._steps = np.arange(1, max_frames + 1, dtype=np.float32)

    def process(self, block: np.ndarray) -> np.ndarray:
        n = len(block)
        # a NaN from a broken driver would poison the filters' state and feed the head NaN for good
        np.nan_to_num(block, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        np.clip(block, -INPUT_CEILING, INPUT_CEILING, out=block)
        treble = self._high.process(block)
        block[:] = self._low.process(block)
        peak = float(np.abs(treble).max(initial=0.0))
        want = min(1.0, self.hf_ceiling / peak) if peak > 0 else 1.0
        old = self.hf_gain
        new = want if want < old else old + (1.0 - old) * min(1.0, self._release * n)
        if old < 1.0 or new < 1.0:
            treble *= old + (new - old) * self._steps[:n] / n  # no step in the gain: no click
        block += treble
        self.hf_gain = new
        return self._limiter.process(block)
