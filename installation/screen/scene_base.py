"""The contract every screen in scenes/ follows (after Arcade's views), the events the main
loop gives them besides input, and the palette they share."""
from __future__ import annotations

from typing import Any, Optional, Protocol, Tuple

import pygame

from ..config.composed import Config
from .disc_art import DiscArt
from ..content.library import Disc, Library
from .pointer import Pointer
from ..sound.encoder import PlatterReading

TRACK_ENDED = pygame.event.custom_type()  # .disc_id: the side of that disc has played to its end

BACKGROUND = (9, 11, 16)
INK = (226, 232, 240)
DIM = (140, 154, 172)
ACCENT = (214, 170, 96)


class SceneHost(Protocol):
    """What a screen may use of the main loop (kiosk.py provides it)."""

    cfg: Config
    library: Library
    languages: Tuple[str, ...]  # the first is shown largest; the language button swaps them
    idle_seconds: float  # since the last visitor or performer input
    now: float  # seconds since start
    platter: Optional[PlatterReading]  # a real platter's encoder, or None
    engine: Any  # read-only use: position_seconds, playing_id
    background: pygame.Surface
    disc_diameter: int
    demo: Any  # schedule.DemoPhase or None: a demo counting down, on, or missed
    lathe: Any  # the lathe station (read-only: .view, .trace), or None
    new_disc_id: str  # the last live cut made into a disc

    def wall(self) -> Any: ...  # the wall clock (aware datetime); a rehearsal runs it fast

    def demo_active(self) -> bool: ...

    def switch(self, name: str, **params: Any) -> None: ...

    def play(self, disc: Disc) -> None: ...

    def stop_audio(self) -> None: ...

    @property
    def screen_size(self) -> Tuple[int, int]: ...

    @property
    def px_per_mm(self) -> float: ...

    def pointer(self, event: pygame.event.Event) -> Optional[Pointer]: ...

    def disc_art(self, disc: Disc, diameter: Optional[int] = None) -> Optional[DiscArt]: ...

    def clear(self, surface: pygame.Surface) -> None: ...

    def draw_disc(self, art: DiscArt, center: Tuple[float, float], turns: float, scale: float = 1.0) -> None: ...

    def toggle_language(self) -> None: ...

    def draw_round_button(self, surface: pygame.Surface, rect: pygame.Rect) -> None: ...

    def draw_language_button(self, surface: pygame.Surface, rect: Optional[pygame.Rect] = None) -> None: ...

    def on_language_button(self, pos: Tuple[float, float]) -> bool: ...


class Scene:
    def __init__(self, kiosk: SceneHost, name: str):
        self.kiosk = kiosk
        self.name = name  # its key in scenes.SCENES

    def enter(self, **params) -> None:
        """Become the visible screen; `params` come from whoever switched here."""

    def handle_event(self, event: pygame.event.Event) -> None:
        """Input (keys, pointer); `kiosk.pointer(event)` folds mouse and finger into one pointer."""

    def update(self, dt: float) -> None:
        """Advance by `dt` seconds; no drawing here."""

    def draw(self, surface: pygame.Surface) -> None:
        """Paint the whole frame."""

    def exit(self) -> None:
        """Leave: stop what this screen started."""
