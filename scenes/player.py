"""Player: one disc on a turntable under the visitor's finger, its story beside it.

The finger holds the platter: while it is down the disc's angle is the finger's angle round
the spindle, and the groove follows that angle (one turn of the finger is 60/rpm seconds of
the side, forwards or back, however fast the touch screen's events come; held still: silence;
backwards: a scratch). Let go and the motor brings it back to speed as the sound's own motor
model does, so the picture never disagrees with the sound. A tonearm rides the spiral inward as the side
plays; a tap on the grooves drops the needle there. Controls: back to the carousel, pause
(the motor coasts down), language. When a side ends the next disc drops on; after
`idle_seconds` without a touch the kiosk goes back to attract, except while a disc the
performer started (`hold`) plays its side through.
"""
from __future__ import annotations

import math
from collections import deque
from typing import Deque, Optional, Tuple

import pygame

from installation.content.library import Disc
from installation.screen.layout import player_layout, typography
from installation.screen.palette import ACCENT, DIM, INK
from installation.screen.platter import Platter
from installation.screen.pointer import Press
from installation.screen.reading import Reading, Sheet
from installation.screen.scene_base import TRACK_ENDED, Scene
from installation.screen.text import Page, draw_text, font, page_height, text_pages, wrap
from installation.screen.widgets import language_button, round_button
from installation.sound.port import Seek
from installation.sound.settings import for_disc, groove_radius_mm

LABELS = {"x-ray": {"ru": "Снимок", "en": "X-ray"}, "rpm": {"ru": "об/мин", "en": "rpm"}}
HINT = {"ru": "Крутите пластинку пальцем · коснитесь дорожки, чтобы опустить иглу",
        "en": "Spin the disc with your finger · touch a groove to drop the needle"}
HINT_SECONDS = 9.0
FLING_SECONDS = 0.1  # let go: the platter keeps the speed the finger had over this much time
DRAG_DEGREES = 4.0  # a press that turns the disc further than this is a drag, not a tap
SWIPE_BACK = 0.18  # a swipe right across this share of the screen, off the disc: back


def _pages(story: str, room: pygame.Rect, t) -> list[Page]:
    pages = text_pages(story, room.width, room.height, t.body)
    if len(pages) > 1:  # room under them for their dots
        pages = text_pages(story, room.width, room.height - int(t.small * 1.25), t.body)
    return pages


def _sheets(stories: list[str], room: pygame.Rect, t) -> list[Sheet]:
    """What one column shows in turn: the story, and under it the other language's, dimmer but
    as large (read from as far); where both do not fit, one after the other in pages."""
    first = _pages(stories[0], room, t)
    if len(stories) < 2:
        return [[(p, INK)] for p in first]
    if len(first) == 1:
        below = room.height - page_height(first[0], t.body) - t.body
        second = text_pages(stories[1], room.width, below, t.body)
        if len(second) == 1:
            return [[(first[0], INK), (second[0], DIM)]]
    height = room.height - int(t.small * 1.25)  # room under them for their dots
    return [[(p, color)] for story, color in zip(stories, (INK, DIM))
            for p in text_pages(story, room.width, height, t.body)]


def _unwrap(delta: float) -> float:
    return (delta + math.pi) % (2 * math.pi) - math.pi


