"""The curated content: one folder per disc under ``<content>/discs/<id>/``.

A curator adds a disc by dropping in a folder with ``disc.yaml``, a scan and an audio file.
A broken folder is skipped with a message naming the file; the rest of the show goes on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

import soundfile

from ..core.files import open_regular
from ..core.yamlconf import ConfigError, limits, load_dataclass
from ..sound.loader import check_numbers, check_rate
from ..sound.settings import SurfaceSettings, WowSettings, field_metadata
from .images import image_size

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")  # libsndfile reads MP3 since 1.1
MIN_SCAN_PX = 256  # a scan's short side: less is no x-ray (a 1x1 image drew a flat grey disc)


@dataclass(frozen=True)
class Text:
    """A bilingual string; Russian is the show's own language, English may be left out."""

    ru: str
    en: str = ""

    def get(self, lang: str) -> str:
        return getattr(self, lang, "") or self.ru


@dataclass(frozen=True)
class Condition:
    """The physical state of the disc; the sound and the drawing read it. The four keys left
    None take config.yaml's dsp: value (see sound/settings.py); their ranges are the same."""

    eccentricity_mm: Optional[float] = field(default=None, metadata=field_metadata(WowSettings, "eccentricity_mm"))
    warp: float = field(default=0.3, metadata=limits(0.0, 1.0))  # 0 flat .. 1 badly warped
    hiss_db: Optional[float] = field(default=None, metadata=field_metadata(SurfaceSettings, "hiss_db"))
    crackle_per_second: Optional[float] = field(default=None,
                                                metadata=field_metadata(SurfaceSettings, "crackle_per_second"))
    scratches: Optional[int] = field(default=None, metadata=field_metadata(SurfaceSettings, "scratches"))
    wear: float = field(default=0.3, metadata=limits(0.0, 1.0))  # 0 new .. 1 played to death


@dataclass(frozen=True)
class DiscInfo:
    """What a curator writes in disc.yaml."""

    title: Text
    artist: Text
    year: int = field(metadata=limits(1900, 2100))
    city: Text
    body_part: Text  # what the x-ray shows: skull, ribs, hand...
    caption: Text
    rpm: float = field(default=78.0, metadata=limits(16.0, 100.0))
    diameter_cm: float = field(default=24.0, metadata=limits(10.0, 35.0))
    scan: Optional[str] = None  # file name in the folder; default: the only image there
    audio: Optional[str] = None  # file name in the folder; default: the only audio file there
    order: int = 0  # position in the show; ties go by folder name
    hidden: bool = False  # kept in the collection, not shown to visitors (the console hides and shows it)
    condition: Condition = field(default_factory=Condition)
    story: Optional[Text] = None  # the story panel: who cut it, where, the bones, the music


@dataclass(frozen=True)
class Limits:
    """What one disc may cost (config.yaml `content:`): a longer or larger file is refused by
    name before anything decodes it, so one file cannot take the kiosk's memory."""

    max_minutes: float = 30.0  # a 78 side is about 3; a live cut perhaps 10
    max_audio_mb: float = 300.0
    max_scan_megapixels: float = 40.0  # a 6000x6000 scan is 36; decoded, each megapixel is 4 MB


@dataclass
class Disc:
    id: str  # the folder name, may be Cyrillic
    folder: Path
    info: DiscInfo
    scan_path: Path
    audio_path: Path
    audio_seconds: float = 0.0


@dataclass(frozen=True)
class Stories:
    """`<content>/stories.yaml`: short texts about roentgenizdat for the attract loop."""

    stories: tuple[Text, ...] = ()


@dataclass
class Library:
    discs: list[Disc]
    problems: list[str]  # `file:line: message`, one per skipped folder or bad file
    stories: tuple[Text, ...] = ()
    hidden: list[Disc] = field(default_factory=list)  # read and valid, but `hidden: true`: not in the show

    def find(self, disc_id: str) -> Optional[Disc]:
        return next((d for d in self.discs if d.id == disc_id), None)

    def index_of(self, disc_id: str) -> int:
        return next((i for i, d in enumerate(self.discs) if d.id == disc_id), -1)

    def add(self, disc: Disc) -> None:
        """A new or changed disc takes its place: in the show in its order, or aside when hidden
        (each list is replaced whole: other threads read them)."""
        shown = [d for d in self.discs if d.id != disc.id] + ([] if disc.info.hidden else [disc])
        self.discs = sorted(shown, key=lambda d: (d.info.order, d.id))
        self.hidden = [d for d in self.hidden if d.id != disc.id] + ([disc] if disc.info.hidden else [])


