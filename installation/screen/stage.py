"""The stage: where every frame is drawn, and what is sized from the screen. It holds the canvas
(SDL's renderer or a surface: canvas.py), the background, the pointer mapping and the disc
pictures, and follows the screen: a window that changes size (a TV replugged with another
mode, a screen turned to portrait), or a display found after starting without one."""
from __future__ import annotations

import logging
from typing import Optional, Tuple

import pygame

from ..content.library import Disc
from ..core.yamlconf import ConfigError
from ..show.collection import Collection
from .canvas import Canvas, SurfaceCanvas
from .disc_art import DiscArt
from .display import vignette
from .layout import attract_layout
from .palette import BACKGROUND
from .pictures import PictureCache
from .pointer import Pointer, PointerTracker
from .recovery import DisplayWatch

log = logging.getLogger(__name__)


class Stage:
    def __init__(self, canvas: Canvas, pictures: PictureCache, collection: Collection, dpi: float,
                 watch: Optional[DisplayWatch] = None):
        self.pictures, self.collection, self.dpi, self.display_watch = pictures, collection, dpi, watch
        self.use(canvas)

    def use(self, canvas: Canvas) -> None:
        """Draw on `canvas`: what is sized from the screen follows it."""
        self.canvas, self.surface = canvas, canvas.surface
        self.laid_out_for: Tuple[int, int] = self.surface.get_size()
        self.pointers = PointerTracker(self.laid_out_for)
        self.background = vignette(self.laid_out_for, BACKGROUND)

    # -- what scenes use ---------------------------------------------------------------------
    @property
    def size(self) -> Tuple[int, int]:
        return self.surface.get_size()

    @property
    def px_per_mm(self) -> float:
        return self.dpi / 25.4

    @property
    def disc_diameter(self) -> int:
        return attract_layout(self.size, self.dpi).disc_diameter

    def picture(self, width: int) -> Tuple[Tuple[int, int], bytes]:
        """What is on the screen, `width` px wide, as RGB rows (the GPU path reads it back first)."""
        frame = self.surface if isinstance(self.canvas, SurfaceCanvas) else self.canvas.snapshot()
        w, h = frame.get_size()
        size = (width, max(1, round(h * width / max(1, w))))
        return size, pygame.image.tobytes(pygame.transform.scale(frame, size), "RGB")

    def clear(self) -> None:
        """Start a frame: the background (under discs and words alike)."""
        self.canvas.clear(self.background)

    def disc_art(self, disc: Disc, diameter: Optional[int] = None) -> Optional[DiscArt]:
        """The drawn disc at `diameter` px (pictures.py). A scan that will not decode: None, one
        log line, and the disc leaves the show."""
        try:
            return self.pictures.get(disc, int(diameter or self.disc_diameter))
        except ConfigError as exc:
            self.collection.remove(disc.id, str(exc))
            return None

    def draw_disc(self, art: DiscArt, center: Tuple[float, float], turns: float, scale: float = 1.0) -> None:
        """A disc turned `turns` at `center`: rotated on the GPU where there is one."""
        self.canvas.disc(art, center, turns, scale)

    def pointer(self, event: pygame.event.Event, now: float) -> Optional[Pointer]:
        """Finger or mouse as one pointer (pointer.py): down, move, up; None otherwise."""
        return self.pointers.feed(event, now)

    # -- following the screen -----------------------------------------------------------------
    def present(self) -> None:
        self.canvas.present()

    def follow(self, size: Tuple[int, int]) -> None:
        """The window has a new size: lay the show out for it. The disc pictures of the old size
        go; the scenes lay out every frame."""
        if tuple(size) == self.laid_out_for or min(size) < 1:  # (pygame resizes its surface in place)
            return
        log.info("display: the window is now %dx%d (was %dx%d); the show follows", *size, *self.laid_out_for)
        self.pictures.clear()
        self.canvas.resize((size[0], size[1]))
        self.use(self.canvas)

    def watch(self, now: float) -> bool:
        """Headless by mistake: every few seconds look for a display; on one, move the show onto
        it (the disc pictures, textures of the old renderer, go first). True once it has moved."""
        watch = self.display_watch
        if watch is None or not watch.due(now):
            return False
        self.pictures.clear()
        self.canvas.close()
        self.use(watch.reopen())
        return not watch.waiting

    def describe(self) -> str:
        """The display as the console shows it: size, SDL's video driver, how it is drawn."""
        w, h = self.size
        driver = pygame.display.get_driver() if pygame.display.get_init() else "none"
        return f"{w}x{h} · {driver} · {self.canvas.name}"

    @staticmethod
    def headless() -> bool:
        return pygame.display.get_driver() in ("dummy", "offscreen") if pygame.display.get_init() else True
