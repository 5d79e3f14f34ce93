"""Decode a disc's audio file to mono at the engine's rate (the engine calls it off the audio thread)."""
from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

from .readhead import Track


def decode(path: Path, rate: int, track_id: str = "") -> Track:
    """Whole file -> mono float32 at `rate` (polyphase resampling, band-limited)."""
    data, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if file_rate != rate:
        g = gcd(int(rate), int(file_rate))
        mono = resample_poly(mono, rate // g, file_rate // g)
    return Track.from_samples(track_id or Path(path).stem, np.asarray(mono, dtype=np.float32))
