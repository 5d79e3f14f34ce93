"""Groove loss: the stylus tip cannot follow wavelengths shorter than itself.

The groove passes under the stylus at `2π r rpm / 60 x |speed|` (about 0.94 m/s at the rim
of a 24 cm disc at 78 rpm, 0.37 m/s at 45 mm). The wavelengths cut into the groove are
fixed, so the high-frequency cutoff falls in proportion to that velocity: toward the
centre, and when the platter slows. The tracing (pinch) distortion, a second harmonic
`x + k x²`, grows as the groove's curvature does, (r_inner / r)^2 times `tracing`, the
value at the inner radius, capped at 0.5 so the curve never folds over. Both are updated on
a fixed grid of CONTROL frames, so the output does not depend on the callback's block size.
"""
from __future__ import annotations

import numpy as np

from .filters import BiquadCascade, highpass, lowpass
from .settings import GrooveSettings
from .transport import Transport

CONTROL = 256  # frames: the grid on which the cutoff and the tracing may move (5.3 ms at 48 kHz)
MAX_TRACING = 0.5  # x + k x² is monotonic over -1..1 up to here
RETUNE = 0.0025  # move the cutoff once it has drifted this far (0.25 %): a ramp moves in small steps,
RETRACE = 0.01  # and steady play (the spiral alone drifts ~0.0003 % a step) keeps one filter call a block


class GrooveLoss:
    def __init__(self, transport: Transport, settings: GrooveSettings):
        self.t = transport
        self.index = 0  # absolute frame count
        self.k = 0.0  # tracing coefficient for the current control period
        self._k = np.zeros(len(transport.radius), dtype=np.float32)
        self.configure(settings)
        self.cutoff = self.cutoff_at(self.outer)
        # the lowpass moves with the radius and the platter speed (smoothly: direct form I); the
        # subsonic highpass stays apart, since a restart would ring its poles near DC
        self.filter = BiquadCascade([lowpass(self.cutoff, transport.fs)], smooth=True)
        self.subsonic = BiquadCascade([highpass(12.0, transport.fs)])

    def configure(self, settings: GrooveSettings) -> None:
        self.s = settings
        spiral = settings.geometry()
        self.outer, self.inner = spiral.start_mm, spiral.end_mm

    def cutoff_at(self, radius_mm: float, speed: float = 1.0) -> float:
        return max(20.0, self.s.hf_cutoff_hz * radius_mm / self.outer * speed)

    def process(self, block: np.ndarray) -> np.ndarray:
        t, n = self.t, len(block)
        start = 0
        for g in range((-self.index) % CONTROL, n, CONTROL):  # the grid points in this block
            radius = float(t.radius[g])
            cutoff = self.cutoff_at(radius, float(t.abs_speed[g]))
            k = min(MAX_TRACING, self.s.tracing * (self.inner / radius) ** 2)
            retune = abs(cutoff - self.cutoff) > RETUNE * self.cutoff
            if retune or abs(k - self.k) > RETRACE * max(self.k, 1e-6):
                self._run(block[start:g])
                start = g
                self.k = k
                if retune:
                    self.cutoff = cutoff
                    self.filter.set_section(0, lowpass(cutoff, t.fs))
        self._run(block[start:])
        self.index += n
        return block

    def _run(self, part: np.ndarray) -> None:
        if not len(part):
            return
        if self.k:  # tracing: x + k x²
            sq = self._k[: len(part)]
            np.multiply(part, part, out=sq)
            sq *= self.k
            part += sq
        self.filter.process(part, out=part)
        self.subsonic.process(part, out=part)
