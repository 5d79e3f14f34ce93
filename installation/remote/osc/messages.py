"""OSC datagrams built for replies and feedback (python-osc's builder, one call), and several
of them as one bundle: a status is one datagram, not one per field."""
from __future__ import annotations

import struct
from typing import Any, Sequence

from pythonosc.osc_message_builder import OscMessageBuilder

IMMEDIATELY = struct.pack(">II", 0, 1)  # the time tag that means "now"


def message(address: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(address)
    for a in args:
        builder.add_arg(a)
    return builder.build().dgram


def bundle(messages: Sequence[bytes]) -> bytes:
    """`messages` as one datagram: the one message alone, several in a bundle timed "now"."""
    if len(messages) == 1:
        return messages[0]
    return b"#bundle\x00" + IMMEDIATELY + b"".join(struct.pack(">i", len(m)) + m for m in messages)
