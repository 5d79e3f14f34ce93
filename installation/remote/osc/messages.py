"""OSC datagrams built for replies and feedback (python-osc's builder, one call)."""
from __future__ import annotations

from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder


def message(address: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(address)
    for a in args:
        builder.add_arg(a)
    return builder.build().dgram
