"""Attract: while nobody is there, discs turn slowly one after another with their titles, and
between them a short story about roentgenizdat (assets/stories.yaml). A touch anywhere
opens the carousel; the call to action never fades below readable."""
from __future__ import annotations

import math
from typing import Optional

import pygame

from installation.content.library import Disc, Text
from installation.screen.layout import attract_layout, typography
from installation.screen.palette import ACCENT, DIM, INK
from installation.screen.platter import Platter
from installation.screen.pointer import Press
from installation.screen.scene_base import Scene
from installation.screen.text import draw_text, fit_text
from installation.screen.widgets import language_button, on_language_button

HINT = {"ru": "Коснитесь экрана, чтобы выбрать пластинку", "en": "Touch the screen to choose a disc"}
EMPTY = {"ru": "Нет пластинок: добавьте папки в assets/discs", "en": "No discs: add folders to assets/discs"}
STORY = {"ru": "Из истории «музыки на костях»", "en": "From the history of bone music"}
STORY_EVERY = 2  # discs between stories
STORY_SECONDS = 14.0


class AttractScene(Scene):
    def enter(self, disc_id: str = "", **_) -> None:
        k = self.kiosk
        k.show.reset_languages()  # the next visitor starts in the show's own order
        self.index = max(0, k.collection.library.index_of(disc_id)) if disc_id else 0
        self.shown = 0.0  # seconds the current disc (or story) has been on
        self.story_index = 0
        self.story: Optional[Text] = None  # the story on screen instead of a disc, if any
        self.since_story = 0
        self.platter = Platter(rpm=k.cfg.kiosk.attract_rpm)
        self.platter.start(instant=True)
        self.press: Optional[Press] = None
        k.show.stop_sound()

    @property
    def disc(self) -> Optional[Disc]:
        discs = self.kiosk.collection.library.discs
        return discs[self.index % len(discs)] if discs else None

    def handle_event(self, event: pygame.event.Event) -> None:
        k = self.kiosk
        p = k.stage.pointer(event, k.show.now)
        if p is None:
            return
        if p.kind == "down":
            self.press = Press(p, k.stage.px_per_mm)
        elif p.kind == "up" and self.press is not None:
            self.press = None
            if on_language_button(p.pos, k.stage.size, k.cfg.display.dpi, k.show.languages):
                k.show.toggle_language()
            elif self.disc is not None:
                k.show.switch("carousel", disc_id=self.disc.id)

    def update(self, dt: float) -> None:
        self.platter.update(dt)
        self.shown += dt
        stories = self.kiosk.collection.library.stories
        if self.story is not None:
            if self.shown >= STORY_SECONDS:
                self.story, self.shown = None, 0.0
        elif self.shown >= self.kiosk.cfg.kiosk.attract_disc_seconds:
            self.shown = 0.0
            self.index += 1
            self.since_story += 1
            if stories and self.since_story >= STORY_EVERY:
                self.since_story = 0
                self.story = stories[self.story_index % len(stories)]
                self.story_index += 1

    def draw(self, surface: pygame.Surface) -> None:
        k = self.kiosk
        k.stage.clear()
        w, h = surface.get_size()
        lay = attract_layout((w, h), k.cfg.display.dpi)
        t = typography((w, h), k.cfg.display.dpi)
        langs = k.show.languages
        disc = self.disc
        if disc is None:
            for i, lang in enumerate(langs):
                draw_text(surface, EMPTY[lang], (w // 2, h // 2 + i * t.title * 2), t.heading if i == 0 else t.body,
                          INK if i == 0 else DIM, anchor="midtop", width=int(w * 0.9))
            return
        period = STORY_SECONDS if self.story is not None else k.cfg.kiosk.attract_disc_seconds
        fade = max(0.0, min(1.0, self.shown / 0.8, (period - self.shown) / 0.8))
        band = lay.band
        if self.story is not None:
            self._draw_story(surface, self.story, lay, t, fade)
        else:
            art = k.stage.disc_art(disc, lay.disc_diameter)
            if art is not None:
                k.stage.draw_disc(art, lay.disc_center, self.platter.turns)
            color = tuple(int(c * fade) for c in INK)
            y = draw_text(surface, disc.info.title.get(langs[0]), (w // 2, band.y), t.title, color, face="bold",
                          anchor="midtop", width=int(w * 0.94), max_lines=1)
            info = f"{disc.info.artist.get(langs[0])} · {disc.info.city.get(langs[0])}, {disc.info.year}"
            if len(langs) > 1 and disc.info.title.get(langs[1]) != disc.info.title.get(langs[0]):
                info = f"{disc.info.title.get(langs[1])}  ·  " + info
            draw_text(surface, info, (w // 2, y), t.body, tuple(int(c * fade) for c in DIM), anchor="midtop",
                      width=int(w * 0.94), max_lines=lay.lines)
        pulse = 0.82 + 0.18 * math.sin(k.show.now * 2.2)  # alive, never faint
        hint = HINT[langs[0]]
        draw_text(surface, hint, (w // 2, band.bottom - int(t.heading * (1.25 * lay.lines + 0.1))), t.heading,
                  tuple(int(c * pulse) for c in ACCENT), anchor="midtop", width=int(w * 0.94), max_lines=lay.lines)
        language_button(surface, langs, k.cfg.display.dpi)

    def _draw_story(self, surface: pygame.Surface, story: Text, lay, t, fade: float) -> None:
        w, h = surface.get_size()
        langs = self.kiosk.show.languages
        width = int(min(w * 0.84, t.body * 34))
        top = int(h * 0.12)
        box = pygame.Rect((w - width) // 2, top, width, lay.band.bottom - int(t.heading * 1.6) - top)
        y = draw_text(surface, STORY[langs[0]], (box.x, box.y), t.heading, tuple(int(c * fade) for c in ACCENT),
                      width=box.width, max_lines=1) + t.small
        main = pygame.Rect(box.x, y, box.width, int((box.bottom - y) * 0.62))
        fit_text(surface, story.get(langs[0]), main, t.title, tuple(int(c * fade) for c in INK), min_size=t.body)
        if len(langs) > 1:
            second = pygame.Rect(box.x, main.bottom + t.small, box.width, box.bottom - main.bottom - t.small)
            fit_text(surface, story.get(langs[1]), second, t.body, tuple(int(c * fade) for c in DIM),
                     min_size=t.small)
