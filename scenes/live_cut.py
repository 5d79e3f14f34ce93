"""Live cut: the countdown to a demo, then the cut as it happens.

A virtual x-ray blank turns on the left with the groove spiral growing on it, drawn from the
lathe's traced carriage radius (simulated or reported), the cutter head fixed above it; on the
right the performer and title, the lathe's state, the input level, the time left on the side.
When the cut is done and made into a disc, the screen lingers on it, then plays it.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Optional, Tuple

import pygame

from installation.core.states import DemoKind, LatheState
from installation.lathe.trace import GrooveTrace
from installation.screen.cut_disc import blank_art, film_on_lathe
from installation.screen.disc_art import DiscArt
from installation.screen.layout import live_cut_layout, typography
from installation.screen.palette import ACCENT, DIM, INK
from installation.screen.scene_base import Scene
from installation.screen.text import draw_text

FILM = (24, 33, 48)
GROOVE = (120, 150, 190)
LINGER_SECONDS = 20.0  # on "done" before the new disc plays (wall clock)
IDLE_LEAVE_SECONDS = 30.0  # no demo and no lathe work this long: back to attract

TEXT = {
    "live": {"ru": "Живая запись на рентгеновскую плёнку", "en": "Cutting live onto x-ray film"},
    "countdown": {"ru": "До начала", "en": "Starts in"},
    "left": {"ru": "Осталось на стороне", "en": "Left on the side"},
    "level": {"ru": "Уровень", "en": "Level"},
    "armed": {"ru": "Подтвердите у станка", "en": "Confirm at the lathe"},
    "new": {"ru": "Новая пластинка в коллекции — сейчас прозвучит",
            "en": "A new disc joins the collection: it plays next"},
}
STATES = {
    LatheState.IDLE: {"ru": "Станок ждёт исполнителя", "en": "The lathe is waiting"},
    LatheState.PREPARING: {"ru": "Подготовка: разгон и нагрев резца",
                           "en": "Preparing: spinning up, warming the stylus"},
    LatheState.READY: {"ru": "Готов к записи", "en": "Ready to cut"},
    LatheState.CUTTING: {"ru": "Идёт запись", "en": "Cutting"},
    LatheState.FINISHING: {"ru": "Завершение: резец поднят", "en": "Finishing: the cutter is lifted"},
    LatheState.DONE: {"ru": "Готово", "en": "Done"},
    LatheState.ABORTED: {"ru": "Запись отменена", "en": "The cut was called off"},
    LatheState.FAULT: {"ru": "Станок остановлен", "en": "The lathe has stopped"},
}
ON_THE_SIDE = (LatheState.READY, LatheState.CUTTING, LatheState.FINISHING)  # a side is being cut: its end shows


def clock(seconds: float) -> str:
    s = max(0, int(math.ceil(seconds)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class LiveCutScene(Scene):
    def enter(self, **_) -> None:
        self.kiosk.show.stop_sound()
        self._blank: Optional[pygame.Surface] = None
        self._on_film = False  # the blank drawn is the film (not the stand-in while it is drawn)
        self._blank_for = 0  # the disc's diameter it is drawn for (the film's picture is a little larger)
        self._blank_file = film_on_lathe(self.kiosk.cfg.content_dir)
        self._drawn = 0  # groove points already on the blank
        self._seen_disc = self.kiosk.collection.new_disc_id
        self._new_since: Optional[dt.datetime] = None  # wall-clock times (a rehearsal runs them fast)
        self._quiet_since: Optional[dt.datetime] = None

    @property
    def _new_disc(self) -> str:
        """A live cut made into a disc since this screen came on ("" for none yet)."""
        new = self.kiosk.collection.new_disc_id
        return new if new and new != self._seen_disc else ""

    def update(self, dt: float) -> None:
        k = self.kiosk
        now = k.programme.wall()
        if self._new_disc:
            self._new_since = self._new_since or now
            if (now - self._new_since).total_seconds() >= LINGER_SECONDS:
                self._seen_disc = self._new_disc
                k.show.switch("player", disc_id=self._seen_disc, hold=True)
            return
        self._quiet_since = None if k.programme.keeps_live_view() else (self._quiet_since or now)
        if self._quiet_since is not None and (now - self._quiet_since).total_seconds() >= IDLE_LEAVE_SECONDS:
            k.show.switch("attract")

    # -- drawing ---------------------------------------------------------------------------------
    def _grow_groove(self, size: int) -> None:
        """Draw the groove points cut since the last frame onto the blank (the film, once it is
        drawn beside the frames; a plain disc of film colour until then)."""
        lathe = self.kiosk.lathe
        film = self._film(size)
        if self._blank is None or self._blank_for != size or (film is not None and not self._on_film):
            self._on_film, self._blank_for = film is not None, size
            if film is not None:
                self._blank = film.surface.copy()
            else:
                self._blank = pygame.Surface((size, size), pygame.SRCALPHA)
                pygame.draw.circle(self._blank, FILM, (size // 2, size // 2), size // 2)
            self._drawn = 0
        if lathe is None:
            return
        trace: GrooveTrace = lathe.trace
        if len(trace) < self._drawn:  # a new cut began
            self._blank = None
            self._grow_groove(size)
            return
        points = trace.points(max(0, self._drawn - 1))
        if len(points) < 2:
            return
        points = GrooveTrace.dense(points)
        centre = (self._blank.get_width() / 2, self._blank.get_height() / 2)
        xy = GrooveTrace.to_xy(points, centre, self._px_per_mm(size)).tolist()
        for i in range(1, len(xy)):
            level = float(points[i, 2])
            color = tuple(min(255, int(c * (0.75 + 0.9 * level))) for c in GROOVE)
            pygame.draw.line(self._blank, color, xy[i - 1], xy[i], 1)
        self._drawn = len(trace)

    def _film(self, size: int) -> Optional[DiscArt]:
        blank, radius_mm = self._blank_file, self.kiosk.cfg.lathe.geometry.radius_mm
        return self.kiosk.stage.pictures.picture((f"live-cut blank {blank}", size),
                                                 lambda: blank_art(blank, radius_mm / 5.0, size))

    def _px_per_mm(self, size: int) -> float:
        """The blank, `size` px across, is the lathe's whole disc, rim included."""
        return size / 2 / self.kiosk.cfg.lathe.geometry.radius_mm

    def draw(self, surface: pygame.Surface) -> None:
        k = self.kiosk
        k.stage.clear()
        lay = live_cut_layout(surface.get_size(), k.cfg.display.dpi)
        self._draw_blank(surface, lay.blank_center, lay.blank_diameter)
        self._draw_words(surface, lay.words)

    def _draw_blank(self, surface: pygame.Surface, center: Tuple[int, int], size: int) -> None:
        """The blank turning, the circle where this side will end, the cutter head fixed above it."""
        lathe = self.kiosk.lathe
        view = lathe.view if lathe is not None else None
        self._grow_groove(size)
        assert self._blank is not None
        turns = lathe.trace.turns if lathe is not None else 0.0
        rotated = pygame.transform.rotate(self._blank, 360.0 * (turns % 1.0))  # the cut point stays under the head
        surface.blit(rotated, rotated.get_rect(center=center))
        if view is None:
            return
        scale = self._px_per_mm(size)
        if view.state in ON_THE_SIDE:
            end = self.kiosk.cfg.lathe.geometry.radius_at(view.side_seconds)
            pygame.draw.circle(surface, (70, 84, 104), center, int(end * scale), 1)
        if view.radius_mm is not None:
            head = (center[0], int(center[1] - view.radius_mm * scale))
            pygame.draw.line(surface, DIM, (center[0] + size // 2 + 20, head[1] - 40), head, 3)
            pygame.draw.circle(surface, ACCENT if view.state == LatheState.CUTTING else DIM, head, 6)

    def _draw_words(self, surface: pygame.Surface, box: pygame.Rect) -> None:
        """Right of the blank: the demo, the countdown, the lathe's state, level and time left."""
        k = self.kiosk
        langs = k.show.languages
        t = typography(surface.get_size(), k.cfg.display.dpi)
        big, mid, small = t.title, t.heading, t.small
        x, width = box.x, box.width
        y = draw_text(surface, TEXT["live"][langs[0]], box.topleft, mid, DIM, width=width)
        phase = k.programme.phase
        if phase is not None:
            demo = phase.occurrence.demo
            y = draw_text(surface, demo.title or "—", (x, y + small), big, INK, face="bold", width=width, max_lines=2)
            y = draw_text(surface, demo.performer, (x, y), mid, ACCENT, width=width, max_lines=1)
        y += mid
        if phase is not None and phase.kind == DemoKind.COUNTDOWN:
            y = draw_text(surface, " / ".join(TEXT["countdown"][lang] for lang in langs), (x, y), mid, DIM, width=width)
            y = draw_text(surface, clock(phase.seconds_to_start), (x, y), big * 2, INK, face="bold")
        if k.lathe is not None:
            self._draw_lathe(surface, k.lathe.view, pygame.Rect(x, y, width, box.bottom - y), (big, mid, small))

    def _draw_lathe(self, surface: pygame.Surface, view, box: pygame.Rect, sizes) -> None:
        big, mid, small = sizes
        x, y, width = box.x, box.y, box.width
        langs = self.kiosk.show.languages
        state = STATES[view.state]
        y = draw_text(surface, state[langs[0]], (x, y), big, ACCENT if view.state == LatheState.CUTTING else INK,
                      face="bold", width=width)
        if len(langs) > 1:
            y = draw_text(surface, state[langs[1]], (x, y), small, DIM, width=width)
        if view.state == LatheState.FAULT:
            y = draw_text(surface, view.reason, (x, y), small, DIM, width=width, max_lines=3)
        if view.armed:
            y = draw_text(surface, " / ".join(TEXT["armed"][lang] for lang in langs), (x, y + small), mid, ACCENT,
                          width=width)
        y += mid
        y = self._meter(surface, x, y, width, view.level, " / ".join(TEXT["level"][lang] for lang in langs), small)
        if view.state in ON_THE_SIDE:
            y = draw_text(surface, " / ".join(TEXT["left"][lang] for lang in langs), (x, y + small), small, DIM,
                          width=width)
            y = draw_text(surface, clock(view.seconds_left), (x, y), big, INK, face="bold")
        if self._new_disc:  # the cut is a disc of the collection now (the player shows it next)
            y = draw_text(surface, TEXT["new"][langs[0]], (x, y + mid), mid, ACCENT, width=width)
        if view.state in (LatheState.IDLE, LatheState.DONE, LatheState.ABORTED):
            return
        facts = [f"{view.rpm:.1f} rpm" if view.rpm is not None else "",
                 f"{view.stylus_c:.0f} °C" if view.stylus_c is not None else "",
                 f"r {view.radius_mm:.1f} mm" if view.radius_mm is not None else ""]
        if y + small + int(small * 1.25) <= box.bottom:  # (a short screen: the lathe's figures are the first to go)
            draw_text(surface, "  ·  ".join(f for f in facts if f), (x, y + small), small, DIM, width=width)

    def _meter(self, surface: pygame.Surface, x: int, y: int, width: int, level: float, label: str, size: int) -> int:
        y = draw_text(surface, label, (x, y), size, DIM, width=width)
        height = max(10, size)
        pygame.draw.rect(surface, (40, 46, 56), (x, y, width, height))
        db = 20 * math.log10(max(level, 1e-4))  # -80..0 dBFS shown over -48..0
        fill = max(0.0, min(1.0, (db + 48) / 48))
        color = (200, 80, 60) if level > 0.9 else ACCENT
        pygame.draw.rect(surface, color, (x, y, int(width * fill), height))
        return y + height
