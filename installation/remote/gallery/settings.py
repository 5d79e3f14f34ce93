"""config.yaml `gallery:`: this box on the show's MQTT broker, beside the other kiosks and the
lathe station (docs/gallery.md). Off by default: a single kiosk needs no broker."""
from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from typing import Tuple

from ...core.yamlconf import limits

NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a topic level: no / + # and nothing MQTT reads as wildcards


def _check_broker(text: str) -> None:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"host:port, such as 192.168.1.10:1883, not {text!r}")


def _check_name(text: str) -> None:
    if text and not NAME.fullmatch(text):
        raise ValueError(f"letters, digits, - and _ only (it is a topic's level), not {text!r}")


@dataclass(frozen=True)
class GalleryConfig:
    enabled: bool = False
    broker: str = field(default="127.0.0.1:1883", metadata=limits(check=_check_broker))  # Mosquitto's host:port
    username: str = ""  # this box's user on the broker ("" = the box's id)
    password_file: str = ""  # a file holding its password (one line; readable by the kiosk's user only)
    site: str = field(default="gallery", metadata=limits(check=_check_name))  # the show: one per broker topic tree
    box: str = field(default="", metadata=limits(check=_check_name))  # this box's id; "" = the host name
    keepalive_seconds: int = field(default=10, metadata=limits(2, 600))  # offline after 1.5 x this
    token_file: str = ""  # the site's shared secret (one line) for fetching discs between boxes; "" = no sharing
    keep: Tuple[str, ...] = ()  # this room's own selection: the disc ids it takes from the gallery (`vals-*`)
    tls: bool = False  # TLS to the broker (then ca_file, or the system's certificates)
    ca_file: str = ""

    @property
    def address(self) -> Tuple[str, int]:
        host, _, port = self.broker.rpartition(":")
        return host, int(port)

    @property
    def box_id(self) -> str:
        name = self.box or socket.gethostname().split(".")[0]
        return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:64] or "box"

    @property
    def user(self) -> str:
        return self.username or self.box_id
