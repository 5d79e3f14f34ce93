"""The kiosk's settings (config.yaml) as typed dataclasses.

Every field has a safe default, so a technician's config.yaml only names what differs.
Paths are resolved relative to the config file, so the kiosk can be started from anywhere.
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .audio.settings import DspConfig
from .keys import parse_chord
from .yamlconf import ConfigError, limits, load_dataclass

__all__ = ["Config", "ConfigError", "load_config", "DEFAULT_CONFIG"]

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"


@dataclass(frozen=True)
class DisplayConfig:
    fullscreen: bool = True
    # window size when not fullscreen; fullscreen uses the screen's own
    size: tuple[int, int] = field(default=(1280, 800), metadata=limits(160, 8192))
    fps: int = field(default=60, metadata=limits(10, 240))
    hide_mouse: bool = True


@dataclass(frozen=True)
class AudioConfig:
    device: Optional[str] = None  # None = the system default; a name fragment or an index as text
    sample_rate: int = field(default=48000, metadata=limits(8000, 192000))
    block_size: int = field(default=256, metadata=limits(32, 8192))
    channels: int = field(default=2, metadata=limits(1, 2))
    master_volume: float = field(default=0.8, metadata=limits(0.0, 1.0))
    fade_seconds: float = field(default=0.6, metadata=limits(0.0, 10.0))


@dataclass(frozen=True)
class ContentConfig:
    directory: str = "assets"  # holds discs/ and fonts/
    # first is shown largest
    languages: tuple[str, ...] = field(default=("ru", "en"), metadata=limits(choices=("ru", "en")))


@dataclass(frozen=True)
class KioskConfig:
    # a chord visitors will not press by accident
    quit_keys: str = field(default="ctrl+shift+q", metadata=limits(check=parse_chord))
    idle_seconds: float = field(default=90.0, metadata=limits(5.0, 3600.0))  # back to attract after this
    attract_disc_seconds: float = field(default=9.0, metadata=limits(2.0, 600.0))
    attract_rpm: float = field(default=12.0, metadata=limits(0.0, 120.0))  # slow spin for the show
    start_scene: str = field(default="attract", metadata=limits(choices=("attract", "player")))


def _host_port(text: str) -> None:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port such as 192.168.1.20:9001, got {text!r}")


def _network(text: str) -> None:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"not a network: {text!r} (examples: 127.0.0.1/32, 192.168.1.0/24)") from None


def _prefix(text: str) -> None:
    if not text.startswith("/"):
        raise ValueError(f"an OSC address prefix starts with '/': {text!r}")


@dataclass(frozen=True)
class RoleConfig:
    """Who may say what: senders from `networks` may use addresses starting with `prefixes`."""

    networks: tuple[str, ...] = field(default=("127.0.0.0/8",), metadata=limits(check=_network))
    prefixes: tuple[str, ...] = field(default=(), metadata=limits(check=_prefix))


def _default_roles() -> dict[str, RoleConfig]:
    return {"sensor": RoleConfig(prefixes=("/sensor/",)),
            "encoder": RoleConfig(prefixes=("/turntable/",)),
            "performer": RoleConfig(prefixes=("/kiosk/", "/dsp/", "/lathe/"))}


@dataclass(frozen=True)
class ProximityVolumeConfig:
    enabled: bool = False
    near_metres: float = field(default=0.6, metadata=limits(0.0, 50.0))  # full volume at or nearer
    far_metres: float = field(default=4.0, metadata=limits(0.1, 100.0))
    far_volume: float = field(default=0.35, metadata=limits(0.0, 1.0))  # share of master at or beyond


@dataclass(frozen=True)
class FeedbackConfig:
    hosts: tuple[str, ...] = field(default=(), metadata=limits(check=_host_port))  # "host:port"
    interval_seconds: float = field(default=0.5, metadata=limits(0.05, 60.0))


@dataclass(frozen=True)
class OscConfig:
    enabled: bool = True
    host: str = "127.0.0.1"  # safe default: this machine only; 0.0.0.0 listens on every network
    port: int = field(default=9000, metadata=limits(1, 65535))
    turntable: int = field(default=1, metadata=limits(1, 99))  # which /turntable/<n> drives the sound
    queue_size: int = field(default=256, metadata=limits(8, 100000))
    encoder_timeout_seconds: float = field(default=0.25, metadata=limits(0.02, 10.0))
    roles: dict[str, RoleConfig] = field(default_factory=_default_roles)
    proximity_volume: ProximityVolumeConfig = field(default_factory=ProximityVolumeConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)


@dataclass(frozen=True)
class Config:
    display: DisplayConfig = field(default_factory=DisplayConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    content: ContentConfig = field(default_factory=ContentConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    dsp: DspConfig = field(default_factory=DspConfig)  # the lathe-and-film sound, docs/dsp.md
    osc: OscConfig = field(default_factory=OscConfig)  # sensors, encoders, performer: docs/osc.md
    data_dir: str = "~/.local/state/bone-music"  # play counts and logs; outside the source tree
    base_dir: str = field(default=".", init=False)  # folder of the config file

    @property
    def content_dir(self) -> Path:
        return _resolve(self.base_dir, self.content.directory)

    @property
    def data_path(self) -> Path:
        return _resolve(self.base_dir, self.data_dir)


def _resolve(base: str, path: str) -> Path:
    p = Path(os.path.expandvars(os.path.expanduser(path)))
    return p if p.is_absolute() else (Path(base) / p).resolve()


def load_config(path: Path | str = DEFAULT_CONFIG) -> Config:
    """Load and validate; raises ConfigError whose lines read `config.yaml:LINE: key: message`."""
    path = Path(path)
    cfg = load_dataclass(path, Config)
    object.__setattr__(cfg, "base_dir", str(path.resolve().parent))
    return cfg
