"""The keyboard and the window as controls: the technician's chords (quit, overlay), the lathe
station's keys (confirm, e-stop: acted on at once, on this thread) and the window's close
button and size. What is not a control is a visitor's input, for the screen on."""
from __future__ import annotations

from typing import Optional

import pygame

from ..config.composed import Config
from ..core.commands import CommandBus, Quit, ShowOverlay
from ..core.keys import parse_chord
from ..lathe.station import LatheStation
from .stage import Stage


class Controls:
    def __init__(self, cfg: Config, bus: CommandBus, stage: Stage, lathe: Optional[LatheStation] = None):
        self.bus, self.stage, self.lathe = bus, stage, lathe
        self.quit_keys, self.lathe_keys = cfg.kiosk.quit_keys, (cfg.lathe.confirm_key, cfg.lathe.estop_key)
        self.quit, self.overlay = parse_chord(cfg.kiosk.quit_keys), parse_chord(cfg.kiosk.overlay_keys)
        self.confirm, self.estop = parse_chord(cfg.lathe.confirm_key), parse_chord(cfg.lathe.estop_key)

    def handle(self, event: pygame.event.Event) -> bool:
        """True when `event` was a control (and is done with)."""
        if event.type == pygame.QUIT:
            self.bus.post(Quit("window closed"))
        elif event.type == pygame.WINDOWSIZECHANGED:
            self.stage.follow((event.x, event.y))
        elif self.quit.matches(event):
            self.bus.post(Quit(f"quit keys {self.quit_keys}"))
        elif self.overlay.matches(event):
            self.bus.post(ShowOverlay())
        elif self.lathe is not None and self.estop.matches(event):
            self.lathe.request("estop", f"the e-stop key ({self.lathe_keys[1]})")
        elif self.lathe is not None and self.confirm.matches(event):
            self.lathe.request("confirm", f"the confirm key ({self.lathe_keys[0]})")
        else:
            return False
        return True
