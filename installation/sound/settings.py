"""The audio settings: the output device (config.yaml `audio:`) and the disc emulation
(`dsp:`), with units and safe ranges.

A disc's `condition` block (disc.yaml) describes one physical disc: how far off the hole was
burned, how noisy, scratched and worn the film is. Four of its keys have a twin in `dsp:`
(wow.eccentricity_mm, surface.hiss_db, surface.crackle_per_second, surface.scratches): the
disc's value wins, and the `dsp:` value is the default for discs that do not give one.
Both read their ranges from here, so they cannot disagree.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Optional, Tuple

from ..core.geometry import DiscGeometry
from ..core.yamlconf import limits


@dataclass(frozen=True)
class AudioConfig:
    device: Optional[str] = None  # None = the system default; a name fragment or an index as text
    sample_rate: int = field(default=48000, metadata=limits(8000, 192000))
    block_size: int = field(default=256, metadata=limits(32, 8192))
    # how far ahead the device buffers: room for a busy moment; ~50 ms still feels immediate under a hand
    latency_seconds: float = field(default=0.05, metadata=limits(0.005, 1.0))
    channels: int = field(default=2, metadata=limits(1, 2))
    master_volume: float = field(default=0.8, metadata=limits(0.0, 1.0))
    fade_seconds: float = field(default=0.6, metadata=limits(0.0, 10.0))
    cache_mb: float = field(default=300.0, metadata=limits(10.0, 10000.0))  # cut grooves kept for quick returns
    # the playback's per-sample stages as one compiled loop (numba, sound/compiled.py: 5 to 10 times
    # less time a block, about 100 MB more in the sound process), or as the numpy stages themselves
    core: str = field(default="compiled", metadata=limits(choices=("compiled", "python")))


@dataclass(frozen=True)
class MotionSettings:
    rpm: float = field(default=78.0, metadata=limits(16.0, 100.0))  # nominal; each disc sets its own
    slew_per_second: float = field(default=1.5, metadata=limits(0.1, 1000.0))  # speed-ratio change per s


@dataclass(frozen=True)
class WowSettings:
    eccentricity_mm: float = field(default=1.5, metadata=limits(0.0, 8.0))  # hole off-centre
    warp_depth: float = field(default=0.0015, metadata=limits(0.0, 0.02))  # pitch deviation, fraction
    warp_per_rev: float = field(default=0.5, metadata=limits(0.05, 4.0))  # cycles per revolution
    flutter_depth: float = field(default=0.0006, metadata=limits(0.0, 0.01))
    flutter_per_rev: float = field(default=6.0, metadata=limits(1.0, 40.0))  # motor/idler cycles per rev


@dataclass(frozen=True)
class ReadHeadSettings:
    echo_db: float = field(default=-42.0, metadata=limits(-120.0, -10.0))  # adjacent-groove echo


@dataclass(frozen=True)
class GrooveSettings:
    outer_radius_mm: Optional[float] = field(default=None, metadata=limits(40.0, 170.0))  # None: rim - 5 mm
    inner_radius_mm: float = field(default=45.0, metadata=limits(20.0, 150.0))
    lines_per_inch: float = field(default=96.0, metadata=limits(20.0, 400.0))
    hf_cutoff_hz: float = field(default=9000.0, metadata=limits(1000.0, 20000.0))  # at the outer radius, nominal speed
    tracing: float = field(default=0.12, metadata=limits(0.0, 0.5))  # 2nd-harmonic coefficient at the inner radius

    def geometry(self, rpm: float = 78.0) -> DiscGeometry:
        """The spiral these settings cut (a 24 cm disc where the outer radius is not given)."""
        return DiscGeometry(rpm=rpm, lines_per_inch=self.lines_per_inch, inner_radius_mm=self.inner_radius_mm,
                            outer_radius_mm=self.outer_radius_mm)


@dataclass(frozen=True)
class CutterSettings:
    highpass_hz: float = field(default=140.0, metadata=limits(20.0, 1000.0))  # -3 dB, 2nd order
    lowpass_hz: float = field(default=6000.0, metadata=limits(1000.0, 20000.0))  # -3 dB, 2nd order
    resonance_hz: float = field(default=2800.0, metadata=limits(200.0, 10000.0))  # cutter head
    resonance_db: float = field(default=4.0, metadata=limits(-12.0, 18.0))
    resonance_q: float = field(default=1.2, metadata=limits(0.2, 10.0))
    drive_db: float = field(default=6.0, metadata=limits(-24.0, 24.0))  # velocity limit: how hard full scale overloads
    # acceleration limit: a full-scale tone above this frequency is more than the head can swing
    acceleration_hz: float = field(default=5000.0, metadata=limits(500.0, 20000.0))
    threshold_db: float = field(default=-20.0, metadata=limits(-60.0, 0.0))  # compression above this
    ratio: float = field(default=2.5, metadata=limits(1.0, 20.0))
    envelope_ms: float = field(default=25.0, metadata=limits(1.0, 1000.0))


@dataclass(frozen=True)
class SurfaceSettings:
    # in the film, cut into the groove once (sound/cut.py): they move with the platter
    hiss_db: float = field(default=-45.0, metadata=limits(-120.0, -10.0))  # RMS at nominal speed, dBFS
    crackle_per_second: float = field(default=6.0, metadata=limits(0.0, 500.0))  # at nominal speed
    crackle_db: float = field(default=-16.0, metadata=limits(-80.0, 0.0))  # peak of a loud crackle
    scratches: int = field(default=2, metadata=limits(0, 12))  # each clicks at its angle, every turn
    scratch_db: float = field(default=-10.0, metadata=limits(-80.0, 0.0))
    seed: int = 1957
    # at playback (sound/surface.py)
    rumble_db: float = field(default=-50.0, metadata=limits(-120.0, -10.0))  # motor and bearing, RMS
    hum_db: float = field(default=-120.0, metadata=limits(-120.0, -10.0))  # mains hum of the amplifier; -120 off
    hum_hz: float = field(default=50.0, metadata=limits(50.0, 60.0))  # 50 in Europe, 60 in the Americas
    wobble: float = field(default=0.03, metadata=limits(0.0, 0.3))  # level swing once a turn: uneven film


@dataclass(frozen=True)
class OutputSettings:
    limiter_threshold: float = field(default=0.85, metadata=limits(0.1, 0.99))  # soft above, never past 1.0


@dataclass(frozen=True)
class DspConfig:
    enabled: bool = True  # false: the plain read head (for checking the source audio)
    motion: MotionSettings = field(default_factory=MotionSettings)
    wow: WowSettings = field(default_factory=WowSettings)
    read_head: ReadHeadSettings = field(default_factory=ReadHeadSettings)
    groove: GrooveSettings = field(default_factory=GrooveSettings)
    cutter: CutterSettings = field(default_factory=CutterSettings)  # the lathe's cutting head
    surface: SurfaceSettings = field(default_factory=SurfaceSettings)
    output: OutputSettings = field(default_factory=OutputSettings)


# condition key -> (dsp section, its key): the disc's value wins over the equipment default
SHARED_WITH_CONDITION = {"eccentricity_mm": ("wow", "eccentricity_mm"), "hiss_db": ("surface", "hiss_db"),
                         "crackle_per_second": ("surface", "crackle_per_second"),
                         "scratches": ("surface", "scratches")}


def condition_value(dsp: "DspConfig", condition, key: str):
    """A condition key as the disc will sound: its own value, else the dsp: default."""
    own = getattr(condition, key)
    section, name = SHARED_WITH_CONDITION[key]
    return own if own is not None else getattr(getattr(dsp, section), name)


def for_disc(dsp: DspConfig, condition, diameter_cm: float = 24.0, rpm: float = 78.0) -> DspConfig:
    """The settings for one disc: its condition over the equipment's defaults."""
    value = lambda key: condition_value(dsp, condition, key)  # noqa: E731
    motion = dataclasses.replace(dsp.motion, rpm=rpm)
    wow = dataclasses.replace(dsp.wow, eccentricity_mm=value("eccentricity_mm"),
                              warp_depth=dsp.wow.warp_depth * (0.3 + 2.0 * condition.warp))
    surface = dataclasses.replace(dsp.surface, hiss_db=value("hiss_db"), scratches=value("scratches"),
                                  crackle_per_second=value("crackle_per_second"))
    outer = dsp.groove.outer_radius_mm or DiscGeometry(diameter_cm).start_mm
    groove = dataclasses.replace(dsp.groove, outer_radius_mm=outer,
                                 hf_cutoff_hz=dsp.groove.hf_cutoff_hz * (1.0 - 0.5 * condition.wear),
                                 tracing=min(0.5, dsp.groove.tracing * (0.5 + 2.0 * condition.wear)))
    return dataclasses.replace(dsp, motion=motion, wow=wow, surface=surface, groove=groove)


