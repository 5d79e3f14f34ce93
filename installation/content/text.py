"""Fonts with Cyrillic glyphs (DejaVu, shipped in assets/fonts) and word-wrapped text."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import pygame

log = logging.getLogger(__name__)
FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FACES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


@lru_cache(maxsize=64)
def font(size: int, face: str = "regular") -> pygame.font.Font:
    if not pygame.font.get_init():
        pygame.font.init()
    path = FONT_DIR / FACES[face]
    try:
        return pygame.font.Font(str(path), size)
    except (OSError, FileNotFoundError, pygame.error) as exc:
        log.error("%s: cannot load font (%s); Cyrillic may show as boxes", path, exc)
        return pygame.font.Font(None, size)


def wrap(text: str, fnt: pygame.font.Font, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if fnt.size(candidate)[0] <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def draw_text(surface: pygame.Surface, text: str, pos: tuple[int, int], size: int, color, *,
              face: str = "regular", width: int = 0, line_gap: float = 1.25, anchor: str = "topleft",
              max_lines: int = 0) -> int:
    """Draw (wrapped to `width` if given); return the y just below the last line."""
    fnt = font(size, face)
    lines = wrap(text, fnt, width) if width else [text]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" .,") + "…"
    x, y = pos
    for line in lines:
        img = fnt.render(line, True, color)
        rect = img.get_rect(**{anchor: (x, y)})
        surface.blit(img, rect)
        y += int(size * line_gap)
    return y