class PlayerScene(Scene):
    def enter(self, disc_id: str = "", hold: bool = False, came_from: str = "attract", **_) -> None:
        library = self.kiosk.collection.library
        if not library.discs:
            self.kiosk.show.switch("attract")
            return
        self.hold = hold  # the performer's disc: the idle timer waits for the end of the side
        self.came_from = came_from
        self._disc = library.discs[max(0, library.index_of(disc_id))]
        self.hint_left = HINT_SECONDS if came_from != "player" else 0.0
        self._load()

    @property
    def disc(self) -> Disc:
        """The disc on the platter, held (not an index: the show's list changes when a disc is
        added, hidden or deleted while it plays, and it plays to its end)."""
        return self._disc

    def _load(self) -> None:
        info = self.disc.info
        k = self.kiosk
        self.settings = for_disc(k.cfg.dsp, info.condition, info.diameter_cm, info.rpm)
        nominal = info.rpm / 60.0
        self.platter = Platter(rpm=info.rpm, accel=k.cfg.dsp.motion.slew_per_second * nominal)
        self.platter.start()
        self.elapsed = 0.0  # the side's position when there is no engine to ask
        self.paused = False
        self.press: Optional[Press] = None
        self.dragging = False
        self._finger_angle = 0.0
        self._held = 0.0  # revolutions the finger has turned the disc since it came down
        self._held_from = (0.0, 0.0)  # the picture's turns and the side's seconds where the hold began
        self._recent: Deque[Tuple[float, float]] = deque(maxlen=64)  # (time, held turns) of the moves
        self.reading = Reading()  # which sheet of a long story shows
        k.show.play(self.disc)

    def change(self, step: int) -> None:
        discs = self.kiosk.collection.library.discs
        if not discs:
            self.kiosk.show.switch("attract")
            return
        self.hold = False
        place = (self._disc.info.order, self._disc.id)
        here = next((i for i, d in enumerate(discs) if d.id == self._disc.id), None)
        if here is None:  # it left the show: the next is the first after its place, the previous the last before
            after = next((i for i, d in enumerate(discs) if (d.info.order, d.id) > place), len(discs))
            here = after - 1 if step > 0 else after
        self._disc = discs[(here + step) % len(discs)]
        self._load()

    # -- geometry ------------------------------------------------------------------------------
    def _layout(self):
        return player_layout(self.kiosk.stage.size, self.kiosk.cfg.display.dpi)

    def _px_per_mm(self, lay) -> float:
        return lay.disc_diameter / (self.disc.info.diameter_cm * 10.0)

    def position(self) -> float:
        sound = self.kiosk.sound
        if sound is not None:
            status = sound.status()
            if status.playing_id == self.disc.id:
                return status.position
        return self.elapsed

    # -- input ---------------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == TRACK_ENDED and event.disc_id == self.disc.id:
            self.change(+1)
            return
        if event.type == pygame.KEYDOWN:
            keys = {pygame.K_RIGHT: lambda: self.change(+1), pygame.K_LEFT: lambda: self.change(-1),
                    pygame.K_SPACE: self.toggle_pause, pygame.K_BACKSPACE: self.back}
            if event.key in keys:
                keys[event.key]()
            return
        p = self.kiosk.stage.pointer(event, self.kiosk.show.now)
        if p is None:
            return
        lay = self._layout()
        cx, cy = lay.disc_center
        angle = math.atan2(p.pos[1] - cy, p.pos[0] - cx)
        on_disc = math.dist(p.pos, (cx, cy)) <= lay.disc_diameter / 2
        if p.kind == "down":
            self.press = Press(p, self.kiosk.stage.px_per_mm)
            self.press.on_disc = on_disc
            self._finger_angle, self._held, self._turned = angle, 0.0, 0.0
            return
        press = self.press
        if press is None:
            return
        if p.kind == "move":
            press.move(p)
            if press.on_disc:
                self._turn(_unwrap(angle - self._finger_angle), p.at)
                self._finger_angle = angle
            return
        self.press = None  # up
        if self.dragging:
            self.dragging = False
            self._release(p.at)
        elif press.is_tap(p):
            self._tap(p.pos, lay, on_disc)
        elif not press.on_disc and p.pos[0] - press.start[0] > SWIPE_BACK * self.kiosk.stage.size[0]:
            self.back()

    def _turn(self, radians: float, at: float) -> None:
        """The finger went `radians` round the spindle: past DRAG_DEGREES it holds the platter,
        and from then the disc (picture and groove) is where the finger has turned it."""
        self._held += radians / (2 * math.pi)
        self._turned += abs(radians)
        if not self.dragging:
            if math.degrees(self._turned) <= DRAG_DEGREES:
                return
            self.dragging, self.hint_left = True, 0.0
            self._held_from = (self.platter.turns - self._held, self.elapsed - self._seconds(self._held))
            self._recent.clear()
        self._recent.append((at, self._held))
        self.platter.turns, self.platter.speed = self._held_from[0] + self._held, 0.0
        self.elapsed = min(self.disc.audio_seconds, max(0.0, self._held_from[1] + self._seconds(self._held)))
        self.kiosk.turntable.hold(self._held)

    def _seconds(self, turns: float) -> float:
        return turns * 60.0 / self.platter.rpm

    def _tap(self, pos, lay, on_disc: bool) -> None:
        for name, rect in lay.controls.items():
            if rect.inflate(rect.width // 4, rect.height // 4).collidepoint(pos):
                {"back": self.back, "play": self.toggle_pause, "language": self.kiosk.show.toggle_language}[name]()
                return
        if lay.text.collidepoint(pos):
            self.reading.turn()
        elif on_disc:
            self.drop_needle(math.dist(pos, lay.disc_center) / self._px_per_mm(lay))

    def drop_needle(self, radius_mm: float) -> None:
        """Seek to where the spiral passes `radius_mm`; taps off the grooves do nothing."""
        spiral = self.settings.groove.geometry(self.settings.motion.rpm)
        if not (spiral.radius_at(self.disc.audio_seconds) - 1.0 <= radius_mm <= spiral.start_mm + 1.0):
            return
        seconds = min(spiral.seconds_at(radius_mm), max(0.0, self.disc.audio_seconds - 0.5))
        self.elapsed = seconds
        if self.kiosk.sound is not None:
            self.kiosk.sound.apply(Seek(seconds))

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self.platter.target = 0.0
        else:
            self.platter.start()
        self._set_speed(0.0 if self.paused else self.platter.rpm / 60.0)

    def back(self) -> None:
        self.kiosk.show.switch("carousel", disc_id=self.disc.id)

    def _set_speed(self, rev_per_s: float) -> None:
        """The sound's platter speed as a ratio of the nominal, at the motor's slew (the same
        rate the picture's Platter uses)."""
        self.kiosk.turntable.set_speed(rev_per_s / (self.platter.rpm / 60.0))

    def _release(self, at: float) -> None:
        """Let go: the platter goes on at the finger's last speed, and the motor takes it back
        to its own (or lets it coast, paused)."""
        recent = [(t, turns) for t, turns in self._recent if t >= at - FLING_SECONDS]
        if len(recent) >= 2 and recent[-1][0] > recent[0][0]:
            self.platter.speed = (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0])
        if self.paused:
            self.platter.target = 0.0
            self._set_speed(0.0)
        else:
            self.platter.start()
            self._set_speed(self.platter.rpm / 60.0)

    # -- time ------------------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        k = self.kiosk
        self.hint_left = max(0.0, self.hint_left - dt)
        self.reading.advance(dt)
        real = k.turntable.platter
        if real is not None:  # a real platter's encoder: the disc on screen turns with it
            self.platter.turns, self.platter.speed = real.turns, real.rev_per_s
        elif not self.dragging:  # (held: the finger has it, _turn)
            self.platter.update(dt)
            self.elapsed = min(self.disc.audio_seconds, max(0.0, self.elapsed + dt * self.platter.rate))
        if not self.hold and k.show.idle_seconds >= k.cfg.kiosk.idle_seconds:
            k.show.switch("attract", disc_id=self.disc.id)

    def exit(self) -> None:
        self.kiosk.show.stop_sound()

    # -- drawing ---------------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        k = self.kiosk
        k.stage.clear()
        lay = self._layout()
        t = typography(surface.get_size(), k.cfg.display.dpi)
        art = k.stage.disc_art(self.disc, lay.disc_diameter)
        if art is not None:
            k.stage.draw_disc(art, lay.disc_center, self.platter.turns)
        self._draw_tonearm(surface, lay)
        self._draw_words(surface, lay, t)
        self._draw_progress(surface, lay, t)
        self._draw_controls(surface, lay, t)
        if self.hint_left > 0:
            self._draw_hint(surface, lay, t)

    def _draw_words(self, surface: pygame.Surface, lay, t) -> None:
        info, langs = self.disc.info, self.kiosk.show.languages
        box = lay.text
        x, y, width = box.x, box.y, box.width
        y = draw_text(surface, info.title.get(langs[0]), (x, y), t.title, INK, face="bold", width=width, max_lines=2)
        if len(langs) > 1 and info.title.get(langs[1]) != info.title.get(langs[0]):
            y = draw_text(surface, info.title.get(langs[1]), (x, y), t.body, DIM, width=width, max_lines=1)
        y += t.small // 2
        lang = langs[0]
        y = draw_text(surface, info.artist.get(lang), (x, y), t.heading, ACCENT, width=width, max_lines=2)
        facts = f"{info.city.get(lang)}, {info.year} · {info.rpm:g} {LABELS['rpm'][lang]} · " \
                f"{LABELS['x-ray'][lang]}: {info.body_part.get(lang)}"
        y = draw_text(surface, facts, (x, y), t.small, DIM, width=width, max_lines=3) + t.small // 2
        room, dot = pygame.Rect(x, y, width, box.bottom - y), max(4, t.small // 4)
        if lay.columns == 2 and len(langs) > 1:  # a wide screen: the two languages side by side
            half = (width - t.body) // 2
            left, right = pygame.Rect(x, y, half, room.height), pygame.Rect(x + half + t.body, y, half, room.height)
            self.reading.draw(surface, left, [[(p, INK)] for p in _pages(self._story(lang), left, t)], t.body, dot)
            self.reading.draw(surface, right, [[(p, DIM)] for p in _pages(self._story(langs[1]), right, t)], t.body,
                              dot)
        else:
            stories = [self._story(lang) for lang in langs]
            self.reading.draw(surface, room, _sheets(stories, room, t), t.body, dot)

    def _story(self, lang: str) -> str:
        info = self.disc.info
        return info.caption.get(lang) + ("\n" + info.story.get(lang) if info.story is not None else "")

    def _draw_progress(self, surface: pygame.Surface, lay, t) -> None:
        total = max(0.1, self.disc.audio_seconds)
        pos = min(total, self.position())
        bar = lay.progress
        pygame.draw.rect(surface, (40, 46, 56), bar)
        pygame.draw.rect(surface, ACCENT, (bar.x, bar.y, int(bar.width * pos / total), bar.height))
        label = f"{int(pos) // 60}:{int(pos) % 60:02d} / {int(total) // 60}:{int(total) % 60:02d}"
        draw_text(surface, label, (bar.right, bar.bottom + 4), t.small, DIM, anchor="topright")

    def _draw_controls(self, surface: pygame.Surface, lay, t) -> None:
        for name, rect in lay.controls.items():
            if name == "language":
                language_button(surface, self.kiosk.show.languages, self.kiosk.cfg.display.dpi, rect)
                continue
            round_button(surface, rect)
            cx, cy = rect.center
            r = rect.width * 0.22
            if name == "back":
                pygame.draw.polygon(surface, INK, [(cx - r, cy), (cx + r * 0.6, cy - r), (cx + r * 0.6, cy + r)])
            elif self.paused:
                pygame.draw.polygon(surface, INK, [(cx - r * 0.6, cy - r), (cx - r * 0.6, cy + r), (cx + r, cy)])
            else:
                bar = max(3, int(r * 0.55))
                pygame.draw.rect(surface, INK, (cx - r * 0.7, cy - r, bar, 2 * r))
                pygame.draw.rect(surface, INK, (cx + r * 0.7 - bar, cy - r, bar, 2 * r))

    def _draw_tonearm(self, surface: pygame.Surface, lay) -> None:
        """The arm pivots off the disc's upper right; its stylus sits on the spiral's radius now."""
        cx, cy = lay.disc_center
        big_r = lay.disc_diameter / 2
        radius = groove_radius_mm(self.settings, self.position()) * self._px_per_mm(lay)
        pivot = (cx + big_r * 1.12, cy - big_r * 0.62)  # within ARM_REACH of the centre (layout.py)
        arm = math.dist(pivot, (cx, cy)) * 0.96  # long enough to reach the run-out
        # the stylus: where the circle of the arm's reach meets the groove's circle (upper one)
        d = math.dist(pivot, (cx, cy))
        a = (radius ** 2 - arm ** 2 + d ** 2) / (2 * d)
        h = math.sqrt(max(0.0, radius ** 2 - a ** 2))
        ux, uy = (pivot[0] - cx) / d, (pivot[1] - cy) / d
        px, py = cx + a * ux, cy + a * uy
        stylus = (px + h * uy, py - h * ux) if (px + h * uy) < pivot[0] else (px - h * uy, py + h * ux)
        pygame.draw.line(surface, (4, 5, 8), (pivot[0] + 6, pivot[1] + 8), (stylus[0] + 6, stylus[1] + 8),
                         max(4, lay.disc_diameter // 70))
        pygame.draw.line(surface, (170, 176, 186), pivot, stylus, max(3, lay.disc_diameter // 90))
        pygame.draw.circle(surface, (120, 126, 136), (int(pivot[0]), int(pivot[1])), max(8, lay.disc_diameter // 28))
        pygame.draw.circle(surface, ACCENT, (int(stylus[0]), int(stylus[1])), max(4, lay.disc_diameter // 110))

    def _draw_hint(self, surface: pygame.Surface, lay, t) -> None:
        alpha = min(1.0, self.hint_left / 1.0)
        text = HINT[self.kiosk.show.languages[0]]
        cx, cy = lay.disc_center
        width = int(lay.disc_diameter * 0.8)
        lines = len(wrap(text, font(t.body), width))
        band = pygame.Surface((width + 2 * t.small, int(t.body * (1.25 * lines + 0.8))), pygame.SRCALPHA)
        band.fill((6, 8, 12, int(200 * alpha)))
        rect = band.get_rect(center=(cx, cy + lay.disc_diameter * 0.3))
        surface.blit(band, rect)
        color = tuple(int(c * alpha) for c in ACCENT)
        draw_text(surface, text, (rect.centerx, rect.y + int(t.body * 0.4)), t.body, color, anchor="midtop",
                  width=width)
