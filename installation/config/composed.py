"""The kiosk's settings (config.yaml) as typed dataclasses, composed from each room's own section.

Every field has a safe default, so a technician's config.yaml only names what differs.
Paths are resolved relative to the config file, so the kiosk can be started from anywhere.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

from ..content.library import Limits
from ..core.keys import parse_chord
from ..core.registry import SCENES
from ..core.yamlconf import ConfigError, limits, load_dataclass
from ..lathe.settings import LatheConfig
from ..remote.console.settings import ConsoleConfig
from ..remote.gallery.settings import GalleryConfig
from ..remote.osc.settings import OscConfig
from ..show.calendar import DemosConfig, OpeningHoursConfig
from ..sound.settings import AudioConfig, DspConfig

__all__ = ["Config", "ConfigError", "load_config", "DEFAULT_CONFIG", "no_effect_warnings", "exposure_warnings"]

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"


@dataclass(frozen=True)
class DisplayConfig:
    fullscreen: bool = True
    # window size when not fullscreen; fullscreen uses the screen's own
    size: Tuple[int, int] = field(default=(1280, 800), metadata=limits(160, 8192))
    fps: int = field(default=60, metadata=limits(10, 240))
    hide_mouse: bool = True
    # the screen's pixels per inch: text and touch targets are sized in millimetres from it
    dpi: float = field(default=96.0, metadata=limits(40.0, 600.0))
    picture_cache: int = field(default=24, metadata=limits(2, 1000))  # disc pictures kept drawn
    # ...and at most this many megabytes of them (a Pi with 1 GB and a 1080p screen)
    picture_cache_mb: int = field(default=256, metadata=limits(16, 8192))
    # auto: SDL's renderer (the GPU) where it works, else surface drawing; or name one
    renderer: str = field(default="auto", metadata=limits(choices=("auto", "renderer", "surface")))
    # how the surface path turns discs: compiled (numba, straight into the frame) or pygame's own
    turn: str = field(default="compiled", metadata=limits(choices=("compiled", "pygame")))
    # with no display (started before the desktop, TV off): look for one this often
    retry_seconds: float = field(default=5.0, metadata=limits(0.5, 600.0))


@dataclass(frozen=True)
class ContentConfig:
    directory: str = "assets"  # holds discs/ and fonts/
    # first is shown largest
    languages: Tuple[str, ...] = field(default=("ru", "en"), metadata=limits(choices=("ru", "en")))
    max_disc_minutes: float = field(default=30.0, metadata=limits(0.5, 240.0))  # longer audio is refused
    max_audio_mb: float = field(default=300.0, metadata=limits(1.0, 10000.0))  # so is a larger file
    # a scan declaring more pixels is refused before it is decoded (each megapixel is 4 MB decoded)
    max_scan_megapixels: float = field(default=40.0, metadata=limits(1.0, 400.0))

    @property
    def limits(self) -> Limits:
        return Limits(self.max_disc_minutes, self.max_audio_mb, self.max_scan_megapixels)


@dataclass(frozen=True)
class KioskConfig:
    # a chord visitors will not press by accident
    quit_keys: str = field(default="ctrl+shift+q", metadata=limits(check=parse_chord))
    overlay_keys: str = field(default="ctrl+shift+o", metadata=limits(check=parse_chord))  # the technician's overlay
    idle_seconds: float = field(default=90.0, metadata=limits(5.0, 3600.0))  # back to attract after this
    attract_disc_seconds: float = field(default=9.0, metadata=limits(2.0, 600.0))
    attract_rpm: float = field(default=12.0, metadata=limits(0.0, 120.0))  # slow spin for the show
    start_scene: str = field(default="attract", metadata=limits(choices=tuple(SCENES)))


@dataclass(frozen=True)
class Config:
    display: DisplayConfig = field(default_factory=DisplayConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    content: ContentConfig = field(default_factory=ContentConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    dsp: DspConfig = field(default_factory=DspConfig)  # the disc emulation's sound, docs/dsp.md
    osc: OscConfig = field(default_factory=OscConfig)  # sensors, encoders, performer: docs/osc.md
    opening_hours: OpeningHoursConfig = field(default_factory=OpeningHoursConfig)  # in demos.timezone
    demos: DemosConfig = field(default_factory=DemosConfig)  # live-cutting demos: when, who, what
    lathe: LatheConfig = field(default_factory=LatheConfig)  # the lathe they cut on: docs/lathe.md
    console: ConsoleConfig = field(default_factory=ConsoleConfig)  # the web console: docs/console.md
    gallery: GalleryConfig = field(default_factory=GalleryConfig)  # this box on the show's MQTT broker: docs/gallery.md
    data_dir: str = "~/.local/state/bone-music"  # play counts and logs; outside the source tree
    base_dir: str = field(default=".", init=False)  # folder of the config file
    source: str = field(default="", init=False, compare=False)  # the file it came from
    # key path -> line in that file, for messages about keys that were given
    lines: Dict[str, int] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def content_dir(self) -> Path:
        return _resolve(self.base_dir, self.content.directory)

    @property
    def data_path(self) -> Path:
        return _resolve(self.base_dir, self.data_dir)

    @property
    def gallery_password_path(self) -> Path:
        return _resolve(self.base_dir, self.gallery.password_file)

    @property
    def gallery_token_path(self) -> Path:
        return _resolve(self.base_dir, self.gallery.token_file)

    @property
    def disc_folders(self) -> List[Path]:
        """Where discs are: the curated ones, then the live cuts made into discs."""
        return [self.content_dir / "discs", self.data_path / "discs"]

    def where(self, key: str) -> str:
        """`config.yaml:LINE: key` for messages about one key (line 1 when it was not given)."""
        return f"{self.source}:{self.lines.get(key, 1)}: {key}"


def _resolve(base: str, path: str) -> Path:
    p = Path(os.path.expandvars(os.path.expanduser(path)))
    return p if p.is_absolute() else (Path(base) / p).resolve()


def load_config(path: Path | str = DEFAULT_CONFIG) -> Config:
    """Load and validate; raises ConfigError whose lines read `config.yaml:LINE: key: message`."""
    path = Path(path)
    lines: Dict[str, int] = {}
    cfg = load_dataclass(path, Config, lines=lines)
    object.__setattr__(cfg, "base_dir", str(path.resolve().parent))
    object.__setattr__(cfg, "source", str(path))
    object.__setattr__(cfg, "lines", lines)
    if cfg.gallery.enabled and cfg.gallery.password_file and not cfg.gallery_password_path.is_file():
        raise ConfigError([f"{cfg.where('gallery.password_file')}: no file {cfg.gallery_password_path} "
                           "(one line: this box's password on the broker; docs/gallery.md)"])
    if cfg.gallery.enabled and cfg.gallery.token_file and not cfg.gallery_token_path.is_file():
        raise ConfigError([f"{cfg.where('gallery.token_file')}: no file {cfg.gallery_token_path} (one line, the "
                           "same on every box of the site; docs/gallery.md)"])
    if not (cfg.content_dir / "discs").is_dir():
        raise ConfigError([f"{cfg.where('content.directory')}: no discs/ folder in {cfg.content_dir} "
                           f"(the path is relative to the folder of {path.name})"])
    return cfg


def no_effect_warnings(cfg: Config, conditions: List[object]) -> List[str]:
    """Keys given in config.yaml that change nothing, each as `file:line: key: why`.

    `conditions` are the discs' condition blocks: a dsp: key that every disc sets for itself
    is only a default that no disc uses."""
    from ..sound.settings import SHARED_WITH_CONDITION

    out = []
    given = [key for key in cfg.lines if "." in key]
    for cond_key, (section, name) in SHARED_WITH_CONDITION.items():
        key = f"dsp.{section}.{name}"
        if key in cfg.lines and conditions and all(getattr(c, cond_key) is not None for c in conditions):
            out.append(f"{cfg.where(key)}: has no effect: every disc sets condition.{cond_key} in its "
                       f"disc.yaml, which wins (remove it there to use this default)")
    for section, on in (("dsp", cfg.dsp.enabled), ("osc", cfg.osc.enabled), ("lathe", cfg.lathe.enabled)):
        idle = [key for key in given if key.startswith(section + ".") and key != f"{section}.enabled"
                and not _is_section(cfg, key) and _differs(cfg, key)]
        if not on and idle:  # one line per section switched off, however many keys it holds
            more = f" (and {len(idle) - 1} more {section}. keys)" if len(idle) > 1 else ""
            out.append(f"{cfg.where(idle[0])}: has no effect{more}: {section}.enabled is false")
    return out


def exposure_warnings(cfg: Config) -> List[str]:
    """Roles that let a whole network steer the show while the kiosk listens beyond this machine.
    OSC over UDP has no authentication and a sender's address can be forged on a LAN."""
    import ipaddress

    try:
        local = ipaddress.ip_address(_host_ip(cfg.osc.host)).is_loopback
    except ValueError:  # a host name: only this machine's own counts as local
        local = False
    out = console_warnings(cfg) + gallery_warnings(cfg)
    if not cfg.osc.enabled or local:
        return out
    for name, role in cfg.osc.roles.items():
        steering = [p for p in role.prefixes if p == "/" or p.startswith(("/kiosk", "/lathe", "/dsp", "/demo"))]
        wide = [n for n in role.networks if ipaddress.ip_network(n, strict=False).num_addresses > 1]
        if steering and wide:
            out.append(f"{cfg.where(f'osc.roles.{name}.networks')}: admits the whole network {wide[0]} to "
                       f"{', '.join(steering)} while osc.host is {cfg.osc.host}: anyone there, or anyone forging "
                       f"its addresses, can steer the show; name the performer's laptop alone (a /32)")
    return out


