"""What `check` says about the screen the show will be on: `display.dpi` far from what the
screen itself reports (text and buttons would come out the wrong size), and scans too small to
fill the discs drawn on a screen of its size (they would look soft)."""
from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Iterable, List, Optional, Tuple

from ..config.composed import Config, DisplayConfig
from ..content.images import image_size
from ..content.library import Disc
from .disc_art import scan_side
from .layout import attract_layout, carousel_layout, player_layout

DEFAULT_DPI = next(f.default for f in fields(DisplayConfig) if f.name == "dpi")
NO_SCREEN_DRIVERS = ("dummy", "offscreen")  # SDL's stand-ins: their sizes are made up
DPI_TOLERANCE = 0.1  # within a tenth: 5 mm text is drawn within half a millimetre of 5 mm


@dataclass(frozen=True)
class Screen:
    """What SDL reports of the screen (None for what it does not know)."""

    size: Optional[Tuple[int, int]] = None
    dpi: Optional[float] = None


def reported_screen() -> Screen:
    """The desktop's size and its dpi from SDL (a monitor's EDID, through XRandR on X11): both
    None with no display, the dpi None where the monitor gives no physical size (Xvfb, many
    TVs and projectors)."""
    import os

    import pygame

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("SDL_VIDEODRIVER")):
        return Screen()  # over SSH, with no desktop to ask (and SDL would only complain of it)
    try:
        pygame.display.init()
        if pygame.display.get_driver() in NO_SCREEN_DRIVERS:
            return Screen()
        size = tuple(pygame.display.get_desktop_sizes()[0])
    except (pygame.error, IndexError):
        return Screen()
    return Screen((int(size[0]), int(size[1])), _sdl_dpi())


def _sdl_dpi() -> Optional[float]:
    """SDL_GetDisplayDPI of the first display, from the SDL library pygame loaded (pygame 2.6
    does not wrap it)."""
    sdl = _loaded_sdl()
    if sdl is None:
        return None
    diagonal, horizontal, vertical = ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if sdl.SDL_GetDisplayDPI(0, ctypes.byref(diagonal), ctypes.byref(horizontal), ctypes.byref(vertical)) != 0:
        return None
    return float(horizontal.value) if horizontal.value > 0 else None


def _loaded_sdl() -> Optional[ctypes.CDLL]:
    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return None
    for line in maps:
        path = line.split()[-1]
        name = Path(path).name
        if name.startswith("libSDL2-2") and ".so" in name:  # the wheel's libSDL2-2-1667c208.0.so…, Debian's -2.0.so.0
            return ctypes.CDLL(path)
    return None


def dpi_warnings(cfg: Config, screen: Screen) -> List[str]:
    dpi = cfg.display.dpi
    if screen.dpi is None or abs(screen.dpi - dpi) <= DPI_TOLERANCE * screen.dpi:
        return []
    w, h = screen.size or cfg.display.size
    inches = math.hypot(w, h) / screen.dpi
    left = " (the default)" if dpi == DEFAULT_DPI else ""
    return [f"{cfg.where('display.dpi')} is {dpi:g}{left}, but this screen says it has {screen.dpi:.0f} "
            f"(a {inches:.0f}\" screen at {w}x{h}): text and buttons come out {dpi / screen.dpi:.2f}x the size "
            f"meant; set display.dpi: {screen.dpi:.0f}"]


def scan_warnings(cfg: Config, discs: Iterable[Disc], screen: Screen) -> List[str]:
    """A scan whose short side is under what the largest disc drawn on this screen uses."""
    size = screen.size if screen.size is not None and cfg.display.fullscreen else cfg.display.size
    dpi = cfg.display.dpi
    drawn = max(player_layout(size, dpi).disc_diameter, attract_layout(size, dpi).disc_diameter,
                carousel_layout(size, dpi).diameter)
    needed = scan_side(drawn)
    out = []
    for disc in discs:
        try:
            w, h = image_size(disc.scan_path)
        except (ValueError, OSError):
            continue  # not a PNG or JPEG header to read (the library's own check said what it could)
        if min(w, h) < needed:
            out.append(f"{disc.scan_path}: {w}x{h} px is smaller than its disc is drawn on a {size[0]}x{size[1]} "
                       f"screen: it looks soft; it needs {needed} px on its short side")
    return out
