"""The stylus in the groove: a variable-rate, band-limited read head over the disc's groove.

Each output frame reads the groove at a fractional position that advances by
`speed * ratio` (platter speed times wow), through a windowed-sinc kernel taken from a
polyphase table. At normal speed (up to 1.1x) the kernel has 8 taps and the full band. A
faster platter reads the groove faster, which would fold everything above 1/speed of the
band back down as aliases: it gets a longer kernel whose stopband starts at 1/speed, so
images stay 60 dB down (Kaiser beta 6). The kernel is chosen per 64-frame stretch of the
absolute frame grid, so the block size never changes the sound.

Output scales with |speed| as a velocity pickup does: a held disc is silent, a scratch is
as loud as the music. Adjacent grooves print through faintly, one revolution ahead and behind.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .settings import ReadHeadSettings
from .transport import Transport

PHASES = 512
GRID = 64  # frames: the kernel is chosen per stretch of this absolute grid
PAD = 128  # zeros around every groove, so reads past either end cost no bounds checks
BETA = 6.0  # Kaiser window: about 63 dB of stopband


@dataclass(frozen=True)
class Family:
    max_speed: float  # |frames read per frame| up to which it serves
    taps: int
    cutoff: float  # -6 dB point as a fraction of the groove's Nyquist


def _families() -> List[Family]:
    """Normal speed: 8 taps, full band. Faster: stopband from 1/S, passband to 0.5/S, and
    the taps that transition needs (Kaiser: N - 1 = 7.24 / width for 60 dB)."""
    out = [Family(1.1, 8, 1.0)]
    for s in (1.5, 2.0, 3.0, 4.0, 6.0, 8.0):
        taps = int(np.ceil(14.5 * s + 1))
        out.append(Family(s, taps + taps % 2, 0.75 / s))
    return out


FAMILIES = _families()
TAPS = FAMILIES[0].taps


def _kernel_table(fam: Family) -> np.ndarray:
    """(PHASES, taps): Kaiser-windowed sinc for each fractional position, rows sum to 1."""
    frac = np.arange(PHASES) / PHASES
    taps = np.arange(fam.taps) - (fam.taps // 2 - 1)  # reads floor(pos)-(N/2-1) .. floor(pos)+N/2
    x = taps[None, :] - frac[:, None]
    window = np.kaiser(2 * 4096 + 1, BETA)
    w = np.interp(x, np.linspace(-fam.taps / 2, fam.taps / 2, len(window)), window)
    k = fam.cutoff * np.sinc(fam.cutoff * x) * w
    return (k / k.sum(axis=1, keepdims=True)).astype(np.float32)


TABLES = [_kernel_table(f) for f in FAMILIES]
_BOUNDS = np.array([f.max_speed for f in FAMILIES[:-1]])


@dataclass(frozen=True)
class Track:
    """Mono audio at the engine's rate (a decoded file, or the groove cut from it), stored
    with zero padding on both sides."""

    id: str
    padded: np.ndarray  # float32, PAD zeros + samples + PAD zeros
    _views: Dict[int, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_samples(cls, track_id: str, samples: np.ndarray) -> "Track":
        padded = np.zeros(len(samples) + 2 * PAD, dtype=np.float32)
        padded[PAD:-PAD] = samples
        return cls(track_id, padded)

    def windows(self, taps: int) -> np.ndarray:
        """A view: row i is padded[i:i + taps], the frames under one kernel."""
        view = self._views.get(taps)
        if view is None:
            view = self._views[taps] = np.lib.stride_tricks.sliding_window_view(self.padded, taps)
        return view

    @property
    def samples(self) -> np.ndarray:
        return self.padded[PAD:-PAD]

    @property
    def nbytes(self) -> int:
        return self.padded.nbytes

    def __len__(self) -> int:
        return len(self.padded) - 2 * PAD


class ReadHead:
    def __init__(self, transport: Transport, settings: ReadHeadSettings, max_frames: int):
        self.t = transport
        self.track: Optional[Track] = None
        self.pos = 0.0  # source frame under the stylus
        self.ended = False
        self.index = 0  # frames rendered: the absolute grid the kernel choice follows
        n = max_frames
        self._inc = np.zeros(n)
        self._pos = np.zeros(n)
        self._floor = np.zeros(n, dtype=np.int64)  # padded index of the frame at floor(pos)
        self._base = np.zeros(n, dtype=np.int64)
        self._frac = np.zeros(n)
        self._row = np.zeros(n, dtype=np.int64)
        self._w = np.zeros(n * TAPS, dtype=np.float32)  # kernels of one stretch; longer ones use fewer rows
        self._echo = np.zeros(n, dtype=np.float32)
        # ((track buffer, turn), strided view of frame pairs a turn apart)
        self._pairs: Optional[Tuple[Tuple[int, int], np.ndarray]] = None
        self.configure(settings)

    def configure(self, settings: ReadHeadSettings) -> None:
        self.echo_gain = 10 ** (settings.echo_db / 20) if settings.echo_db > -119 else 0.0

    def load(self, track: Optional[Track], position: float = 0.0) -> None:
        self.track, self.pos, self.ended = track, position, False

    def process(self, block: np.ndarray) -> np.ndarray:
        t, n = self.t, len(block)
        inc = self._inc[:n]
        np.multiply(t.speed[:n], t.ratio[:n], out=inc)
        pos = self._pos[:n]
        np.cumsum(inc, out=pos)
        pos -= inc
        pos += self.pos
        self.pos = float(pos[-1] + inc[-1])
        start, self.index = self.index, self.index + n
        if self.track is None:
            block.fill(0.0)
            return block
        self._read(pos, np.abs(inc, out=self._echo[:n]), block, start)
        if self.echo_gain:
            self._add_echo(block)
        block *= t.abs_speed[:n]
        if self.pos >= len(self.track):
            self.ended = True  # the engine reports it once and unloads the track
        return block

    @property
    def _on(self) -> Track:
        """The track under the stylus (process() reads only while there is one)."""
        assert self.track is not None
        return self.track

    def _read(self, pos: np.ndarray, abs_inc: np.ndarray, out: np.ndarray, start: int) -> None:
        n = len(pos)
        floor, frac = self._floor[:n], self._frac[:n]
        fast = float(abs_inc.max()) > FAMILIES[0].max_speed
        speeds = abs_inc  # in its own buffer: _frac is reused below
        np.floor(pos, out=frac)
        floor[:] = frac
        np.subtract(pos, frac, out=frac)  # fractional part
        frac *= PHASES
        floor += PAD
        np.clip(floor, 0, len(self._on.padded) - 1, out=floor)
        if not fast:
            self._apply(0, 0, n, out)
            return
        at = 0
        while at < n:  # one kernel per stretch of the absolute grid
            stop = min(n, at + GRID - (start + at) % GRID)
            family = int(np.searchsorted(_BOUNDS, float(speeds[at:stop].max())))
            self._apply(family, at, stop, out)
            at = stop

    def _apply(self, family: int, lo: int, hi: int, out: np.ndarray) -> None:
        """out[lo:hi] from the kernels of `family` at the positions prepared in _floor and _frac."""
        taps, m = FAMILIES[family].taps, hi - lo
        base, row = self._base[lo:hi], self._row[lo:hi]
        np.subtract(self._floor[lo:hi], taps // 2 - 1, out=base)
        track = self._on
        np.clip(base, 0, len(track.padded) - taps, out=base)
        row[:] = self._frac[lo:hi]
        frames = track.windows(taps)[base]  # (m, taps): one gather of rows
        w = self._w[: m * taps].reshape(m, taps)
        np.take(TABLES[family], row, axis=0, out=w)
        np.einsum("ij,ij->i", w, frames, out=out[lo:hi])

    def _add_echo(self, block: np.ndarray) -> None:
        """The grooves a turn inside and outside, 40 dB down: the frame at floor(pos) is close
        enough, and both come in one gather of (frame - turn, frame + turn) pairs from a view."""
        n = len(block)
        echo = self._echo[:n]
        turn = int(round(self.t.fs * 60.0 / self.t.rpm))
        padded = self._on.padded
        at_floor = self._floor[:n]  # _read left the padded index of floor(pos) here
        if int(at_floor.min()) - turn < 0 or int(at_floor.max()) + turn >= len(padded):
            # the first and last turn of a side: one read at a time, the zero padding beyond
            for offset in (turn, -turn):
                at = np.clip(at_floor + offset, 0, len(padded) - 1)
                np.take(padded, at, out=echo)
                echo *= self.echo_gain
                block += echo
            return
        if self._pairs is None or self._pairs[0] != (id(padded), turn):
            view = np.lib.stride_tricks.as_strided(padded, shape=(len(padded) - 2 * turn, 2),
                                                   strides=(padded.strides[0], padded.strides[0] * 2 * turn))
            self._pairs = ((id(padded), turn), view)
        pairs = self._pairs[1][at_floor - turn]
        np.add(pairs[:, 0], pairs[:, 1], out=echo)
        echo *= self.echo_gain
        block += echo
