"""Player: one disc turning at its speed, its story beside it, its sound playing.

A tap (or →/←) changes the disc; when a side ends the next disc drops on; after
`idle_seconds` without a touch the kiosk goes back to attract, except while a disc the
performer started (`hold`) plays its side through.
"""
from __future__ import annotations

import pygame

from installation.content.text import draw_text
from installation.display.platter import Platter
from installation.scene import ACCENT, DIM, INK, TRACK_ENDED, Scene

LABELS = {"x-ray": {"ru": "Снимок", "en": "X-ray"}, "rpm": {"ru": "об/мин", "en": "rpm"}}


class PlayerScene(Scene):
    def enter(self, disc_id: str = "", hold: bool = False, **_) -> None:
        discs = self.kiosk.library.discs
        if not discs:
            self.kiosk.switch("attract")
            return
        self.hold = hold  # the performer's disc: the idle timer waits for the end of the side
        self.index = max(0, self.kiosk.library.index_of(disc_id))
        self.platter = Platter()
        self._load()

    @property
    def disc(self):
        discs = self.kiosk.library.discs
        return discs[self.index % len(discs)]

    def _load(self) -> None:
        self.elapsed = 0.0
        self.platter.turns = 0.0
        self.platter.speed = 0.0
        self.platter.start(self.disc.info.rpm)
        self.kiosk.play(self.disc)

    def change(self, step: int) -> None:
        self.hold = False
        self.index = (self.index + step) % len(self.kiosk.library.discs)
        self._load()

    def handle_event(self, event: pygame.event.Event) -> None:
        if self.kiosk.is_tap(event):
            self.change(+1)
        elif event.type == pygame.KEYDOWN and event.key in (pygame.K_RIGHT, pygame.K_LEFT):
            self.change(+1 if event.key == pygame.K_RIGHT else -1)
        elif event.type == TRACK_ENDED and event.disc_id == self.disc.id:
            self.change(+1)

    def update(self, dt: float) -> None:
        real = self.kiosk.platter
        if real is not None:  # a real platter: the disc on screen turns with it
            self.platter.turns = real.turns
            self.platter.speed = real.rev_per_s
            self.platter.rpm = self.disc.info.rpm
        else:
            self.platter.update(dt)
        self.elapsed += dt * self.platter.rate
        if not self.hold and self.kiosk.idle_seconds >= self.kiosk.cfg.kiosk.idle_seconds:
            self.kiosk.switch("attract", disc_id=self.disc.id)

    def exit(self) -> None:
        self.kiosk.stop_audio()

    def draw(self, surface: pygame.Surface) -> None:
        surface.blit(self.kiosk.background, (0, 0))
        w, h = surface.get_size()
        disc, info, langs = self.disc, self.disc.info, self.kiosk.languages
        art = self.kiosk.disc_art(disc)
        cx = min(w * 0.34, h * 0.5 + 20)
        if art is not None:
            art.draw(surface, (cx, h * 0.5), self.platter.turns)
        x = int(cx + self.kiosk.disc_diameter / 2 + w * 0.04)
        width = w - x - int(w * 0.04)
        big, mid, small = max(22, h // 20), max(15, h // 40), max(13, h // 52)
        y = int(h * 0.1)
        y = draw_text(surface, info.title.get(langs[0]), (x, y), big, INK, face="bold", width=width)
        if len(langs) > 1:
            y = draw_text(surface, info.title.get(langs[1]), (x, y), mid, DIM, width=width)
        y += mid // 2
        for lang in langs[:1]:
            y = draw_text(surface, info.artist.get(lang), (x, y), mid, ACCENT, width=width)
            y = draw_text(surface, f"{info.city.get(lang)}, {info.year} · {info.rpm:g} {LABELS['rpm'][lang]}", (x, y), small, DIM)
        parts = " / ".join(f"{LABELS['x-ray'][lang]}: {info.body_part.get(lang)}" for lang in langs)
        y = draw_text(surface, parts, (x, y), small, DIM, width=width) + mid
        for i, lang in enumerate(langs):
            y = draw_text(surface, info.caption.get(lang), (x, y), mid if i == 0 else small, INK if i == 0 else DIM,
                          width=width, max_lines=7) + small
        self._draw_progress(surface, x, int(h * 0.9), width)

    def _draw_progress(self, surface: pygame.Surface, x: int, y: int, width: int) -> None:
        total = max(0.1, self.disc.audio_seconds)
        engine = self.kiosk.engine
        pos = engine.position_seconds if engine is not None and engine.playing_id == self.disc.id else self.elapsed
        frac = min(1.0, pos / total)
        pygame.draw.rect(surface, (40, 46, 56), (x, y, width, 4))
        pygame.draw.rect(surface, ACCENT, (x, y, int(width * frac), 4))
        label = f"{int(pos) // 60}:{int(pos) % 60:02d} / {int(total) // 60}:{int(total) % 60:02d}"
        draw_text(surface, label, (x + width, y + 10), 14, DIM, anchor="topright")
