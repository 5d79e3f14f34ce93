"""One pointer, whatever the hardware: a finger, or the mouse, turned into down / move / up.

A touch screen sends FINGER events and SDL also makes mouse clicks of them (and, with
SDL_MOUSE_TOUCH_EVENTS=1, finger events of mouse clicks): the first of a pair to arrive owns
the gesture and its twin is ignored. Only one finger counts at a time, so a second hand or a
palm on the glass does not move anything. A gesture whose finger vanished without an UP
(the touch screen was unplugged, SDL re-enumerated its devices) is dropped after a second of
silence, so the next touch works again.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import pygame

STALE_SECONDS = 1.0
TAP_MM = 4.0  # a press that moves less than this...
TAP_SECONDS = 0.45  # ... and lifts within this is a tap


@dataclass(frozen=True)
class Pointer:
    kind: str  # "down", "move", "up"
    pos: Tuple[float, float]  # pixels
    at: float  # the scene clock (kiosk.now)


class PointerTracker:
    def __init__(self, size: Tuple[int, int]):
        self.size = size
        self._owner: Optional[Tuple[str, int]] = None  # ("finger", id) or ("mouse", 0)
        self._last = -1e9

    def feed(self, event: pygame.event.Event, now: float) -> Optional[Pointer]:
        if self._owner is not None and now - self._last > STALE_SECONDS and event.type in (
                pygame.FINGERDOWN, pygame.MOUSEBUTTONDOWN):
            self._owner = None  # its finger vanished without lifting
        kind, owner, pos = self._classify(event)
        if kind is None:
            return None
        if kind == "down":
            if self._owner is not None:
                return None  # a second finger, or the twin of this press
            self._owner = owner
        elif owner != self._owner:
            return None
        elif kind == "up":
            self._owner = None
        self._last = now
        return Pointer(kind, pos, now)

    @property
    def active(self) -> bool:
        return self._owner is not None

    def reset(self) -> None:
        self._owner = None

    def _classify(self, event):
        t = event.type
        w, h = self.size
        if t in (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP):
            kind = {pygame.FINGERDOWN: "down", pygame.FINGERMOTION: "move", pygame.FINGERUP: "up"}[t]
            return kind, ("finger", getattr(event, "finger_id", 0)), (event.x * w, event.y * h)
        if getattr(event, "touch", False):
            return None, None, None  # SDL's mouse copy of a touch: the finger events count
        if t == pygame.MOUSEBUTTONDOWN and event.button == 1:
            return "down", ("mouse", 0), event.pos
        if t == pygame.MOUSEBUTTONUP and event.button == 1:
            return "up", ("mouse", 0), event.pos
        if t == pygame.MOUSEMOTION and event.buttons and event.buttons[0]:
            return "move", ("mouse", 0), event.pos
        return None, None, None


class Press:
    """A press from down to up: where it began, how far it went, whether it was a tap."""

    def __init__(self, down: Pointer, px_per_mm: float):
        self.start = self.pos = down.pos
        self.began = self.at = down.at
        self.px_per_mm = px_per_mm
        self.travel = 0.0  # the furthest it went from the start, px
        self.on_disc = False  # it began on the disc (the player's turntable)

    def move(self, p: Pointer) -> None:
        self.pos, self.at = p.pos, p.at
        self.travel = max(self.travel, math.dist(self.start, p.pos))

    def is_tap(self, up: Pointer) -> bool:
        self.move(up)
        return self.travel < TAP_MM * self.px_per_mm and up.at - self.began < TAP_SECONDS
