"""Decode a disc's audio file to mono at the engine's rate (the engine calls it off the audio thread)."""
from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np
import soundfile

from ..core.files import open_regular
from .readhead import Track

BLOCK = 1 << 18  # frames read at a time: a stereo file never sits in memory whole
LOUDEST = 16.0  # 24 dB over full scale: no float recording goes there; a damaged one does
RATES = (8000, 192000)  # sample rates a recording could mean; a header saying 1 Hz is damage, not audio


def decode(path: Path, rate: int, track_id: str = "") -> Track:
    """Whole file -> mono float32 at `rate` (polyphase resampling, band-limited), read in blocks
    straight into the mono result, so memory stays near the size of the result."""
    with open_regular(path) as fh, soundfile.SoundFile(fh) as f:
        file_rate = f.samplerate
        check_rate(file_rate)
        mono = np.zeros(f.frames, dtype=np.float32)
        at = 0
        for block in f.blocks(blocksize=BLOCK, dtype="float32", always_2d=True):
            n = min(len(block), len(mono) - at)
            np.mean(block[:n], axis=1, out=mono[at:at + n])
            at += n
        mono = mono[:at]
    check_numbers(mono)
    if file_rate != rate:
        from scipy.signal import resample_poly  # here: scipy.signal costs a second to import, and
        # `check`, the config and the kiosk's own process read disc folders without resampling

        g = gcd(int(rate), int(file_rate))
        mono = resample_poly(mono, rate // g, file_rate // g)
    return Track.from_samples(track_id or Path(path).stem, np.asarray(mono, dtype=np.float32))


def check_rate(rate: float) -> None:
    """ValueError for a sample rate no recording has (a damaged or hostile header): 1 Hz made a
    1.7 KB file a 28-minute disc, and its resampling took 837 MB."""
    if not RATES[0] <= rate <= RATES[1]:
        raise ValueError(f"sample rate {rate:g} Hz: not one a recording has ({RATES[0] // 1000} to "
                         f"{RATES[1] // 1000} kHz); a damaged file?")


def check_numbers(samples: np.ndarray) -> None:
    """ValueError if any sample is NaN, infinite or absurdly loud (a damaged float file): one
    such sample would poison the chain's filters and silence the disc."""
    bad = int(np.count_nonzero(~(np.abs(samples) <= LOUDEST)))  # NaN compares false: counted too
    if bad:
        which = "1 sample is" if bad == 1 else f"{bad} samples are"
        raise ValueError(f"{which} NaN, infinite or more than 24 dB over full scale: a damaged float file")
