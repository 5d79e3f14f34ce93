"""Carousel: every disc in a row; swipe to browse, tap one to open it in the player. The centre
disc's title is written under the row.

A swipe lands where the finger sent it, the same every time: at the release the row picks its
disc — where the finger left it, plus the glide its speed would carry it (speed x
FRICTION_SECONDS) — and eases there. The speed is the finger's over its last quarter second, so
touch events that come a few to a frame (they carry no time of their own) change it little."""
from __future__ import annotations

import math
from typing import Optional

import pygame

from installation.content.library import Disc
from installation.screen.layout import carousel_layout, typography
from installation.screen.palette import ACCENT, DIM, INK
from installation.screen.pointer import Press
from installation.screen.scene_base import Scene
from installation.screen.text import draw_text
from installation.screen.widgets import language_button

FRICTION_SECONDS = 0.35  # a flick glides on this many seconds' worth of its speed
SETTLE_SPEED = 2.0  # discs/s: slower than this, it settles on the nearest disc
SPRING = 8.0  # how briskly it eases onto its disc (1/s)
VELOCITY_WINDOW = 0.25  # seconds of finger movement that set the flick's speed
HELD_SECONDS = 0.1  # no move for this long before the lift: it was held still, not flicked
HINT = {"ru": "Листайте · коснитесь пластинки", "en": "Swipe · touch a disc to play it"}


class CarouselScene(Scene):
    def enter(self, disc_id: str = "", **_) -> None:
        self.kiosk.show.stop_sound()
        index = self.kiosk.collection.library.index_of(disc_id) if disc_id else 0
        self.offset = float(max(0, index))  # the disc at the centre, fractional while moving
        self.velocity = 0.0  # discs per second, as the finger left it
        self.target = int(self.offset)  # the disc it eases to
        self.press: Optional[Press] = None
        self._grab_offset = 0.0
        self._trail: list = []  # (time, x) of the finger, for the flick
        self.turns = 0.0

    @property
    def count(self) -> int:
        return len(self.kiosk.collection.library.discs)

    @property
    def index(self) -> int:
        return int(round(self.offset)) % max(1, self.count)

    @property
    def disc(self) -> Optional[Disc]:
        return self.kiosk.collection.library.discs[self.index] if self.count else None

    def _layout(self):
        return carousel_layout(self.kiosk.stage.size, self.kiosk.cfg.display.dpi)

    def handle_event(self, event: pygame.event.Event) -> None:
        k = self.kiosk
        p = k.stage.pointer(event, k.show.now)
        if p is None:
            if event.type == pygame.KEYDOWN and event.key in (pygame.K_RIGHT, pygame.K_LEFT):
                self.target = round(self.offset) + (1 if event.key == pygame.K_RIGHT else -1)
            elif event.type == pygame.KEYDOWN and event.key == pygame.K_RETURN and self.disc is not None:
                k.show.switch("player", disc_id=self.disc.id, came_from="carousel")
            return
        lay = self._layout()
        if p.kind == "down":
            self.press = Press(p, k.stage.px_per_mm)
            self._grab_offset, self.velocity = self.offset, 0.0
            self._trail = [(p.at, p.pos[0])]
        elif self.press is None:
            return
        elif p.kind == "move":
            self.press.move(p)
            self.offset = self._grab_offset - (p.pos[0] - self.press.start[0]) / lay.spacing
            self._track(p.at, p.pos[0])
        else:
            press, self.press = self.press, None
            if press.is_tap(p):
                self._tap(p.pos, lay)
                return
            if p.pos[0] != self._trail[-1][1]:  # the lift came with a last move
                self.offset = self._grab_offset - (p.pos[0] - press.start[0]) / lay.spacing
                self._track(p.at, p.pos[0])
            (t0, x0), (t1, x1) = self._trail[0], self._trail[-1]
            held = p.at - t1 > HELD_SECONDS  # it stopped before it let go: no flick
            self.velocity = 0.0 if held else -(x1 - x0) / lay.spacing / max(t1 - t0, 1 / 60)  # (one frame: fast)
            glide = self.velocity * FRICTION_SECONDS if abs(self.velocity) > SETTLE_SPEED else 0.0
            self.target = round(self.offset + glide)

    def _track(self, at: float, x: float) -> None:
        """Where the finger was at each frame over the last VELOCITY_WINDOW: the last of a
        frame's moves (all of them carry the frame's time)."""
        if self._trail and self._trail[-1][0] == at:
            self._trail[-1] = (at, x)
        else:
            self._trail.append((at, x))
        self._trail = [(t, x) for t, x in self._trail if at - t <= VELOCITY_WINDOW]

    def _tap(self, pos, lay) -> None:
        """The disc under the finger: the centre one opens, a neighbour comes to the centre."""
        for slot in range(-3, 4):
            x, y, d = self._slot(slot, lay)
            if math.dist(pos, (x, y)) <= d / 2:
                target = round(self.offset) + slot
                if slot == 0 and self.disc is not None:
                    self.kiosk.show.switch("player", disc_id=self.disc.id, came_from="carousel")
                else:
                    self.target = target
                return

    def update(self, dt: float) -> None:
        self.turns += dt * 0.15
        if self.press is None:  # easing onto its disc
            self.offset = self.target + (self.offset - self.target) * math.exp(-SPRING * dt)
            if abs(self.offset - self.target) < 1e-3:
                self.offset = float(self.target)
        if self.kiosk.show.idle_seconds >= self.kiosk.cfg.kiosk.idle_seconds:
            self.kiosk.show.switch("attract", disc_id=self.disc.id if self.disc else "")

    def _slot(self, slot: int, lay):
        """Centre and diameter of the disc `slot` places from the centre one."""
        frac = self.offset - round(self.offset)
        pos = slot - frac
        scale = max(0.45, 1.0 - 0.28 * abs(pos))
        x = lay.center[0] + pos * lay.spacing * (1.0 - 0.08 * abs(pos))
        return x, lay.center[1], lay.diameter * scale

    def draw(self, surface: pygame.Surface) -> None:
        k = self.kiosk
        k.stage.clear()
        lay = self._layout()
        t = typography(surface.get_size(), k.cfg.display.dpi)
        if not self.count:
            return
        slots = sorted(range(-3, 4), key=lambda s: -abs(s - (self.offset - round(self.offset))))
        for slot in slots:  # far ones first, the centre one on top
            x, y, d = self._slot(slot, lay)
            if x + d / 2 < 0 or x - d / 2 > surface.get_width():
                continue
            art = k.stage.disc_art(k.collection.library.discs[(round(self.offset) + slot) % self.count], lay.diameter)
            if art is not None:
                k.stage.draw_disc(art, (x, y), self.turns + slot * 0.13, scale=d / lay.diameter)
        disc = self.disc
        if disc is None:  # the last disc's scan would not decode: it has just left the show
            return
        langs = k.show.languages
        cap = lay.caption
        y = draw_text(surface, disc.info.title.get(langs[0]), (cap.centerx, cap.y), t.title, INK, face="bold",
                      anchor="midtop", width=cap.width, max_lines=1)
        line = f"{disc.info.artist.get(langs[0])} · {disc.info.city.get(langs[0])}, {disc.info.year}"
        y = draw_text(surface, line, (cap.centerx, y), t.body, DIM, anchor="midtop", width=cap.width, max_lines=1)
        draw_text(surface, HINT[langs[0]], (cap.centerx, y + t.small // 2), t.body, ACCENT, anchor="midtop",
                  width=cap.width, max_lines=1)
        language_button(surface, langs, k.cfg.display.dpi)
