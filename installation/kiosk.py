"""The main loop: one scene on screen, input routed to it, audio and content shared by all.

Only this thread touches pygame. Other threads reach it through queues: the engine's
`events` (a track ended), the OSC server's bounded `commands`; the encoder's platter tracker
is read each frame, latest value wins.
"""
from __future__ import annotations

import logging
import queue
import time
from typing import TYPE_CHECKING, Optional

import numpy as np
import pygame

from .audio.engine import AudioEngine
from .audio.loader import TrackLoader
from .audio.settings import for_disc
from .config import Config
from .content import Disc, Library, load_scan
from .disc_art import DiscArt, build_disc_art
from .keys import parse_chord
from .scene import BACKGROUND, Scene
from .state import PlayCounts
from .yamlconf import ConfigError

if TYPE_CHECKING:
    from .osc.server import OscServer

log = logging.getLogger(__name__)
TRACK_ENDED = pygame.event.custom_type()  # .disc_id


class Kiosk:
    def __init__(self, cfg: Config, library: Library, screen: pygame.Surface,
                 engine: Optional[AudioEngine] = None, counts: Optional[PlayCounts] = None,
                 osc: Optional["OscServer"] = None):
        from scenes import SCENES  # the screens are content of the engine, not part of it

        self.cfg = cfg
        self.library = library
        self.screen = screen
        self.engine = engine
        self.loader = TrackLoader(engine.sample_rate) if engine else None
        self.counts = counts
        self.quit_chord = parse_chord(cfg.kiosk.quit_keys)
        self.languages = cfg.content.languages
        self.running = True
        self.idle_seconds = 0.0  # since the last visitor input
        self.now = 0.0  # seconds since start, advanced by step()
        self._arts: dict[str, Optional[DiscArt]] = {}
        self._play_serial = 0
        self._last_finger = -1e9  # monotonic time of the last FINGERDOWN
        self.background = _vignette(screen.get_size())
        self.scenes: dict[str, Scene] = {name: cls(self) for name, cls in SCENES.items()}
        self.scene: Optional[Scene] = None
        self.osc = osc  # sensors, encoder and performer (installation/osc); None: touch only
        self._next_feedback = 0.0
        self.present: dict[str, bool] = {}  # presence sensors by zone
        self.nearest: dict[str, float] = {}  # proximity sensors by zone, metres
        self.volume = cfg.audio.master_volume  # the performer's; proximity scales it
        self.status: dict = {}  # published every frame for OSC status replies and feedback

    # -- services for scenes ---------------------------------------------------------------
    @property
    def disc_diameter(self) -> int:
        w, h = self.screen.get_size()
        return int(min(h * 0.84, w * 0.56))

    def disc_art(self, disc: Disc) -> Optional[DiscArt]:
        """The drawn disc, built once; None (and one log line) if its scan will not decode."""
        if disc.id not in self._arts:
            try:
                scan = load_scan(disc.scan_path)
                seed = sum(disc.id.encode("utf-8"))
                self._arts[disc.id] = build_disc_art(scan, disc.info, self.disc_diameter, seed)
            except ConfigError as exc:
                log.error("skipping disc picture: %s", exc)
                self._arts[disc.id] = None
        return self._arts[disc.id]

    def play(self, disc: Disc) -> None:
        """Fade to `disc` (decoded off the main loop) and count the play."""
        if self.counts is not None:
            self.counts.add(disc.id)
        if self.engine is None or self.loader is None:
            return
        self._play_serial += 1
        serial = self._play_serial
        settings = for_disc(self.cfg.dsp, disc.info.condition, disc.info.diameter_cm, disc.info.rpm)
        future = self.loader.load(disc.id, disc.audio_path)

        def ready(f) -> None:
            if f.exception() is not None:
                log.error("%s: cannot play audio: %s", disc.audio_path, f.exception())
            elif serial == self._play_serial:  # the visitor may have moved on meanwhile
                self.engine.play(f.result(), settings)

        future.add_done_callback(ready)

    def stop_audio(self) -> None:
        self._play_serial += 1
        if self.engine is not None:
            self.engine.stop()

    def is_tap(self, event: pygame.event.Event) -> Optional[tuple[int, int]]:
        """Screen position of a tap or click, whichever way it arrived; None otherwise.

        SDL reports a touch as FINGERDOWN followed by a mouse click made from it (and, with
        SDL_MOUSE_TOUCH_EVENTS=1, a mouse click as a FINGERDOWN too): one press, one tap."""
        if event.type == pygame.FINGERDOWN:
            self._last_finger = time.monotonic()
            w, h = self.screen.get_size()
            return int(event.x * w), int(event.y * h)
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and not getattr(event, "touch", False):
            if time.monotonic() - self._last_finger < 0.25:
                return None
            return event.pos
        return None

    # -- scenes and the loop ---------------------------------------------------------------
    def switch(self, name: str, **params) -> None:
        if self.scene is not None:
            self.scene.exit()
        self.scene = self.scenes[name]
        log.info("scene: %s %s", name, params or "")
        self.scene.enter(**params)

    def step(self, dt: float, events: Optional[list] = None) -> None:
        """One frame: input, then update, then draw (not flipped: the caller decides)."""
        self.now += dt
        self.idle_seconds += dt
        if self.engine is not None:
            while not self.engine.events.empty():
                kind, disc_id = self.engine.events.get_nowait()
                pygame.event.post(pygame.event.Event(TRACK_ENDED, disc_id=disc_id))
        if self.osc is not None:
            self._drain_remote()
            self.osc.tracker.check_timeout(self.cfg.osc.encoder_timeout_seconds)
            if any(self.present.values()) or self.osc.tracker.touched:
                self.idle_seconds = 0.0  # somebody is there, even without touching the screen
        for event in pygame.event.get() if events is None else events:
            if event.type == pygame.QUIT or self.quit_chord.matches(event):
                log.info("quit requested")
                self.running = False
                return
            if event.type in (pygame.FINGERDOWN, pygame.MOUSEBUTTONDOWN, pygame.KEYDOWN):
                self.idle_seconds = 0.0
            self.scene.handle_event(event)
        self.scene.update(dt)
        self.scene.draw(self.screen)
        self._publish_status()

    # -- remote control (OSC) ----------------------------------------------------------------
    def _drain_remote(self) -> None:
        while True:
            try:
                kind, *args = self.osc.commands.get_nowait()
            except queue.Empty:
                return
            self.handle_remote(kind, *args)

    def handle_remote(self, kind: str, *args) -> None:
        """One command from the OSC thread, already checked against the address table."""
        current = getattr(self.scene, "disc", None)
        current_id = current.id if current is not None else ""
        if kind == "scene":
            self.switch(args[0], disc_id=current_id)
        elif kind == "disc":
            if self.library.find(args[0]) is None:
                log.warning("OSC /kiosk/disc %r: no such disc (discs: %s)", args[0],
                            ", ".join(d.id for d in self.library.discs))
            else:
                self.switch("player", disc_id=args[0])
        elif kind == "play":
            self.switch("player", disc_id=current_id)
        elif kind == "stop":
            self.switch("attract", disc_id=current_id)
        elif kind == "volume":
            self.volume = args[0]
            self._apply_volume()
        elif kind == "presence":
            zone, here = args
            self.present[zone] = bool(here)
            if here and self.scene is self.scenes["attract"] and self.library.discs:
                self.switch("player", disc_id=current_id)
        elif kind == "proximity":
            self.nearest[args[0]] = args[1]
            self._apply_volume()

    def _apply_volume(self) -> None:
        factor = 1.0
        prox = self.cfg.osc.proximity_volume
        if prox.enabled and self.nearest:
            d = min(self.nearest.values())
            span = max(prox.far_metres - prox.near_metres, 1e-6)
            t = min(1.0, max(0.0, (d - prox.near_metres) / span))
            factor = 1.0 + (prox.far_volume - 1.0) * t
        if self.engine is not None:
            self.engine.set_volume(self.volume * factor)

    def _publish_status(self) -> None:
        disc = getattr(self.scene, "disc", None)
        engine = self.engine
        self.status = {"scene": self.scene.name if self.scene else "", "disc": disc.id if disc else "",
                       "position": engine.position_seconds if engine else 0.0,
                       "level": engine.level if engine else 0.0,
                       "speed": engine.dsp.motion.speed if engine else 0.0}
        feedback = self.cfg.osc.feedback
        if self.osc is not None and feedback.hosts and self.now >= self._next_feedback:
            self._next_feedback = self.now + feedback.interval_seconds
            messages = self.osc.status_messages()
            for host in feedback.hosts:
                name, _, port = host.rpartition(":")
                self.osc.send((name, int(port)), messages)

    def run(self) -> None:
        # Build pictures now, not on a visitor's first tap; a disc whose scan fails is dropped.
        self.library.discs = [d for d in self.library.discs if self.disc_art(d) is not None]
        self.switch(self.cfg.kiosk.start_scene)
        clock = pygame.time.Clock()
        fps = self.cfg.display.fps
        last = time.perf_counter()
        while self.running:
            clock.tick(fps)
            now = time.perf_counter()
            self.step(min(now - last, 0.25))  # a stall must not make the disc jump
            last = now
            pygame.display.flip()
        if self.scene is not None:
            self.scene.exit()
        if self.loader is not None:
            self.loader.close()


def _vignette(size: tuple[int, int]) -> pygame.Surface:
    w, h = size
    xs, ys = np.mgrid[0:w, 0:h].astype(np.float32)  # surfarray layout [x, y]
    r = np.hypot((xs - w / 2) / w, (ys - h / 2) / h) * 1.4
    shade = np.clip(1.0 - 0.55 * r * r, 0, 1)[..., None] * np.array(BACKGROUND, np.float32) * 1.6
    surface = pygame.Surface(size)
    pygame.surfarray.blit_array(surface, np.clip(shade, 0, 255).astype(np.uint8))
    return surface
