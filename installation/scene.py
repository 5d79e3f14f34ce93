"""The contract every screen in scenes/ follows (after Arcade's views), the events the main
loop gives them besides input, and the palette they share."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

if TYPE_CHECKING:
    from .kiosk import Kiosk

TRACK_ENDED = pygame.event.custom_type()  # .disc_id: the side of that disc has played to its end

BACKGROUND = (9, 11, 16)
INK = (226, 232, 240)
DIM = (140, 154, 172)
ACCENT = (214, 170, 96)


class Scene:
    def __init__(self, kiosk: "Kiosk", name: str):
        self.kiosk = kiosk
        self.name = name  # its key in scenes.SCENES

    def enter(self, **params) -> None:
        """Become the visible screen; `params` come from whoever switched here."""

    def handle_event(self, event: pygame.event.Event) -> None:
        """Input (taps, keys); `kiosk.is_tap(event)` folds mouse and finger into one."""

    def update(self, dt: float) -> None:
        """Advance by `dt` seconds; no drawing here."""

    def draw(self, surface: pygame.Surface) -> None:
        """Paint the whole frame."""

    def exit(self) -> None:
        """Leave: stop what this screen started."""