def groove_radius_mm(settings: DspConfig, position_seconds: float) -> float:
    """Where the stylus is after `position_seconds`: one groove pitch inward per revolution,
    as the read head follows the spiral (transport.py), so the tonearm drawn agrees with the sound."""
    return settings.groove.geometry(settings.motion.rpm).radius_at(position_seconds)


def groove_position(settings: DspConfig, radius_mm: float) -> float:
    """The time at which the stylus reaches `radius_mm` (the inverse: a needle dropped there)."""
    return settings.groove.geometry(settings.motion.rpm).seconds_at(radius_mm)


# what is cut into the groove once: a live change of these re-cuts the disc in the background
CUT_PARAMS = {("cutter", f.name) for f in dataclasses.fields(CutterSettings)} | {
    ("surface", name) for name in ("hiss_db", "crackle_per_second", "crackle_db", "scratches", "scratch_db", "seed")}


def cut_settings(dsp: DspConfig) -> tuple:
    """Everything the groove depends on: equal tuples, equal cuts."""
    return (dsp.enabled, dsp.motion.rpm, dsp.cutter,
            tuple(getattr(dsp.surface, name) for stage, name in sorted(CUT_PARAMS) if stage == "surface"))


def replace_param(settings: DspConfig, stage: str, name: str, value) -> DspConfig:
    """`settings` with one parameter changed; whole-number parameters (scratches) stay whole."""
    part = getattr(settings, stage)
    if isinstance(getattr(part, name), int):
        value = int(value)
    part = dataclasses.replace(part, **{name: value})
    return dataclasses.replace(settings, **{stage: part})


