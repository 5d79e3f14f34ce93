"""Fonts with Cyrillic glyphs (DejaVu, shipped in assets/fonts) and word-wrapped text."""
from __future__ import annotations

import logging
from collections import OrderedDict
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator, NamedTuple, Optional, Tuple

import pygame

log = logging.getLogger(__name__)
FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FACES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
PARAGRAPH_GAP = 0.45  # of the font size, between paragraphs


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


class Line(NamedTuple):
    """One line of text as drawn: where, what, at which font size and in which colour."""

    rect: pygame.Rect
    text: str
    size: int
    color: Tuple[int, ...]


_drawn: Optional[list[Line]] = None  # every line drawn, while someone records them


@contextmanager
def record_text() -> Iterator[list[Line]]:
    """Collect every line drawn inside the block (`screenshot --words`, the layout and
    legibility tests)."""
    global _drawn
    _drawn, old = [], _drawn
    try:
        yield _drawn
    finally:
        _drawn = old


@lru_cache(maxsize=128)  # asked every frame for the same words
def wrapped(text: str, size: int, face: str, width: int) -> Tuple[str, ...]:
    return tuple(wrap(text, font(size, face), width))


class LineCache:
    """Lines of words drawn once and kept, the least lately drawn let go past `budget` bytes: the
    same ones come back every frame (a title, a story's page), and drawing them anew was a tenth
    of the player's frame. A screenful of words at 1080p is 2-4 MB of lines."""

    def __init__(self, budget: int = 8 * 2 ** 20):
        self.budget, self.nbytes = budget, 0
        self._lines: "OrderedDict[tuple, pygame.Surface]" = OrderedDict()

    def get(self, line: str, size: int, face: str, color: Tuple[int, ...]) -> pygame.Surface:
        key = (line, size, face, color)
        img = self._lines.get(key)
        if img is not None:
            self._lines.move_to_end(key)
            return img
        img = self._lines[key] = font(size, face).render(line, True, color)
        self.nbytes += img.get_bytesize() * img.get_width() * img.get_height()
        while self.nbytes > self.budget and len(self._lines) > 1:
            old = self._lines.popitem(last=False)[1]
            self.nbytes -= old.get_bytesize() * old.get_width() * old.get_height()
        return img

    @property
    def megabytes(self) -> float:
        return self.nbytes / 2 ** 20


LINES = LineCache()  # (the main loop's: the screen is drawn on one thread)


def draw_text(surface: pygame.Surface, text: str, pos: tuple[int, int], size: int, color, *,
              face: str = "regular", width: int = 0, line_gap: float = 1.25, anchor: str = "topleft",
              max_lines: int = 0) -> int:
    """Draw (wrapped to `width` if given); return the y just below the last line."""
    lines = list(wrapped(text, size, face, width)) if width else [text]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" .,") + "…"
    x, y = pos
    for line in lines:
        img = LINES.get(line, size, face, tuple(color))
        rect = img.get_rect(**{anchor: (x, y)})
        surface.blit(img, rect)
        if _drawn is not None and line:
            _drawn.append(Line(rect, line, size, tuple(color)))
        y += int(size * line_gap)
    return y


def fitting_size(text: str, width: int, height: int, size: int, min_size: int, face: str = "regular",
                 line_gap: float = 1.25) -> Optional[int]:
    """The largest size from `size` down to `min_size` at which `text` fits whole in
    width x height; None if it does not fit even at `min_size`."""
    parts = text.split("\n")
    for s in range(size, min_size - 1, -1):
        step, gap = int(s * line_gap), int(s * PARAGRAPH_GAP)
        needed = sum(len(wrap(p, font(s, face), width)) for p in parts) * step + gap * (len(parts) - 1)
        if needed <= height:
            return s
    return None


def fit_text(surface: pygame.Surface, text: str, box: pygame.Rect, size: int, color, *, min_size: int = 10,
             face: str = "regular", line_gap: float = 1.25) -> int:
    """Draw `text` (paragraphs split by newlines) wrapped in `box` at the largest size from
    `size` down to `min_size` at which it fits; at `min_size` what does not fit ends in an
    ellipsis. Returns the y below it."""
    parts = text.split("\n")
    s = fitting_size(text, box.width, box.height, size, min_size, face, line_gap) or min_size
    step, gap = int(s * line_gap), int(s * PARAGRAPH_GAP)
    y, bottom = box.y, box.bottom
    for part in parts:
        most = (bottom - y) // step
        if most <= 0:
            break
        y = draw_text(surface, part, (box.x, y), s, color, face=face, width=box.width, line_gap=line_gap,
                      max_lines=most) + gap
    return y - gap


Page = list[Tuple[str, int]]  # lines, each with the gap above it (a paragraph's start)


@lru_cache(maxsize=32)  # asked every frame for the same story
def text_pages(text: str, width: int, height: int, size: int, face: str = "regular",
               line_gap: float = 1.25) -> list[Page]:
    """`text` (paragraphs split by newlines) wrapped to `width` at `size`, in pages of `height`:
    text is never made smaller than a visitor can read, so a long story turns pages instead."""
    step, gap = int(size * line_gap), int(size * PARAGRAPH_GAP)
    pages: list[Page] = []
    page: Page = []
    y = 0
    for part in text.split("\n"):
        for j, line in enumerate(wrap(part, font(size, face), width)):
            lead = gap if j == 0 and page else 0
            if page and y + lead + step > height:
                pages.append(page)
                page, y, lead = [], 0, 0
            page.append((line, lead))
            y += lead + step
    return pages + [page]


def page_height(page: Page, size: int, line_gap: float = 1.25) -> int:
    return sum(lead + int(size * line_gap) for _, lead in page)


def page_words(page: Page) -> int:
    return sum(len(line.split()) for line, _ in page)


def draw_page(surface: pygame.Surface, page: Page, pos: tuple[int, int], size: int, color, *,
              face: str = "regular", line_gap: float = 1.25) -> int:
    """Draw one of `text_pages`; return the y below it."""
    x, y = pos
    for line, lead in page:
        y = draw_text(surface, line, (x, y + lead), size, color, face=face, line_gap=line_gap)
    return y
