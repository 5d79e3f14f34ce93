"""Opening the screen: full-screen on the gallery box, a window for the technician,
and SDL's dummy driver when there is no display at all (audio and control keep working)."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Tuple

import numpy as np
import pygame

from ..config.composed import DisplayConfig

if TYPE_CHECKING:
    from .canvas import Canvas

log = logging.getLogger(__name__)
TITLE = "Музыка на костях · Bone Music"


@dataclass
class _Fallback:
    on: bool = False  # headless because no display answered
    requested: Optional[str] = None  # the driver asked for at first


_fallback = _Fallback()


# The surface path presents its frame through the driver's own framebuffer (X11: shared memory),
# not through an OpenGL texture SDL may choose instead: on Mesa's software OpenGL that texture
# costs 10 ms a 1080p frame, whatever was drawn (0.1 to 1 ms natively; bench/bench_frames.py).
# A driver with no framebuffer of its own (KMS/DRM) uses the texture anyway; a GPU's speed is
# the renderer path's (display.renderer). A technician's own setting of the hint wins.
FRAMEBUFFER_HINT = "SDL_FRAMEBUFFER_ACCELERATION"


def init_video() -> bool:
    """Initialise SDL video; fall back to the dummy driver. Returns True when headless."""
    if pygame.display.get_init():  # already up (open_canvas, then open_screen): as it is
        return pygame.display.get_driver() in ("dummy", "offscreen")
    os.environ.setdefault(FRAMEBUFFER_HINT, "0")
    retrying = _fallback.on
    if retrying:  # another look for the display: ask for what was asked for at first
        _restore_driver(_fallback.requested)
    requested = os.environ.get("SDL_VIDEODRIVER")
    _fallback.on = False
    if requested in ("dummy", "offscreen"):
        pygame.display.init()
        return True
    try:
        pygame.display.init()
        if requested or pygame.display.get_driver() != "offscreen":
            return False
        reason = "SDL found no screen and chose its offscreen driver"
    except pygame.error as exc:
        reason = str(exc)
    log.log(logging.DEBUG if retrying else logging.WARNING,  # screen/recovery.py says the rest
            "no display (%s): running headless with SDL's dummy video driver", reason)
    pygame.display.quit()
    _fallback.on, _fallback.requested = True, requested
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    pygame.display.init()
    return True


def fell_back() -> bool:
    """Headless because no display answered (not because dummy was asked for)."""
    return _fallback.on


def _restore_driver(requested: Optional[str]) -> None:
    if requested is None:
        os.environ.pop("SDL_VIDEODRIVER", None)
    else:
        os.environ["SDL_VIDEODRIVER"] = requested


def reopen_canvas(cfg: DisplayConfig, windowed: bool = False) -> "Canvas":
    """SDL's video off and on again, looking for a display afresh (screen/recovery.py)."""
    pygame.display.quit()
    return open_canvas(cfg, windowed)


def open_screen(cfg: DisplayConfig, windowed: bool = False, size: Optional[Tuple[int, int]] = None) -> pygame.Surface:
    headless = init_video()
    pygame.display.set_caption(TITLE)
    # RESIZABLE: when the window's size changes (a TV replugged with another mode, the screen
    # turned to portrait, a technician dragging the window), pygame resizes this surface in place
    if size is None and cfg.fullscreen and not windowed and not headless:
        screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN | pygame.RESIZABLE)
    else:
        screen = pygame.display.set_mode(size or cfg.size, pygame.RESIZABLE)
    if cfg.hide_mouse and cfg.fullscreen and not windowed:
        pygame.mouse.set_visible(False)
    return screen


def open_canvas(cfg: DisplayConfig, windowed: bool = False) -> "Canvas":
    """The screen as a canvas: SDL's renderer or a plain surface (display.renderer). `auto`
    times both on this machine at start (a second) and keeps the faster: a real GPU (a Pi's
    KMS/DRM, a desktop's OpenGL) wins by far, a software OpenGL (Mesa's llvmpipe) does not.
    Which one, and the figures, go in the log."""
    from .canvas import SurfaceCanvas, open_renderer, time_renderer, time_surface

    headless = init_video()
    pygame.display.set_allow_screensaver(False)  # SDL's default, said out loud: no blanking while the show is on
    fullscreen = cfg.fullscreen and not windowed and not headless
    choice = cfg.renderer
    if choice == "auto" and headless:
        choice = "surface"  # nothing to accelerate
    size: Tuple[int, int] = pygame.display.get_desktop_sizes()[0] if fullscreen else cfg.size
    if choice != "surface":
        try:
            canvas = open_renderer(size, fullscreen, TITLE)
            if choice == "auto":
                gpu = time_renderer(canvas)
                canvas.close()  # its textures, renderer and window, now (not by the garbage collector)
                del canvas
                cpu = time_surface(open_screen(cfg, windowed))
                log.info("display: a frame costs %.1f ms through SDL's renderer, %.1f ms on a surface", gpu, cpu)
                if cpu <= gpu:
                    return _surface(SurfaceCanvas(pygame.display.get_surface(), cfg.turn), cfg, windowed, headless)
                _restart_video()  # set_mode's window gives way to the renderer's
                canvas = open_renderer(size, fullscreen, TITLE)
            if cfg.hide_mouse and fullscreen:
                pygame.mouse.set_visible(False)
            return canvas
        except Exception as exc:  # no renderer on this driver, or no GL: the surface path draws the same
            log.warning("display: SDL's renderer is not available (%s); drawing on a surface instead", exc)
    return _surface(SurfaceCanvas(open_screen(cfg, windowed), cfg.turn), cfg, windowed, headless)


def _restart_video() -> None:
    """Video off and on again, on the driver that worked (under load a re-probe can fail over
    to SDL's offscreen driver and leave the screen dark)."""
    driver = pygame.display.get_driver()
    pygame.display.quit()
    os.environ["SDL_VIDEODRIVER"] = driver
    init_video()


def _surface(canvas: "Canvas", cfg: DisplayConfig, windowed: bool, headless: bool) -> "Canvas":
    log.info("display: surface drawing%s, %dx%d", " (headless)" if headless else "", *canvas.surface.get_size())
    return canvas


def vignette(size: Tuple[int, int], color: Tuple[int, int, int]) -> pygame.Surface:
    """The background: `color`, a little brighter in the middle, like a lightbox."""
    w, h = size
    xs, ys = np.mgrid[0:w, 0:h].astype(np.float32)  # surfarray layout [x, y]
    r = np.hypot((xs - w / 2) / w, (ys - h / 2) / h) * 1.4
    shade = np.clip(1.0 - 0.55 * r * r, 0, 1)[..., None] * np.array(color, np.float32) * 1.6
    surface = pygame.Surface(size)
    pygame.surfarray.blit_array(surface, np.clip(shade, 0, 255).astype(np.uint8))
    return surface
