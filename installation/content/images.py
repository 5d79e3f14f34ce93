"""A scan's size in pixels, read from its header before anything decodes it.

A PNG of 30000x30000 grey is 875 KB on disk and 3.6 GB once decoded: a scan is judged by the
pixels its header declares, and refused by name over `content.max_scan_megapixels`. PNG keeps
the size in IHDR, right after the signature; JPEG in its start-of-frame segment.
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Optional, Tuple

from ..core.files import open_regular

PNG = b"\x89PNG\r\n\x1a\n"
HEADER_BYTES = 1 << 16  # a JPEG's frame header comes after its metadata segments: this far at most
# JPEG markers that start a frame (and so carry its size): SOF0..SOF15 but DHT, JPG and DAC
SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(path: Path) -> Tuple[int, int]:
    """(width, height) from the header of a PNG or JPEG; ValueError when there is none to read."""
    with open_regular(path) as fh:
        head = fh.read(HEADER_BYTES)
    size = header_size(head, whole=True)
    assert size is not None
    return size


def header_size(head: bytes, whole: bool = False) -> Optional[Tuple[int, int]]:
    """(width, height) from a file's first bytes (up to HEADER_BYTES); None while more of them
    are needed (a scan still arriving), ValueError when they cannot hold a size. `whole`: that is
    all there is."""
    enough = whole or len(head) >= HEADER_BYTES
    if head.startswith(PNG):
        if len(head) < 24:
            return _more(enough, "a PNG without its IHDR header")
        if head[12:16] != b"IHDR":
            raise ValueError("a PNG without its IHDR header")
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(head[:HEADER_BYTES], enough)
    if len(head) < len(PNG) and (PNG.startswith(head) or b"\xff\xd8".startswith(head)):
        return _more(enough, "neither a PNG nor a JPEG")
    raise ValueError("neither a PNG nor a JPEG")


def _more(enough: bool, why: str) -> Optional[Tuple[int, int]]:
    """None: more bytes are needed; unless that was all of them."""
    if enough:
        raise ValueError(why)
    return None


def _jpeg_size(data: bytes, enough: bool) -> Optional[Tuple[int, int]]:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ValueError("a JPEG whose segments do not follow each other")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if marker in SOF:
            if at + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        if length < 2:
            raise ValueError("a JPEG segment of no length")
        at += 2 + length
    return _more(enough, f"a JPEG whose size is not in its first {HEADER_BYTES // 1024} KB")
