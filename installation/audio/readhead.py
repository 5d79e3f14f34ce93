"""The stylus in the groove: a variable-rate, band-limited read head over the disc's audio.

Each output frame reads the source at a fractional position that advances by
`speed * ratio` (platter speed times wow), through an 8-tap windowed-sinc kernel taken
from a polyphase table. Kernels get narrower in band when the platter runs fast, so
speeding up does not alias. Output scales with |speed| as a velocity pickup does: a held
disc is silent, a scratch is as loud as the music. Adjacent grooves print through faintly,
one revolution ahead and behind.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .settings import ReadHeadSettings
from .transport import Transport

TAPS = 8
PHASES = 512
CUTOFFS = (1.0, 0.7, 0.5, 0.35)  # kernel band as a fraction of Nyquist, by |increment|
PAD = 64  # zeros around every track, so reads past either end cost no bounds checks


@dataclass(frozen=True)
class Track:
    """Decoded mono audio at the engine's rate, stored with zero padding on both sides."""

    id: str
    padded: np.ndarray  # float32, PAD zeros + samples + PAD zeros
    windows: np.ndarray  # a view: row i is padded[i:i + TAPS], the frames under one kernel

    @classmethod
    def from_samples(cls, track_id: str, samples: np.ndarray) -> "Track":
        padded = np.zeros(len(samples) + 2 * PAD, dtype=np.float32)
        padded[PAD:-PAD] = samples
        return cls(track_id, padded, np.lib.stride_tricks.sliding_window_view(padded, TAPS))

    @property
    def samples(self) -> np.ndarray:
        return self.padded[PAD:-PAD]

    def __len__(self) -> int:
        return len(self.padded) - 2 * PAD


def _kernel_table() -> np.ndarray:
    """(len(CUTOFFS) * PHASES, TAPS): Kaiser-windowed sinc, rows sum to 1."""
    frac = np.arange(PHASES) / PHASES
    taps = np.arange(TAPS) - (TAPS // 2 - 1)  # -3..4: reads floor(pos)-3 .. floor(pos)+4
    x = taps[None, :] - frac[:, None]
    window = np.kaiser(2 * 4096 + 1, 6.0)
    w = np.interp(x, np.linspace(-TAPS / 2, TAPS / 2, len(window)), window)
    rows = []
    for c in CUTOFFS:
        k = c * np.sinc(c * x) * w
        rows.append(k / k.sum(axis=1, keepdims=True))
    return np.concatenate(rows).astype(np.float32)


TABLE = _kernel_table()


class ReadHead:
    def __init__(self, transport: Transport, settings: ReadHeadSettings, max_frames: int):
        self.t = transport
        self.track: Track | None = None
        self.pos = 0.0  # source frame under the stylus
        self.ended = False
        n = max_frames
        self._inc = np.zeros(n)
        self._pos = np.zeros(n)
        self._base = np.zeros(n, dtype=np.int64)
        self._frac = np.zeros(n)
        self._row = np.zeros(n, dtype=np.int64)
        self._w = np.zeros((n, TAPS), dtype=np.float32)
        self._echo = np.zeros(n, dtype=np.float32)
        self._pairs = None  # ((track buffer, turn), strided view of frame pairs a turn apart)
        self._bounds = np.array([1.0 / c for c in CUTOFFS[1:]])
        self.configure(settings)

    def configure(self, settings: ReadHeadSettings) -> None:
        self.echo_gain = 10 ** (settings.echo_db / 20) if settings.echo_db > -119 else 0.0

    def load(self, track: Track | None, position: float = 0.0) -> None:
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
        if self.track is None:
            block.fill(0.0)
            return block
        self._read(pos, np.abs(inc, out=self._frac[:n]), block)
        if self.echo_gain:
            self._add_echo(block)
        block *= t.abs_speed[:n]
        if self.pos >= len(self.track):
            self.ended = True  # the engine reports it once and unloads the track
        return block

    def _read(self, pos: np.ndarray, abs_inc: np.ndarray, out: np.ndarray) -> None:
        n = len(pos)
        data = self.track.padded
        limit = len(data) - TAPS
        base, frac, row = self._base[:n], self._frac[:n], self._row[:n]
        if abs_inc.max() < self._bounds[0]:
            row.fill(0)
        else:  # fast platter: narrower kernels, so nothing aliases
            row[:] = np.searchsorted(self._bounds, abs_inc) * PHASES
        np.floor(pos, out=frac)
        base[:] = frac
        np.subtract(pos, frac, out=frac)  # fractional part
        frac *= PHASES
        row += frac.astype(np.int64)
        base += PAD - (TAPS // 2 - 1)  # the first of the frames under the kernel
        np.clip(base, 0, limit, out=base)
        frames = self.track.windows[base]  # (n, TAPS): one gather of rows, ~40 % cheaper than by index
        np.take(TABLE, row, axis=0, out=self._w[:n])
        np.einsum("ij,ij->i", self._w[:n], frames, out=out)

    def _add_echo(self, block: np.ndarray) -> None:
        """The grooves a turn inside and outside, 40 dB down: the frame at floor(pos) is close
        enough, and both come in one gather of (frame - turn, frame + turn) pairs from a view."""
        n = len(block)
        echo = self._echo[:n]
        turn = int(round(self.t.fs * 60.0 / self.t.rpm))
        padded = self.track.padded
        first = self._base[:n]  # _read left the first kernel frame of each output frame here
        centre = TAPS // 2 - 1  # the kernel's frame at floor(pos)
        if int(first.min()) + centre - turn < 0 or int(first.max()) + centre + turn >= len(padded):
            # the first and last turn of a side: one read at a time, the zero padding beyond
            for offset in (turn, -turn):
                at = np.clip(first + (centre + offset), 0, len(padded) - 1)
                np.take(padded, at, out=echo)
                echo *= self.echo_gain
                block += echo
            return
        if self._pairs is None or self._pairs[0] != (id(padded), turn):
            view = np.lib.stride_tricks.as_strided(padded, shape=(len(padded) - 2 * turn, 2),
                                                   strides=(padded.strides[0], padded.strides[0] * 2 * turn))
            self._pairs = ((id(padded), turn), view)
        pairs = self._pairs[1][first + (centre - turn)]
        np.add(pairs[:, 0], pairs[:, 1], out=echo)
        echo *= self.echo_gain
        block += echo
