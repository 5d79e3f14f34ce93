"""The film under the stylus: hiss, crackle, scratches that click once per revolution,
and rumble. All of it comes from the groove moving, so it scales with |platter speed|:
a held disc is silent. Random streams are seeded, so a render is repeatable.

Hiss is a 22-second loop of band-passed noise made once (when the seed is set, never in the
callback) and read on by frame count: a twentieth of the cost of making it block by block,
and no ear hears a loop that long in film noise. Rumble is the motor and the bearing, tied
to the platter: its 24th and 48th harmonics (31 and 62 Hz at 78 rpm) with seeded phases."""
from __future__ import annotations

import math

import numpy as np

from .filters import BiquadCascade, bandpass, highpass, lowpass
from .settings import SurfaceSettings
from .transport import Transport, fraction


HISS_LOOP = 1 << 20  # frames: 21.8 s at 48 kHz


def db(value: float) -> float:
    return 10 ** (value / 20) if value > -119 else 0.0


class Surface:
    def __init__(self, transport: Transport, settings: SurfaceSettings):
        self.t = transport
        n = len(transport.speed)
        self._noise = np.zeros(n, dtype=np.float32)
        self.index = 0  # frames rendered: where the hiss loop is read
        self._u = np.zeros(n)
        self._clicks = np.zeros(n, dtype=np.float32)
        self._phase = np.zeros(n, dtype=np.float32)
        self._chance = np.zeros(n, dtype=np.float32)
        fs = transport.fs
        self.click_shape = BiquadCascade([bandpass(2500.0, fs, 0.8)])
        impulse = np.zeros(2048)
        impulse[0] = 1.0
        self.click_norm = 1.0 / float(np.abs(BiquadCascade(self.click_shape.sos).process(impulse)).max())
        self.configure(settings)

    def configure(self, s: SurfaceSettings) -> None:
        previous, self.s = getattr(self, "s", None), s
        if previous is not None and (previous.seed, previous.scratches) == (s.seed, s.scratches):
            self.scratch_levels *= db(s.scratch_db) / max(db(previous.scratch_db), 1e-12)
            return  # a level change: the random streams run on
        # one stream per use: a block split differently must draw the very same numbers
        seqs = np.random.SeedSequence(s.seed).spawn(4)
        hiss_rng, self.when_rng, self.size_rng = (np.random.default_rng(q) for q in seqs[:3])
        if previous is None or previous.seed != s.seed:
            self.hiss = _hiss_loop(hiss_rng, self.t.fs)
        rng = np.random.default_rng(seqs[3])
        self.rumble_phase = rng.uniform(0, 2 * math.pi, 2)
        self.scratch_angles = rng.uniform(0, 1, s.scratches)
        self.scratch_levels = db(s.scratch_db) * rng.uniform(0.5, 1.0, s.scratches) * self.click_norm
        self.last_turns = None

    def process(self, block: np.ndarray) -> np.ndarray:
        t, n, s = self.t, len(block), self.s
        noise, clicks, u = self._noise[:n], self._clicks[:n], self._u[:n]
        speed = t.abs_speed[:n]
        # hiss: the loop at hiss_db RMS
        at = self.index % HISS_LOOP
        first = min(n, HISS_LOOP - at)
        noise[:first] = self.hiss[at:at + first]
        noise[first:] = self.hiss[: n - first]
        self.index += n
        noise *= db(s.hiss_db)
        # rumble: two motor harmonics, RMS at rumble_db
        if s.rumble_db > -119:
            phase = self._phase[:n]
            fraction(t.turns[:n], u)
            for harmonic, offset, share in ((24, self.rumble_phase[0], 0.8), (48, self.rumble_phase[1], 0.6)):
                np.multiply(u, 2 * math.pi * harmonic, out=phase, casting="same_kind")
                phase += offset
                np.sin(phase, out=phase)
                phase *= share * db(s.rumble_db)
                noise += phase
        # crackle: a Poisson process in groove time, sizes skewed toward small
        clicks.fill(0.0)
        if s.crackle_per_second:
            self.when_rng.random(out=u)
            chance = self._chance[:n]
            np.multiply(speed, s.crackle_per_second / t.fs, out=chance)  # P(click) per frame
            at = np.flatnonzero(u < chance)
            if len(at):  # sizes drawn per click, in order: the same whatever the block split
                size = 2.0 * self.size_rng.random(len(at)) - 1.0
                clicks[at] = np.sign(size) * np.abs(size) ** 3 * (db(s.crackle_db) * self.click_norm)
        self._scratches(clicks)
        if clicks.any() or np.abs(self.click_shape.zi).max() > 1e-12:
            noise += self.click_shape.process(clicks)
        else:  # no click now and the last one has rung out: the filter would add zeros
            self.click_shape.zi[:] = 0.0
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
        lo, hi = min(prev, float(turns[0])), max(float(turns.max()), prev)
        forward = prev <= turns[0] and bool(np.all(self.t.speed[: len(clicks)] >= 0))
        for angle, level in zip(self.scratch_angles, self.scratch_levels):
            if math.floor(hi - angle) == math.floor(lo - angle):
                continue  # not passed in this block: the common case, decided without a pass
            if forward:  # crossings of k + angle, found by bisection in the rising angle
                marks = np.arange(math.floor(prev - angle) + 1, math.floor(float(turns[-1]) - angle) + 1) + angle
                clicks[np.searchsorted(turns, marks)] += level
            else:
                lap = np.floor(turns - angle)
                clicks[np.flatnonzero(np.diff(lap, prepend=math.floor(prev - angle)))] += level


def _hiss_loop(rng: np.random.Generator, fs: int) -> np.ndarray:
    """Film hiss, 400 Hz to 9 kHz, unit RMS, seamless: filtered twice round so its end runs
    into its start with the filter already settled."""
    shape = BiquadCascade([highpass(400.0, fs, 0.6), lowpass(9000.0, fs, 0.6)])
    white = rng.random(HISS_LOOP, dtype=np.float32) - 0.5
    shape.process(white)
    loop = shape.process(white).astype(np.float32)
    return loop / np.sqrt(np.mean(loop.astype(np.float64) ** 2))
