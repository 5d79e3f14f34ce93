"""One disc's geometry, shared by the sound (where the stylus is), the screen (the tonearm, a
needle dropped by a finger) and the lathe (where a cut begins and how far it may go).

A record's groove is a spiral: it begins `RIM_MM` inside the rim and moves one pitch inward
per revolution until the run-out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

MM_PER_INCH = 25.4
RIM_MM = 5.0  # the groove begins this far inside the disc's edge


@dataclass(frozen=True)
class DiscGeometry:
    diameter_cm: float = 24.0
    rpm: float = 78.0
    lines_per_inch: float = 96.0
    inner_radius_mm: float = 45.0  # the run-out: no groove inside this
    outer_radius_mm: Optional[float] = None  # None: RIM_MM inside the rim

    @classmethod
    def for_radius(cls, outer_radius_mm: float, **more) -> "DiscGeometry":
        """The disc a groove starting at `outer_radius_mm` is cut on (the lathe knows the radius)."""
        return cls(diameter_cm=round((outer_radius_mm + RIM_MM) / 5.0, 1), outer_radius_mm=outer_radius_mm, **more)

    @property
    def radius_mm(self) -> float:
        """The disc's own radius, rim included."""
        return self.diameter_cm * 5.0

    @property
    def start_mm(self) -> float:
        """Where the groove begins."""
        return self.outer_radius_mm if self.outer_radius_mm is not None else self.radius_mm - RIM_MM

    @property
    def end_mm(self) -> float:
        """Where it can go no further in."""
        return min(self.inner_radius_mm, self.start_mm)

    @property
    def pitch_mm(self) -> float:
        return MM_PER_INCH / self.lines_per_inch

    @property
    def feed_mm_per_s(self) -> float:
        """How fast the stylus (or the cutter) moves inward."""
        return self.rpm / 60.0 * self.pitch_mm

    def radius_at(self, seconds: float) -> float:
        """Where the stylus is `seconds` into the side: one pitch inward per revolution."""
        return max(self.end_mm, self.start_mm - seconds * self.feed_mm_per_s)

    def seconds_at(self, radius_mm: float) -> float:
        """When the stylus reaches `radius_mm` (a needle dropped there)."""
        return max(0.0, self.start_mm - radius_mm) / self.feed_mm_per_s

    def side_seconds(self, from_mm: Optional[float] = None) -> float:
        """How long a side lasts from `from_mm` (default: the start) to the run-out."""
        start = self.start_mm if from_mm is None else from_mm
        return max(0.0, start - self.end_mm) / self.feed_mm_per_s
