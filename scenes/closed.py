"""Closed: outside opening hours the screen is dark, or shows a quiet card with the next
opening; no sound. OSC still answers, and the kiosk opens again from the clock alone."""
from __future__ import annotations

import pygame

from installation.screen.layout import typography
from installation.screen.palette import DIM, INK
from installation.screen.scene_base import Scene
from installation.screen.text import draw_text

CLOSED = {"ru": "Выставка закрыта", "en": "The exhibition is closed"}
OPENS = {"ru": "Откроется", "en": "Opens"}
DAYS = {"ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


class ClosedScene(Scene):
    def enter(self, **_) -> None:
        self.kiosk.show.stop_sound()

    def draw(self, surface: pygame.Surface) -> None:
        k = self.kiosk
        surface.fill((0, 0, 0))
        if not k.cfg.opening_hours.closed_card:
            return
        w, h = surface.get_size()
        t = typography((w, h), k.cfg.display.dpi)
        y = h // 2 - t.title
        opening = k.programme.hours.next_opening(k.programme.wall())
        langs = k.show.languages
        for i, lang in enumerate(langs):
            y = draw_text(surface, CLOSED[lang], (w // 2, y), t.title if i == 0 else t.body, INK if i == 0 else DIM,
                          face="bold" if i == 0 else "regular", anchor="midtop")
        if opening is not None:
            when = " / ".join(f"{OPENS[lang]}: {DAYS[lang][opening.weekday()]} {opening:%d.%m %H:%M}"
                              for lang in langs)
            draw_text(surface, when, (w // 2, y + t.small), t.small, DIM, anchor="midtop", width=int(w * 0.9))
