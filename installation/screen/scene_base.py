"""The base every screen in scenes/ builds on (after Arcade's views), what a screen may use of
the kiosk (`SceneHost`, nothing else), and the events the main loop gives screens besides input."""
from __future__ import annotations

from typing import Any, Optional, Protocol

import pygame

from ..config.composed import Config
from ..content.library import Disc
from ..lathe.station import LatheStation
from ..show.collection import Collection
from ..show.programme import Programme
from ..show.show import Show
from ..sound.port import Sound
from ..sound.turntable import Turntable
from .stage import Stage

TRACK_ENDED = pygame.event.custom_type()  # .disc_id: the side of that disc has played to its end


class SceneHost(Protocol):
    """What a screen may use of the kiosk (app/kiosk.py provides it): the stage to draw on and
    point at, and the parts it reads or asks."""

    cfg: Config
    stage: Stage  # drawing, disc pictures, the pointer, the screen's size
    show: Show  # switching, languages, the idle timer, playing a disc
    collection: Collection  # the discs and stories; the last live cut made into a disc
    sound: Optional[Sound]  # where the stylus is; seek
    turntable: Turntable  # the platter's speed under a finger; a real platter's reading
    programme: Programme  # the demo on or coming, opening hours, the wall clock
    lathe: Optional[LatheStation]  # the live cut's view and groove (read only)


class Scene:
    def __init__(self, kiosk: SceneHost, name: str):
        self.kiosk = kiosk
        self.name = name  # its key in core/registry.py

    @property
    def disc(self) -> Optional[Disc]:
        """The disc this screen shows (the one a performer's /kiosk/play means), if any."""
        return None

    def enter(self, **params: Any) -> None:
        """Become the visible screen; `params` come from whoever switched here."""

    def handle_event(self, event: pygame.event.Event) -> None:
        """Input (keys, pointer); `kiosk.stage.pointer(event, now)` folds mouse and finger into one."""

    def update(self, dt: float) -> None:
        """Advance by `dt` seconds; no drawing here."""

    def draw(self, surface: pygame.Surface) -> None:
        """Paint the whole frame."""

    def exit(self) -> None:
        """Leave: stop what this screen started."""
