"""The kiosk: a thin shell that builds the parts, merges their command tables and runs the loop.

Each part owns its state and its commands (show/: the show, the programme, health, the
collection, the audience; screen/: the stage, the controls); the kiosk only wires them and
calls them in order, once a frame. It is also what a scene sees of the main loop
(screen/scene_base.SceneHost: the stage and the parts). Only this thread touches pygame;
everything else reaches it through the command bus (core/commands.py) or the sound's events.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Optional, Protocol, Union

import pygame

from ..config.composed import Config
from ..content.library import Library
from ..core.commands import CommandBus, Dispatcher
from ..core.registry import SCENES, scene_class
from ..lathe.station import LatheStation
from ..remote.osc.server import OscServer
from ..screen.canvas import Canvas, SurfaceCanvas
from ..screen.controls import Controls
from ..screen.cut_disc import draw_scan, film_on_lathe
from ..screen.disc_art import load_scan
from ..screen.overlay import draw_overlay
from ..screen.pictures import PictureCache
from ..screen.recovery import DisplayWatch
from ..screen.scene_base import TRACK_ENDED
from ..screen.stage import Stage
from ..service.notify import Notifier
from ..service.play_counts import PlayCounts
from ..service.status import StatusBoard
from ..show.audience import Audience, Sensors
from ..show.calendar import DemoSchedule, OpeningHours
from ..show.calendar import zone as time_zone
from ..show.collection import Collection
from ..show.health import Health
from ..show.programme import Programme
from ..show.show import Show
from ..sound.port import Ended, Sound
from ..sound.turntable import Turntable

log = logging.getLogger(__name__)
VISITOR = (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.MOUSEBUTTONDOWN, pygame.KEYDOWN)  # input that is activity


PICTURE_WIDTH = 640  # the console's picture of the screen: small, a millisecond or two to take

class Closable(Protocol):
    def close(self) -> None: ...


@dataclass
class Services:
    """What the kiosk is attached to: each may be left out (a screenshot needs none of them)."""

    sound: Optional[Sound] = None
    counts: Optional[PlayCounts] = None
    bus: Optional[CommandBus] = None
    status: StatusBoard = field(default_factory=StatusBoard)
    osc: Optional[OscServer] = None  # sensors, encoder and performer; None: touch and keys only
    turntable: Optional[Turntable] = None  # the one the OSC server feeds (made here without one)
    schedule: Optional[DemoSchedule] = None
    lathe: Optional[LatheStation] = None
    notifier: Notifier = field(default_factory=lambda: Notifier({}))
    display_watch: Optional[DisplayWatch] = None  # headless by mistake: looks for the screen
    clock: Callable[[], float] = time.perf_counter  # the encoder's time base (tests step it by hand)
    wall: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)  # a rehearsal runs it fast
    pictures_aside: bool = False  # disc pictures built off the main loop (the live kiosk; a screenshot waits)
    console: Optional[Closable] = None  # the web console (remote/console): it only posts and reads
    dropped: Optional[Closable] = None  # the watch for disc folders dropped in by hand (show/dropped.py)
    gallery: Optional[Closable] = None  # this box on the gallery's MQTT broker (remote/gallery)


class Kiosk:
    def __init__(self, cfg: Config, library: Library, screen: Union[pygame.Surface, Canvas],
                 services: Optional[Services] = None):
        s = services or Services()
        self.cfg = cfg
        self.sound, self.osc, self.lathe, self.clock = s.sound, s.osc, s.lathe, s.clock
        self.bus = s.bus if s.bus is not None else CommandBus(cfg.osc.queue_size)
        self.turntable = s.turntable or Turntable(s.sound, cfg.osc.encoder_timeout_seconds,
                                                  cfg.osc.encoder_release_seconds)
        self.collection = Collection(library, s.counts, cfg.content.limits, cfg.data_path / "discs",
                                     cfg.lathe.geometry,
                                     partial(draw_scan, blank=film_on_lathe(cfg.content_dir)), load_scan, s.wall,
                                     time_zone(cfg.demos.timezone))
        canvas = screen if not isinstance(screen, pygame.Surface) else SurfaceCanvas(screen, cfg.display.turn)
        self.stage = Stage(canvas, PictureCache(cfg.display.picture_cache, cfg.dsp, cfg.display.picture_cache_mb,
                                                background=s.pictures_aside),
                           self.collection, cfg.display.dpi, s.display_watch)
        self.show = Show(self.collection, s.sound, cfg.dsp, cfg.content.languages, VISITOR)
        self.programme = Programme(OpeningHours(cfg.opening_hours, time_zone(cfg.demos.timezone)), s.schedule,
                                   self.show, self.bus, s.lathe, s.wall)
        self.audience = Audience(Sensors(cfg.osc.presence_seconds, cfg.osc.max_zones), self.show, s.sound,
                                 cfg.audio.master_volume, cfg.osc.proximity_volume)
        self.health = Health(self.show, self.collection, s.sound, s.status, s.notifier, cfg.data_path, s.wall,
                             s.lathe, s.osc, cfg.osc.feedback, self.stage.headless, self.programme.outlook,
                             self.stage.describe)
        self.controls = Controls(cfg, self.bus, self.stage, s.lathe)
        self.commands = Dispatcher({**self.show.handlers(), **self.programme.handlers(),
                                    **self.audience.handlers(), **self.health.handlers(),
                                    **self.collection.handlers()})
        self.show.build(SCENES, lambda name: scene_class(name)(self, name))

    @property
    def running(self) -> bool:
        return self.health.running

    def step(self, dt: float, events: Optional[list] = None) -> None:
        """One frame: commands, input, then update, then draw (not flipped: the caller decides)."""
        show = self.show
        show.advance(dt)
        self.health.tick(self.bus)
        self._sound_events()
        self.turntable.frame(self.clock())
        if self.turntable.touched:
            show.touched()  # a hand on the real platter
        for event in pygame.event.get() if events is None else events:
            if not self.controls.handle(event):
                show.handle(event)
        for command in self.bus.drain():
            show.guarded(f"command {type(command).__name__}", self.commands.dispatch, command)
        if not self.health.running:
            return
        self.audience.tick()
        self.programme.tick()
        show.frame(dt, self.stage.surface)
        self.health.frames.add(dt)
        if self.health.overlay_showing():
            draw_overlay(self, self.health, self.stage.surface)
        self.health.publish()
        if self.health.status.picture_wanted():  # the console's "what is on the screen": after the frame
            self.health.status.put_picture(*self.stage.picture(PICTURE_WIDTH))

    def _sound_events(self) -> None:
        """A side that ended reaches the screen on as a TRACK_ENDED event."""
        if self.sound is None:
            return
        while not self.sound.events.empty():
            event = self.sound.events.get_nowait()
            if isinstance(event, Ended):
                pygame.event.post(pygame.event.Event(TRACK_ENDED, disc_id=event.track_id))

    def run(self) -> None:
        self.show.switch(self.cfg.kiosk.start_scene)
        clock = pygame.time.Clock()
        last = time.perf_counter()
        ready = False
        while self.health.running:
            clock.tick(self.cfg.display.fps)
            now = time.perf_counter()
            self.step(min(now - last, 0.25))  # a stall must not make the disc jump
            last = now
            self.stage.present()
            if self.stage.watch(now):
                self.show.switch("attract")
            if not ready:  # systemd's READY: the first frame is on the screen
                ready = True
                self.health.ready()
            self.health.ping(now)
        if self.show.scene is not None:
            self.show.scene.exit()
