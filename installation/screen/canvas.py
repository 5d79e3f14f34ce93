"""Where a frame is drawn: through SDL2's renderer (the GPU where there is one), or on a plain
surface (the fallback, and the screenshot command).

A frame is three layers: the background, the discs, and everything else (words, controls,
the tonearm). Scenes draw the third layer on `canvas.surface` and hand each disc to
`canvas.disc(...)`. The surface canvas rotates discs on the CPU into the same surface. The
renderer canvas keeps each disc's picture as a texture (freed with the picture, so the
picture cache bounds textures too), turns it on the GPU, and lays the words over it as one
streamed texture: on a Raspberry Pi (KMS/DRM) or under X (OpenGL) the costly rotation and
blending leave the CPU. The choice is automatic (display.renderer: auto) and logged.
"""
from __future__ import annotations

import logging
import time
from typing import Any, List, Optional, Protocol, Tuple

import pygame

from . import turning
from .disc_art import SCALE_STEP, scale_step

log = logging.getLogger(__name__)

BLEND, ADD, MULTIPLY = 1, 2, 4  # SDL_BLENDMODE_BLEND, _ADD, _MOD


class Canvas(Protocol):
    name: str
    surface: pygame.Surface  # words, controls, the tonearm: everything but the background and discs

    def clear(self, background: pygame.Surface) -> None: ...
    def disc(self, art, center: Tuple[float, float], turns: float, scale: float = 1.0) -> None: ...
    def present(self) -> None: ...
    def resize(self, size: Tuple[int, int]) -> None: ...
    def snapshot(self) -> pygame.Surface: ...
    def close(self) -> None: ...


class SurfaceCanvas:
    """Everything on one surface, discs turned on the CPU: by the compiled loop straight into the
    frame (turning.py, loaded beside the frames after the first where there is a screen), or by
    pygame.transform (`turn="pygame"`, headless, and until the loop is ready): the same pixels."""

    name = "surface"

    def __init__(self, surface: pygame.Surface, turn: str = "compiled"):
        self.surface = surface
        self.compiled = turn == "compiled"
        self._warm = self.compiled  # after the first frame (numba's import must not delay it: 0.6 s)

    def clear(self, background: pygame.Surface) -> None:
        self.surface.blit(background, (0, 0))

    def disc(self, art, center, turns, scale=1.0) -> None:
        art.draw(self.surface, center, turns, scale, self.compiled)

    def present(self) -> None:
        pygame.display.flip()
        if self._warm:
            self._warm = False
            if pygame.display.get_driver() not in ("dummy", "offscreen"):  # a screen to look at (not a
                turning.warm_aside()  # lathe station's headless box: numba would cost it 110 MB for nothing)

    def resize(self, size: Tuple[int, int]) -> None:
        """The window changed size: pygame has already resized the display surface."""
        self.surface = pygame.display.get_surface() or self.surface

    def close(self) -> None:
        """Nothing of SDL's to free: the surface goes with the display."""

    def snapshot(self) -> pygame.Surface:
        return self.surface.copy()


