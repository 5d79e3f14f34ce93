"""Attract: while nobody interacts, discs turn slowly one after another with their titles."""
from __future__ import annotations

import math

import pygame

from installation.content.text import draw_text
from installation.display.platter import Platter
from installation.scene import ACCENT, DIM, INK, Scene

HINT = {"ru": "Коснитесь экрана, чтобы послушать", "en": "Touch the screen to listen"}
EMPTY = {"ru": "Нет пластинок: добавьте папки в assets/discs", "en": "No discs: add folders to assets/discs"}


class AttractScene(Scene):
    def enter(self, disc_id: str = "", **_) -> None:
        self.index = max(0, self.kiosk.library.index_of(disc_id)) if disc_id else 0
        self.shown = 0.0  # seconds the current disc has been on
        self.platter = Platter(rpm=self.kiosk.cfg.kiosk.attract_rpm)
        self.platter.start(instant=True)
        self.kiosk.stop_audio()

    @property
    def disc(self):
        discs = self.kiosk.library.discs
        return discs[self.index % len(discs)] if discs else None

    def handle_event(self, event: pygame.event.Event) -> None:
        if self.kiosk.is_tap(event) and self.disc is not None:
            self.kiosk.switch("player", disc_id=self.disc.id)

    def update(self, dt: float) -> None:
        self.platter.update(dt)
        self.shown += dt
        if self.shown >= self.kiosk.cfg.kiosk.attract_disc_seconds:
            self.shown = 0.0
            self.index += 1

    def draw(self, surface: pygame.Surface) -> None:
        surface.blit(self.kiosk.background, (0, 0))
        w, h = surface.get_size()
        langs = self.kiosk.languages
        disc = self.disc
        if disc is None:
            for i, lang in enumerate(langs):
                draw_text(surface, EMPTY[lang], (w // 2, h // 2 + i * 40), 28 if i == 0 else 20, INK if i == 0 else DIM,
                          anchor="midtop")
            return
        art = self.kiosk.disc_art(disc)
        if art is not None:
            art.draw(surface, (w * 0.5, h * 0.46), self.platter.turns)
        # titles on a band across the lower part, fading in and out with each disc
        period = self.kiosk.cfg.kiosk.attract_disc_seconds
        fade = min(1.0, self.shown / 0.8, (period - self.shown) / 0.8)
        band = pygame.Surface((w, int(h * 0.2)), pygame.SRCALPHA)
        band.fill((6, 8, 12, int(190 * fade)))
        surface.blit(band, (0, int(h * 0.8)))
        color = tuple(int(c * fade) for c in INK)
        y = draw_text(surface, disc.info.title.get(langs[0]), (w // 2, int(h * 0.815)), max(22, h // 22), color,
                      face="bold", anchor="midtop")
        info = f"{disc.info.artist.get(langs[0])} · {disc.info.city.get(langs[0])}, {disc.info.year}"
        if len(langs) > 1:
            info = f"{disc.info.title.get(langs[1])}  ·  " + info
        draw_text(surface, info, (w // 2, y), max(14, h // 44), tuple(int(c * fade) for c in DIM), anchor="midtop")
        pulse = 0.55 + 0.45 * math.sin(self.kiosk.now * 2.2)
        hint = "  ·  ".join(HINT[lang] for lang in langs)
        draw_text(surface, hint, (w // 2, int(h * 0.955)), max(13, h // 50),
                  tuple(int(c * pulse) for c in ACCENT), anchor="midtop")
