"""config.yaml `lathe:`: which lathe, its geometry and limits, the station's audio and keys."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..core.geometry import DiscGeometry
from ..core.keys import parse_chord
from ..core.yamlconf import limits

BACKENDS = ("simulated", "serial", "lathe_guide")


@dataclass(frozen=True)
class CutterAudioConfig:
    """The lathe station's audio interface: the performer's microphone in, the cutter amplifier out."""

    input_device: Optional[str] = None  # None = system default; a name fragment or an index as text
    input_channel: int = field(default=1, metadata=limits(1, 64))  # 1 = the first input
    output_device: Optional[str] = None  # the cutter head's amplifier
    output_channel: int = field(default=1, metadata=limits(1, 64))
    sample_rate: int = field(default=48000, metadata=limits(8000, 192000))
    block_size: int = field(default=256, metadata=limits(32, 8192))
    # cutter protection: what the head's coils get is never louder than this ...
    limit_dbfs: float = field(default=-3.0, metadata=limits(-40.0, 0.0))
    # ... and loud treble above hf_limit_hz is held under hf_limit_dbfs (it heats the coils most)
    hf_limit_hz: float = field(default=8000.0, metadata=limits(1000.0, 20000.0))
    hf_limit_dbfs: float = field(default=-12.0, metadata=limits(-60.0, 0.0))


@dataclass(frozen=True)
class LatheConfig:
    enabled: bool = False  # true when a lathe (or its simulation) takes part in demos
    backend: str = field(default="simulated", metadata=limits(choices=BACKENDS))
    port: str = "/dev/ttyUSB0"  # serial and lathe_guide backends
    baud: int = field(default=115200, metadata=limits(1200, 4000000))
    rpm: float = field(default=78.0, metadata=limits(10.0, 100.0))
    rpm_tolerance_percent: float = field(default=1.5, metadata=limits(0.1, 20.0))
    lines_per_inch: float = field(default=100.0, metadata=limits(40.0, 400.0))  # groove pitch
    outer_radius_mm: float = field(default=115.0, metadata=limits(30.0, 200.0))  # where the cut begins
    inner_radius_mm: float = field(default=50.0, metadata=limits(5.0, 150.0))  # it never goes past this
    stylus_temperature_c: float = field(default=0.0, metadata=limits(0.0, 150.0))  # 0: no heater
    max_stylus_temperature_c: float = field(default=120.0, metadata=limits(20.0, 300.0))
    spin_up_seconds: float = field(default=30.0, metadata=limits(1.0, 600.0))  # not at speed by then: fault
    status_timeout_seconds: float = field(default=1.0, metadata=limits(0.1, 30.0))  # silence: interlock
    ack_timeout_seconds: float = field(default=0.5, metadata=limits(0.05, 10.0))
    steps_per_mm: float = field(default=200.0, metadata=limits(1.0, 100000.0))  # lathe_guide's carriage
    confirm_key: str = field(default="ctrl+f12", metadata=limits(check=parse_chord))  # at the lathe station
    confirm_seconds: float = field(default=60.0, metadata=limits(5.0, 600.0))  # arm waits this long for it
    estop_key: str = field(default="escape", metadata=limits(check=parse_chord))  # stops the lathe, always
    audio: CutterAudioConfig = field(default_factory=CutterAudioConfig)

    def __post_init__(self) -> None:
        if self.inner_radius_mm >= self.outer_radius_mm:
            raise ValueError(f"lathe.inner_radius_mm ({self.inner_radius_mm:g}) must be smaller than "
                             f"lathe.outer_radius_mm ({self.outer_radius_mm:g})")

    @property
    def geometry(self) -> DiscGeometry:
        """The disc this lathe cuts: its groove from outer_radius_mm in to inner_radius_mm."""
        return DiscGeometry.for_radius(self.outer_radius_mm, rpm=self.rpm, lines_per_inch=self.lines_per_inch,
                                       inner_radius_mm=self.inner_radius_mm)

    @property
    def feed_mm_per_s(self) -> float:
        """How fast the carriage moves in: rpm/60 x 25.4/LPI (0.33 mm/s at 78 rpm and 100 LPI)."""
        return self.geometry.feed_mm_per_s

    def side_seconds(self, radius_mm: Optional[float] = None) -> float:
        """Time left on the side from `radius_mm` (default: the outer edge) to the inner limit."""
        return self.geometry.side_seconds(radius_mm)
