"""Every datagram's structure checked with bounded work before python-osc parses it.

python-osc trusts a bundle's element sizes: a negative one (a 20-byte datagram) sends its
parser round the same bytes for ever; an element of no known kind, and an argument of a type it
does not read, each cost a warning in the log, per element and per argument. Here a bundle is
walked once, each step forward by at least one element's header, with its depth, its element
count and every size checked against what is there, and each message's type tags are read:
what passes cannot make python-osc loop or log.
"""
from __future__ import annotations

import struct
from typing import List, Optional

BUNDLE = b"#bundle\x00"
HEADER = len(BUNDLE) + 8  # the time tag
MAX_DEPTH = 4  # bundles within bundles
MAX_ELEMENTS = 256  # messages and bundles in one datagram, at every depth
TYPES = frozenset(b"ihfdsbrmtTFN[]")  # the argument types python-osc reads


def problem(data: bytes) -> Optional[str]:
    """Why `data` is no OSC packet python-osc may be handed; None when it is one."""
    if data.startswith(BUNDLE):
        return _bundle(data, 1, [0])
    if data[:1] == b"/":
        return _message(data)
    return "neither an OSC message nor a bundle"


def _message(data: bytes) -> Optional[str]:
    """A message's type tags, read as python-osc will (its own parse is bounded by the length)."""
    end = data.find(b"\x00")
    if end < 0:
        return "an address without its end"
    at = (end // 4 + 1) * 4
    if at >= len(data) or data[at:at + 1] != b",":
        return None  # no arguments, or not a type tag: python-osc refuses that itself
    tags_end = data.find(b"\x00", at)
    tags = data[at + 1:tags_end if tags_end >= 0 else len(data)]
    unknown = set(tags) - TYPES
    if unknown:
        return f"an argument of type {chr(min(unknown))!r}, which no address here takes"
    return None


def _bundle(data: bytes, depth: int, count: List[int]) -> Optional[str]:
    if depth > MAX_DEPTH:
        return f"bundles nested deeper than {MAX_DEPTH}"
    if len(data) < HEADER or len(data) % 4:
        return "a bundle cut short"
    at = HEADER
    while at < len(data):
        if at + 4 > len(data):
            return "a bundle element cut short"
        (size,) = struct.unpack_from(">i", data, at)
        at += 4
        if size <= 0 or size % 4 or at + size > len(data):
            return f"a bundle element of {size} bytes where {len(data) - at} remain"
        count[0] += 1
        if count[0] > MAX_ELEMENTS:
            return f"more than {MAX_ELEMENTS} elements"
        element = data[at:at + size]
        if element.startswith(BUNDLE):
            why = _bundle(element, depth + 1, count)
            if why is not None:
                return why
        elif element[:1] != b"/":
            return "a bundle element that is neither a message nor a bundle"
        else:
            why = _message(element)
            if why is not None:
                return why
        at += size
    return None
