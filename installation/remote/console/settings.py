"""config.yaml `console:`: the web console for the technician and the curator (docs/console.md)."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ...core.yamlconf import limits


def is_local(host: str) -> bool:
    """Only this box reaches `host`."""
    try:
        return ipaddress.ip_address("127.0.0.1" if host == "localhost" else host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ConsoleConfig:
    enabled: bool = True
    # who may reach it: 0.0.0.0 for phones on the gallery network. Until a password is set
    # (python -m installation console-password) it serves 127.0.0.1 only, whatever this says.
    host: str = "127.0.0.1"
    port: int = field(default=8080, metadata=limits(1, 65535))
    session_hours: float = field(default=12.0, metadata=limits(0.1, 720.0))  # a login lasts this long