class RendererCanvas:
    """SDL2's renderer: background and discs as textures, the words streamed on top."""

    name = "renderer"

    def __init__(self, window, renderer):
        self.window, self.renderer = window, renderer
        self._background: Optional[Tuple[pygame.Surface, Any]] = None  # (the surface, its texture)
        self._overlay: Any = None  # the words' streamed texture
        self._discs: List[tuple] = []
        self.resize(window.size)

    def resize(self, size: Tuple[int, int]) -> None:
        """The words' layer and its texture at the window's size (the renderer's output follows
        the window by itself)."""
        from pygame._sdl2.video import Texture

        self.surface = pygame.Surface(size, pygame.SRCALPHA, 32)
        self._overlay = Texture(self.renderer, size, streaming=True)
        self._overlay.blend_mode = BLEND

    def clear(self, background: pygame.Surface) -> None:
        from pygame._sdl2.video import Texture

        if self._background is None or self._background[0] is not background:
            self._background = (background, Texture.from_surface(self.renderer, background))
        self.surface.fill((0, 0, 0, 0))
        self._discs.clear()

    def disc(self, art, center, turns, scale=1.0) -> None:
        self._discs.append((art, center, turns, scale))

    def _textures(self, art):
        """The disc's picture, highlight and shadow as textures, made once and kept with the picture."""
        from pygame._sdl2.video import Texture

        textures = getattr(art, "textures", None)
        if textures is None or textures[0] is not self.renderer:
            disc = Texture.from_surface(self.renderer, art.surface)
            disc.blend_mode = BLEND
            sheen = Texture.from_surface(self.renderer, art.sheen)
            sheen.blend_mode = ADD
            shadow = Texture.from_surface(self.renderer, art.shadow)
            shadow.blend_mode = MULTIPLY
            textures = art.textures = (self.renderer, disc, sheen, shadow)
        return textures[1:]

    def present(self) -> None:
        r = self.renderer
        r.draw_color = (0, 0, 0, 255)
        r.clear()
        if self._background is not None:
            self._background[1].draw()
        for art, center, turns, scale in self._discs:
            disc, sheen, shadow = self._textures(art)
            side = art.surface.get_width() * min(1.0, scale_step(scale) * SCALE_STEP)
            rect = pygame.Rect(0, 0, round(side), round(side))
            rect.center = (round(center[0]), round(center[1]))
            offset = max(2, round(side) // 60)
            shadow.draw(dstrect=rect.move(offset, offset * 3 // 2))
            disc.draw(dstrect=rect, angle=360.0 * (turns % 1.0))  # SDL turns clockwise, as the platter does
            sheen.draw(dstrect=rect)
        self._overlay.update(self.surface)
        self._overlay.draw()
        r.present()

    def close(self) -> None:
        """Textures, then the renderer, then the window, in that order and at once: SDL objects
        left to the garbage collector after the video system restarts can take a new window
        down with them."""
        import gc

        self._overlay = self._background = None
        self._discs.clear()
        self.renderer = None
        self.window.destroy()
        gc.collect()

    def snapshot(self) -> pygame.Surface:
        """What the renderer shows (read back: slow; for tests and screenshots)."""
        self.present()
        return self.renderer.to_surface()


def open_renderer(size: Tuple[int, int], fullscreen: bool, title: str) -> RendererCanvas:
    from pygame._sdl2.video import Renderer, Window

    window = Window(title, size=size, fullscreen_desktop=fullscreen, resizable=True)  # see open_screen
    renderer = Renderer(window, accelerated=-1, vsync=False)  # -1: the GPU if SDL has one, else software
    canvas = RendererCanvas(window, renderer)
    log.info("display: SDL renderer (%s video), %dx%d", pygame.display.get_driver(), *window.size)
    return canvas


CALIBRATION_FRAMES = 12


def _test_pictures(size: Tuple[int, int]):
    """A frame's worth of work: a screen-sized background and a disc of 80 % of its height."""
    side = int(min(size) * 0.8)
    background = pygame.Surface(size)
    background.fill((9, 11, 16))
    disc = pygame.Surface((side, side), pygame.SRCALPHA, 32)
    pygame.draw.circle(disc, (90, 120, 160, 255), (side // 2, side // 2), side // 2)
    return background, disc


def time_renderer(canvas: RendererCanvas) -> float:
    """Milliseconds per frame of the renderer path on this machine (median)."""
    from pygame._sdl2.video import Texture

    background, disc = _test_pictures(canvas.window.size)
    bg = Texture.from_surface(canvas.renderer, background)
    tex = Texture.from_surface(canvas.renderer, disc)  # both freed on return, before the window goes
    rect = disc.get_rect(center=(canvas.window.size[0] // 2, canvas.window.size[1] // 2))
    times = []
    for i in range(CALIBRATION_FRAMES):
        start = time.perf_counter()
        canvas.renderer.clear()
        bg.draw()
        tex.draw(dstrect=rect.move(8, 12))  # as present() draws a disc: its shadow, the disc turned, its highlight
        tex.draw(dstrect=rect, angle=i * 3.0)
        tex.draw(dstrect=rect)
        canvas._overlay.update(canvas.surface)
        canvas._overlay.draw()
        canvas.renderer.present()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] * 1000


def time_surface(screen: pygame.Surface) -> float:
    """Milliseconds per frame of the surface path on this machine (median)."""
    background, disc = _test_pictures(screen.get_size())
    times = []
    for i in range(CALIBRATION_FRAMES):
        start = time.perf_counter()
        screen.blit(background, (0, 0))
        turned = pygame.transform.rotate(disc, i * 3.0)
        screen.blit(turned, turned.get_rect(center=screen.get_rect().center))
        pygame.display.flip()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] * 1000
