"""The touch controls every screen shares: the round button face, and the button that names the
other language (in the corner, or where a layout puts it)."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import pygame

from .layout import READ_CAP_MM, font_px, typography
from .palette import DIM, INK
from .text import draw_text


def round_button(surface: pygame.Surface, rect: pygame.Rect) -> None:
    """The round face every touch control shares; the caller draws its sign on it."""
    pygame.draw.circle(surface, (34, 40, 52), rect.center, rect.width // 2)
    pygame.draw.circle(surface, DIM, rect.center, rect.width // 2, 2)


def language_corner(size: Tuple[int, int], dpi: float) -> pygame.Rect:
    """Where the language button goes when a layout does not place it: the top right corner."""
    t = typography(size, dpi)
    margin = max(10, int(min(size) * 0.03))
    return pygame.Rect(size[0] - margin - t.target, margin, t.target, t.target)


def language_button(surface: pygame.Surface, languages: Sequence[str], dpi: float,
                    rect: Optional[pygame.Rect] = None) -> None:
    """The button naming the other language: in the corner (none with one language), or at `rect`."""
    if rect is None:
        if len(languages) < 2:
            return
        rect = language_corner(surface.get_size(), dpi)
    round_button(surface, rect)
    draw_text(surface, languages[-1 if len(languages) < 2 else 1].upper(), rect.center,
              max(font_px(READ_CAP_MM, dpi), int(rect.height * 0.36)), INK,
              face="bold", anchor="center")


def on_language_button(pos: Tuple[float, float], size: Tuple[int, int], dpi: float, languages: Sequence[str]) -> bool:
    rect = language_corner(size, dpi)
    return len(languages) > 1 and rect.inflate(rect.width // 4, rect.height // 4).collidepoint(pos)
