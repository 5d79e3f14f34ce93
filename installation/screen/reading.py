"""A story longer than its column: shown in sheets that turn at a reading pace (a tap turns one
now), a dot for each under them. Text is never made smaller than it reads from two metres, so
this is where what does not fit goes."""
from __future__ import annotations

from typing import List, Tuple

import pygame

from .palette import ACCENT, DIM
from .text import Page, draw_page, page_words

READ_WORDS_PER_SECOND = 2.0  # slow enough for a visitor reading their second language
PAGE_PAUSE = 3.0  # seconds more on each sheet
Sheet = List[Tuple[Page, Tuple[int, int, int]]]  # what a column shows at once: pages, each in its colour


def _seconds(sheets: list[Sheet]) -> list[float]:
    return [sum(page_words(p) for p, _ in sheet) / READ_WORDS_PER_SECOND + PAGE_PAUSE for sheet in sheets]


class Reading:
    """The reading clock of one screen's story: which sheet each column shows."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._drawn: list[list[Sheet]] = []  # the columns' sheets as last drawn (a tap turns the first's)

    def advance(self, dt: float) -> None:
        self.seconds += dt
        self._drawn = []

    def index(self, sheets: list[Sheet]) -> int:
        left = self.seconds % sum(_seconds(sheets))
        for i, seconds in enumerate(_seconds(sheets)):
            if left < seconds:
                return i
            left -= seconds
        return 0

    def turn(self) -> None:
        """On to the next sheet (after the last, the first)."""
        if self._drawn and len(self._drawn[0]) > 1:
            sheets = self._drawn[0]
            self.seconds = sum(_seconds(sheets)[:(self.index(sheets) + 1) % len(sheets)])

    def draw(self, surface: pygame.Surface, room: pygame.Rect, sheets: list[Sheet], size: int, dot: int) -> None:
        """The sheet the clock is on, at the top of `room`; with more than one, a dot (radius
        `dot`) for each at its foot, this one filled."""
        self._drawn.append(sheets)
        now, y = self.index(sheets), room.y
        for page, color in sheets[now]:
            y = draw_page(surface, page, (room.x, y), size, color) + size
        for i in range(len(sheets) if len(sheets) > 1 else 0):
            at = (room.right - dot - (len(sheets) - 1 - i) * 4 * dot, room.bottom - 3 * dot)
            pygame.draw.circle(surface, ACCENT if i == now else DIM, at, dot, 0 if i == now else max(1, dot // 3))
