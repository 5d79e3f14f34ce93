"""A disc turned straight into the frame, in one compiled loop (the surface path's costliest step).

pygame.transform.rotate makes a new surface the size of the turned square (twice the disc's
area at 45 degrees), and the colour-keyed blit then reads all of it again: 3-4 ms of a 1080p
frame for the player's disc, the carousel's five discs half of its frame. `turn_into` maps the
same pixels the same way — pygame's own nearest-neighbour mapping, in its 16.16 fixed point,
from an angle rounded to a C float as pygame parses it — but visits only the pixels within the
film's reach of the spindle and writes them into the frame where they are not the key: no
surface made, nothing read twice. The frame is pixel for pixel the one pygame draws
(tests/test_disc_render.py).

numba compiles the loop once and caches it (`cache=True`). `warm_aside()` imports numba and loads
or compiles the loop on a thread of its own, so the first frame does not wait for it (0.4 s from
the cache, seconds on a new box); until it is ready, and without numba, or where the formats
differ (a 16-bit screen), pygame turns the disc: the same pixels, only slower. `display.turn:
pygame` asks for that always (the bench's baseline).
"""
from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any, Optional, Tuple

import numpy as np
import pygame

log = logging.getLogger(__name__)


def _turn(dst, src, key, rgb, isin, icos, ax, ay, nw, nh, left, top, clip, reach):  # pragma: no cover - compiled
    """Into dst[x, y] (the frame), from src[x, y] (the disc's keyed copy): the turned square of
    nw x nh at (left, top), as pygame.transform.rotate maps it, only where src's colour bits
    (`rgb`, as SDL compares a key) are not `key`'s, only within `reach` px of the centre and
    inside `clip` (x0, y0, x1, y1)."""
    w, h = src.shape[0], src.shape[1]
    mid = nh // 2
    xd, yd = (w - nw) << 15, (h - nh) << 15
    xmax, ymax = (w << 16) - 1, (h << 16) - 1
    step2 = (icos * icos + isin * isin) / 4294967296.0  # the squared length of one pixel's step in src
    for y in range(max(0, clip[1] - top), min(nh, clip[3] - top)):
        dx = ax + isin * (mid - y) + xd  # src's position at x = 0, 16.16 fixed point (pygame's)
        dy = ay - icos * (mid - y) + yd
        # the row's pixels within reach of src's centre: |p + x * step| <= reach, solved for x
        p, q = dx / 65536.0 - w / 2.0, dy / 65536.0 - h / 2.0
        b = 2.0 * (p * icos + q * isin) / 65536.0
        d = b * b - 4.0 * step2 * (p * p + q * q - reach * reach)
        if d < 0.0:
            continue
        root = math.sqrt(d)
        x0 = max(clip[0] - left, int(math.floor((-b - root) / (2.0 * step2))) - 1, 0)
        x1 = min(clip[2] - left, int(math.ceil((-b + root) / (2.0 * step2))) + 2, nw)
        for x in range(x0, x1):
            sx = dx + x * icos
            sy = dy + x * isin
            if sx < 0 or sy < 0 or sx > xmax or sy > ymax:
                continue
            v = src[sx >> 16, sy >> 16]
            if (v & rgb) != key:
                dst[left + x, top + y] = v


ARGUMENTS = "int64, int64, int64, int64, int64, int64, int64, int64, int64, int64, UniTuple(int64, 4), float64"
# pixels2d's arrays are x-major: a surface whose rows have no padding (the screen, a disc's keyed copy) is
# Fortran-contiguous, and the loop that knows it is a fifth faster (bench_frames); any other layout (a
# subsurface) takes the general one. Both are compiled at once, so no frame compiles.
SIGNATURES = [f"void(uint32[::1, :], uint32[::1, :], {ARGUMENTS})", f"void(uint32[:, :], uint32[:, :], {ARGUMENTS})"]
_compiled: Optional[Any] = None  # _turn compiled, once warm() has it
_warming = threading.Lock()


def turned_square(w: int, h: int, degrees: float) -> Tuple[int, int, int, int, int, int]:
    """pygame.transform.rotate's turned size and fixed-point steps for `degrees` counter-clockwise:
    (width, height, sin, cos, x0, y0), computed as pygame does (its angle is a C float)."""
    r = float(np.float32(degrees)) * 0.01745329251994329
    s, c = math.sin(r), math.cos(r)
    cx, cy, sx, sy = c * w, c * h, s * w, s * h
    nw = int(max(abs(cx + sy), abs(cx - sy), abs(-cx + sy), abs(-cx - sy)))
    nh = int(max(abs(sx + cy), abs(sx - cy), abs(-sx + cy), abs(-sx - cy)))
    return nw, nh, int(s * 65536), int(c * 65536), (nw << 15) - int(c * ((nw - 1) << 15)), \
        (nh << 15) - int(s * ((nw - 1) << 15))


def can_turn_into(target: pygame.Surface, keyed: pygame.Surface, degrees: float) -> bool:
    """The compiled loop is ready, and it maps these pixels as pygame would: `keyed` has its key,
    both surfaces are 32-bit, in one format, with no alpha, and the angle is not a multiple of 90
    degrees (those pygame turns by a copy of its own, transposed, not mapped)."""
    return (_compiled is not None and float(np.float32(degrees)) % 90.0 != 0.0
            and keyed.get_colorkey() is not None and target.get_bitsize() == 32 and keyed.get_bitsize() == 32
            and target.get_masks() == keyed.get_masks() and target.get_masks()[3] == 0)


def turn_into(target: pygame.Surface, keyed: pygame.Surface, degrees: float, center: Tuple[int, int],
              reach: float) -> pygame.Rect:
    """Draw `keyed` (opaque, its clear part its colour key) turned `degrees` counter-clockwise
    about `center`, as `target.blit(pygame.transform.rotate(keyed, degrees), ...)` would; the
    rect it covers. `reach`: px from the centre beyond which `keyed` is all key. Only where
    can_turn_into says it may."""
    key = keyed.get_colorkey()
    assert _compiled is not None and key is not None, "turn_into needs warm() and a keyed surface (can_turn_into)"
    w, h = keyed.get_size()
    nw, nh, isin, icos, ax, ay = turned_square(w, h, degrees)
    rect = pygame.Rect(0, 0, nw, nh)
    rect.center = center
    clip, rgb = target.get_clip(), sum(target.get_masks()[:3])
    _compiled(pygame.surfarray.pixels2d(target), pygame.surfarray.pixels2d(keyed), target.map_rgb(key) & rgb, rgb,
              isin, icos, ax, ay, nw, nh, rect.x, rect.y, (clip.x, clip.y, clip.right, clip.bottom), float(reach))
    return rect


def warm() -> Optional[float]:
    """Import numba and load or compile the loop now; the seconds it took, None without numba."""
    global _compiled
    with _warming:
        if _compiled is not None:
            return 0.0
        started = time.perf_counter()
        try:  # a wheel for x86-64 and aarch64 (the sound's compiled core needs it too)
            import numba
        except ImportError:
            log.warning("display: numba is not installed; pygame turns the discs (slower, the same picture)")
            return None
        _compiled = numba.njit(SIGNATURES, cache=True, nogil=True)(_turn)
        return time.perf_counter() - started


def warm_aside() -> None:
    """warm() on a thread of its own (once a process): the frames go on, pygame turning the discs."""
    def run() -> None:
        took = warm()
        if took:
            log.info("display: discs turned by the compiled loop from now (ready in %.2f s)", took)

    if _compiled is None and not _warming.locked():
        threading.Thread(target=run, name="turning-warm", daemon=True).start()
