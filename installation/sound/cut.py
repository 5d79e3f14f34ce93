"""Cut once, play many: what the lathe put into the groove and what the film holds, rendered
once per disc (off the audio thread) into a buffer the read head plays.

In the groove: the cutter's sound (cutter.py), the film's hiss, and its defects at fixed
places, crackle (dust and pits, a Poisson process along the groove) and scratches (each at
one angle of the disc, so it crosses every turn of the groove at the same spot). Because
they are in the groove, everything the platter does at playback (slower, faster, held,
backwards, wow) happens to them too, and a passage played twice crackles the same way twice.
The live-cutting lathe will cut through this same function, so a disc cut in the gallery
plays back as it was cut.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .cutter import Cutter
from .filters import BiquadCascade, bandpass, highpass, lowpass
from .readhead import PAD, Track
from .settings import DspConfig, SurfaceSettings

HISS_LOOP = 1 << 20  # frames: 21.8 s at 48 kHz, seamless
CLICK_FRAMES = 1024  # a click's ring, long enough to die away


def db(value: float) -> float:
    return 10 ** (value / 20) if value > -119 else 0.0


def cut(source: Track, dsp: DspConfig, sample_rate: int) -> Track:
    """The groove of `source` as cut with `dsp`; the source itself when the emulation is off."""
    if not dsp.enabled:
        return source
    padded = source.padded.copy()
    groove = padded[PAD:-PAD]
    Cutter(sample_rate, dsp.cutter).process(groove)
    add_film(groove, dsp.surface, sample_rate, dsp.motion.rpm)
    return Track(source.id, padded)


def add_film(groove: np.ndarray, s: SurfaceSettings, fs: int, rpm: float) -> None:
    """Hiss, crackle and scratches, added in place; the same seed gives the same film."""
    n = len(groove)
    level = db(s.hiss_db)
    if level:
        loop = hiss_loop(s.seed, fs) * np.float32(level)
        for at in range(0, n, HISS_LOOP):
            m = min(HISS_LOOP, n - at)
            groove[at:at + m] += loop[:m]
    crackle_rng, scratch_rng = (np.random.default_rng(q) for q in np.random.SeedSequence(s.seed).spawn(2))
    count = crackle_rng.poisson(s.crackle_per_second * n / fs) if s.crackle_per_second else 0
    where = [np.sort(crackle_rng.integers(0, n, count))]
    size = 2.0 * crackle_rng.random(count) - 1.0
    sizes = [np.sign(size) * np.abs(size) ** 3 * db(s.crackle_db)]  # skewed toward small
    turn = fs * 60.0 / rpm  # groove frames in one turn of the disc
    for angle, gain in zip(scratch_rng.uniform(0, 1, s.scratches), scratch_rng.uniform(0.5, 1.0, s.scratches)):
        at = ((np.arange(math.ceil(n / turn) + 1) + angle) * turn).astype(np.int64)
        where.append(at[at < n])
        sizes.append(np.full(len(where[-1]), db(s.scratch_db) * gain))
    shape = click_shape(fs)
    for at, amp in zip(np.concatenate(where), np.concatenate(sizes)):
        end = min(n, at + CLICK_FRAMES)
        groove[at:end] += np.float32(amp) * shape[: end - at]


@lru_cache(maxsize=4)
def hiss_loop(seed: int, fs: int) -> np.ndarray:
    """Film hiss, 400 Hz to 9 kHz, unit RMS, seamless: filtered twice round so its end runs
    into its start with the filter already settled."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])
    shape = BiquadCascade([highpass(400.0, fs, 0.6), lowpass(9000.0, fs, 0.6)])
    white = rng.random(HISS_LOOP, dtype=np.float32) - 0.5
    shape.process(white)
    loop = shape.process(white).astype(np.float32)
    loop /= np.sqrt(np.mean(loop.astype(np.float64) ** 2))
    loop.flags.writeable = False
    return loop


@lru_cache(maxsize=4)
def click_shape(fs: int) -> np.ndarray:
    """One click: an impulse through a 2.5 kHz resonance, peak 1."""
    impulse = np.zeros(CLICK_FRAMES)
    impulse[0] = 1.0
    ring = BiquadCascade([bandpass(2500.0, fs, 0.8)]).process(impulse)
    shape = (ring / np.abs(ring).max()).astype(np.float32)
    shape.flags.writeable = False
    return shape
