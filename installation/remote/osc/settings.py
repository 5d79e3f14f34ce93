"""config.yaml `osc:`: where the server listens, who may say what (roles), feedback, proximity."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Dict, Tuple

from ...core.yamlconf import limits


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
    """Who may say what: senders from `networks` may use addresses starting with `prefixes`;
    with `patterns`, also OSC address patterns (`/kiosk/vol*`), short ones matching one address;
    with `replies`, they are answered (/pong, /status): only a role that reads answers needs it,
    and a sender's address can be forged on a LAN (docs/osc.md)."""

    networks: Tuple[str, ...] = field(default=("127.0.0.1/32",), metadata=limits(check=_network))
    prefixes: Tuple[str, ...] = field(default=(), metadata=limits(check=_prefix))
    patterns: bool = False
    replies: bool = False


# what this box's own programs may ask of the show without steering it
TECHNICIAN = ("/kiosk/status", "/kiosk/ping", "/kiosk/selftest", "/kiosk/overlay", "/lathe/status")


def _default_roles() -> Dict[str, RoleConfig]:
    """Local sensors and encoders send; local programs may ask how the show is (the technician);
    nobody steers it until config.yaml names the performer's addresses."""
    return {"sensor": RoleConfig(prefixes=("/sensor/presence", "/sensor/proximity")),
            "encoder": RoleConfig(prefixes=("/turntable/",)),
            "technician": RoleConfig(prefixes=TECHNICIAN, replies=True),
            "performer": RoleConfig(networks=(), prefixes=("/kiosk/", "/dsp/", "/lathe/", "/demo/", "/gallery/"),
                                    patterns=True, replies=True)}


@dataclass(frozen=True)
class ProximityVolumeConfig:
    enabled: bool = False
    near_metres: float = field(default=0.6, metadata=limits(0.0, 50.0))  # full volume at or nearer
    far_metres: float = field(default=4.0, metadata=limits(0.1, 100.0))
    far_volume: float = field(default=0.35, metadata=limits(0.0, 1.0))  # share of master at or beyond


@dataclass(frozen=True)
class FeedbackConfig:
    hosts: Tuple[str, ...] = field(default=(), metadata=limits(check=_host_port))  # "host:port"
    interval_seconds: float = field(default=0.5, metadata=limits(0.05, 60.0))


@dataclass(frozen=True)
class OscConfig:
    enabled: bool = True
    host: str = "127.0.0.1"  # safe default: this machine only; 0.0.0.0 listens on every network
    port: int = field(default=9000, metadata=limits(1, 65535))
    # the turntable's encoder on a port of its own, read by the sound process (0: only on `port`)
    encoder_port: int = field(default=0, metadata=limits(0, 65535))
    turntable: int = field(default=1, metadata=limits(1, 99))  # which /turntable/<n> drives the sound
    queue_size: int = field(default=256, metadata=limits(8, 100000))
    encoder_timeout_seconds: float = field(default=0.25, metadata=limits(0.02, 10.0))  # no angle: held
    encoder_release_seconds: float = field(default=5.0, metadata=limits(0.5, 3600.0))  # then the motor again
    presence_seconds: float = field(default=120.0, metadata=limits(1.0, 86400.0))  # a presence 1 lasts, unrefreshed
    max_zones: int = field(default=64, metadata=limits(1, 10000))  # sensor zones remembered at once
    roles: Dict[str, RoleConfig] = field(default_factory=_default_roles)
    proximity_volume: ProximityVolumeConfig = field(default_factory=ProximityVolumeConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)

    def __post_init__(self) -> None:
        if self.encoder_port and self.encoder_port == self.port:
            raise ValueError(f"encoder_port ({self.encoder_port}) must be another port than `port` "
                             f"(or 0: the encoder sends to `port`)")