def check_live_param(dsp: DspConfig, stage: str, name: str, value) -> float:
    """A performer's live change, checked: the value as a float, or ValueError saying why."""
    stages = [f.name for f in dataclasses.fields(DspConfig) if f.name not in ("enabled", "output")]
    part = getattr(dsp, stage, None) if stage in stages else None
    if part is None:
        raise ValueError(f"dsp: no stage {stage!r} (stages: {', '.join(stages)})")
    try:
        lo, hi = param_limits(type(part), name)
    except KeyError:
        raise ValueError(f"dsp.{stage}: no parameter {name!r}") from None
    if lo is None or hi is None:  # seeds and switches are set in config.yaml, not live
        raise ValueError(f"dsp.{stage}.{name}: not a live parameter")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ValueError(f"dsp.{stage}.{name}: must be a number between {lo} and {hi}, got {value!r}")
    return float(value)


def param_limits(settings_cls: type, name: str) -> Tuple[Optional[float], Optional[float]]:
    """(lo, hi) of a live-settable parameter (None: not live); KeyError if there is no such parameter."""
    meta = field_metadata(settings_cls, name)
    return meta.get("lo"), meta.get("hi")


def field_metadata(settings_cls: type, name: str) -> dict:
    """The `limits` of one field, for another dataclass that must keep the same range."""
    return dict({f.name: f for f in dataclasses.fields(settings_cls)}[name].metadata)