def load_library(content_dir: Path, deep: bool = False,
                 check_scan: Optional[Callable[[Path], object]] = None, limits: Limits = Limits(),
                 more: Sequence[Path] = ()) -> Library:
    """Read every disc folder. `deep` also decodes all audio, and every scan with `check_scan`
    (the picture side's decoder, raising ConfigError: this module draws nothing). `more`:
    further folders of discs (the live cuts in the data directory), read when they exist."""
    root = Path(content_dir) / "discs"
    discs: list[Disc] = []
    problems: list[str] = []
    if not root.is_dir():
        return Library([], [f"{root}: folder not found (expected one sub-folder per disc)"])
    folders = [p for r in (root, *[Path(m) for m in more if Path(m).is_dir()])
               for p in sorted(r.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    for folder in folders:
        try:
            disc = load_disc(folder, deep, check_scan, limits)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        except Exception as exc:  # whatever a broken folder holds, the rest of the show goes on
            problems.append(f"{folder}: cannot read this disc folder: {type(exc).__name__}: {exc}")
            continue
        twin = next((d for d in discs if d.id == disc.id), None)
        if twin is not None:
            problems.append(f"{folder}: a disc named {disc.id!r} is already in {twin.folder.parent}; rename one folder")
        else:
            discs.append(disc)
    stories: tuple[Text, ...] = ()
    if (Path(content_dir) / "stories.yaml").is_file():
        try:
            stories = load_dataclass(Path(content_dir) / "stories.yaml", Stories).stories
        except ConfigError as exc:
            problems.extend(exc.problems)
    for p in problems:
        log.warning("skipping: %s", p)
    discs.sort(key=lambda d: (d.info.order, d.id))
    return Library([d for d in discs if not d.info.hidden], problems, stories, [d for d in discs if d.info.hidden])


def load_disc(folder: Path, deep: bool = False, check_scan: Optional[Callable[[Path], object]] = None,
              limits: Limits = Limits()) -> Disc:
    info: DiscInfo = load_dataclass(folder / "disc.yaml", DiscInfo)
    scan = _pick(folder, info.scan, IMAGE_SUFFIXES, "scan image (PNG or JPEG)")
    audio = _pick(folder, info.audio, AUDIO_SUFFIXES, "audio file (WAV, FLAC, OGG or MP3)")
    _check_pixels(scan, limits)
    if deep and check_scan is not None:
        check_scan(scan)
    if audio.suffix.lower() == ".mp3" and "MP3" not in soundfile.available_formats():
        raise ConfigError([f"{audio}: this system's libsndfile ({soundfile.__libsndfile_version__}) does not read "
                           "MP3 (1.1 and later do): convert it to FLAC or WAV"])
    megabytes = audio.stat().st_size / 1e6
    if megabytes > limits.max_audio_mb:
        raise ConfigError([f"{audio}: {megabytes:.0f} MB, more than content.max_audio_mb ({limits.max_audio_mb:g})"])
    try:
        with open_regular(audio) as fh:
            meta = soundfile.info(fh)
        if meta.frames <= 0:
            raise RuntimeError("no audio frames")
        check_rate(meta.samplerate)
        minutes = meta.frames / meta.samplerate / 60
        if minutes > limits.max_minutes:
            raise ConfigError([f"{audio}: {minutes:.0f} minutes long, more than content.max_disc_minutes "
                               f"({limits.max_minutes:g})"])
        if deep:
            with open_regular(audio) as fh:
                check_numbers(soundfile.read(fh, dtype="float32")[0])
    except ConfigError:
        raise
    except Exception as exc:  # soundfile raises LibsndfileError, RuntimeError, ...
        raise ConfigError([f"{audio}: cannot decode audio: {exc}"]) from None
    return Disc(folder.name, folder, info, scan, audio, meta.frames / meta.samplerate)


def _check_pixels(scan: Path, limits: Limits) -> None:
    """Refuse a scan whose header declares more pixels than content.max_scan_megapixels."""
    try:
        width, height = image_size(scan)
    except (OSError, ValueError) as exc:
        raise ConfigError([f"{scan}: cannot decode image: {exc}"]) from None
    if min(width, height) < MIN_SCAN_PX:
        raise ConfigError([f"{scan}: {width}x{height} pixels: too small to show the x-ray (at least "
                           f"{MIN_SCAN_PX} pixels on its short side)"])
    problem = too_many_pixels(str(scan), width, height, limits)
    if problem:
        raise ConfigError([problem])


def too_many_pixels(where: str, width: int, height: int, limits: Limits) -> str:
    """`check`'s line for a scan over content.max_scan_megapixels, or "" (also asked of an upload
    while it arrives, from its header)."""
    if width * height <= limits.max_scan_megapixels * 1e6:
        return ""
    return (f"{where}: {width}x{height} pixels ({width * height / 1e6:.0f} megapixels), more than "
            f"content.max_scan_megapixels ({limits.max_scan_megapixels:g}): scale it down")


def _pick(folder: Path, name: Optional[str], suffixes: tuple[str, ...], what: str) -> Path:
    if name:
        path = folder / name
        if not path.exists():
            raise ConfigError([f"{folder / 'disc.yaml'}:1: {what} {name!r} not found in {folder}"])
        return _regular(path)
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes)
    if not found:
        raise ConfigError([f"{folder}: no {what} in the folder"])
    if len(found) > 1:
        raise ConfigError([f"{folder}: several files could be the {what} ({', '.join(p.name for p in found)}); "
                           f"name one in disc.yaml"])
    return _regular(found[0])


def _regular(path: Path) -> Path:
    """`path`, if it is a regular file (a named pipe would block the reader for ever)."""
    try:
        open_regular(path).close()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    return path