def console_warnings(cfg: Config) -> List[str]:
    """The console reachable beyond this box: its login is all that keeps the network out."""
    from ..remote.console.password import has_password
    from ..remote.console.settings import is_local

    if not cfg.console.enabled or is_local(cfg.console.host):
        return []
    if not has_password(cfg.data_path):
        return [f"{cfg.where('console.host')} is {cfg.console.host}, but no console password is set: until "
                "`python -m installation console-password` sets one, the console serves 127.0.0.1 only"]
    return [f"{cfg.where('console.host')} is {cfg.console.host}: the console's login page is open to the "
            "network (the password is all that keeps it out; logins are limited to 5 a minute an address)"]


def gallery_warnings(cfg: Config) -> List[str]:
    """Discs shared with the gallery, from a console the other boxes cannot reach: they hear of
    this box's discs and cannot fetch them."""
    from ..remote.console.settings import is_local

    if not (cfg.gallery.enabled and cfg.gallery.token_file):
        return []
    if not cfg.console.enabled:
        return [f"{cfg.where('console.enabled')} is false, but gallery.token_file shares this box's discs: the "
                "other boxes fetch them from its console's server; enable the console"]
    if is_local(cfg.console.host):
        return [f"{cfg.where('console.host')} is {cfg.console.host}, but gallery.token_file shares this box's discs: "
                "the other boxes fetch them from its console's server, which they cannot reach there; set "
                "console.host: 0.0.0.0"]
    return []


def _host_ip(host: str) -> str:
    return "127.0.0.1" if host in ("localhost", "") else host


def _differs(cfg: Config, key: str) -> bool:
    """True if the key's value is not its default (a documented default changes nothing either way)."""
    def walk(obj, parts):
        for part in parts:
            obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        return obj
    section, *rest = key.split(".")
    given = getattr(cfg, section)
    return walk(given, rest) != walk(type(given)(), rest)


def _is_section(cfg: Config, key: str) -> bool:
    """True for a key that only holds other keys (its children get their own line)."""
    return any(other.startswith(key + ".") for other in cfg.lines)
