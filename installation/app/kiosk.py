"""The main loop: one scene on screen; commands, input and events routed to it; status published.

Only this thread touches pygame. Everything else reaches it through the command bus
(commands.py: OSC, keyboard, signals, later the scheduler and the lathe) or the engine's
`events` queue (a side ended). The kiosk owns no feature: each command has a handler in one
table, each screen lives in scenes/, the sound in audio/.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Callable, Dict, Optional, Tuple, Union

import pygame

from ..sound.settings import for_disc
from ..core.commands import (CommandBus, CutFinished, DemoRequest, Dispatcher, LatheChanged, PlayCurrent, PlayDisc,
                       Presence, Proximity, Quit, RunSelfTest, SetVolume, ShowOverlay, ShowScene, Stop)
from ..config.composed import Config
from ..screen.disc_art import DiscArt
from ..content.library import Disc, Library, load_disc
from ..screen.pictures import PictureCache
from ..screen.text import draw_text
from ..screen.layout import attract_layout, typography
from ..screen.canvas import Canvas, SurfaceCanvas
from ..screen.pointer import Pointer, PointerTracker
from ..screen.display import vignette
from ..core.keys import parse_chord
from ..sound.encoder import PlatterReading
from ..screen.overlay import draw_overlay
from ..screen.scene_base import BACKGROUND, DIM, INK, TRACK_ENDED, Scene
from ..show.calendar import DemoPhase, DemoSchedule, OpeningHours
from ..show.calendar import zone as time_zone
from ..core.registry import SCENES, scene_class
from ..show.audience import Sensors
from ..service.vitals import FrameTimes, recent_problems, release_memory
from ..service.notify import Notifier
from ..show.selftest import SelfTestReport, run_self_test
from ..service.play_counts import PlayCounts
from ..service.status import StatusBoard
from ..core.yamlconf import ConfigError

if TYPE_CHECKING:
    from ..screen.recovery import DisplayWatch
    from ..sound.engine import AudioEngine
    from ..sound.process import EngineProcess
    from ..lathe.station import LatheStation
    from ..remote.osc.server import OscServer

log = logging.getLogger(__name__)
FAULT_LIMIT = 5  # a scene failing this often is taken out of the show
OVERLAY_SECONDS = 60.0  # the technician's overlay hides itself after this
SELF_TEST_AFTER_START = 10.0  # seconds: the sound has found its device by then
SELF_TEST_BEFORE_OPENING = dt.timedelta(minutes=10)
SOUND_STALL_SECONDS = 5.0  # no audio block rendered for this long: the sound counts as stalled


class Kiosk:
    def __init__(self, cfg: Config, library: Library, screen: pygame.Surface,
                 engine: Optional[Union["EngineProcess", "AudioEngine"]] = None, counts: Optional[PlayCounts] = None,
                 bus: Optional[CommandBus] = None, status: Optional[StatusBoard] = None,
                 osc: Optional["OscServer"] = None, clock: Callable[[], float] = time.perf_counter,
                 schedule: Optional[DemoSchedule] = None, lathe: Optional["LatheStation"] = None,
                 wall: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 canvas: Optional[Canvas] = None, notifier: Optional[Notifier] = None,
                 display_watch: Optional["DisplayWatch"] = None):
        self.cfg = cfg
        self.library = library
        self._use_canvas(canvas if canvas is not None else SurfaceCanvas(screen))  # display/canvas.py
        self.engine = engine
        self.counts = counts
        self.bus = bus if bus is not None else CommandBus(cfg.osc.queue_size)
        self.status = status if status is not None else StatusBoard()
        self.osc = osc  # sensors, encoder and performer (installation/osc); None: touch and keys only
        self.clock = clock  # the encoder tracker's time base (tests step it by hand)
        self.schedule = schedule  # the demo calendar (schedule.py), or None
        self.lathe = lathe  # the lathe station (lathe/station.py), or None when there is no lathe
        self.wall = wall  # the wall clock, UTC; a rehearsal runs it fast
        self.demo: Optional[DemoPhase] = None  # what the calendar says now
        self.hours = OpeningHours(cfg.opening_hours, time_zone(cfg.demos.timezone))
        self._demo_moment: Optional[Tuple[str, str]] = None  # (occurrence, phase) last acted on
        self.lathe_state = "idle"
        self.new_disc_id = ""  # the last live cut made into a disc
        self.faults: Dict[str, int] = {}  # scene -> exceptions caught so far
        self.disabled: set = set()  # scenes taken out of the show after FAULT_LIMIT failures
        self.notifier = notifier if notifier is not None else Notifier({})  # systemd's watchdog
        self.display_watch = display_watch  # headless by mistake: looks for the screen (display/recovery.py)
        self._last_blocks, self._blocks_at = -1, time.perf_counter()
        self.confirm_chord = parse_chord(cfg.lathe.confirm_key)
        self.estop_chord = parse_chord(cfg.lathe.estop_key)
        self.quit_chord = parse_chord(cfg.kiosk.quit_keys)
        self.overlay_chord = parse_chord(cfg.kiosk.overlay_keys)
        self.overlay_until = -1.0  # self.now until which the technician's overlay shows
        self.self_test: Optional[SelfTestReport] = None  # the latest (service/selftest.py)
        self._self_test_at: Optional[float] = SELF_TEST_AFTER_START  # self.now of the next one, if any
        self._tested_opening = ""  # the opening (its date) already tested for
        self._next_trim = 3600.0
        self.frames = FrameTimes()
        self.problems = recent_problems()
        self.plays_today: Tuple[str, int] = ("", 0)  # (date, plays)
        self.languages = cfg.content.languages
        self.running = True
        self.quit_reason = ""
        self._refused_closed = 0  # plays and scenes asked for while closed
        self.idle_seconds = 0.0  # since the last visitor or performer input
        self.now = 0.0  # seconds since start, advanced by step()
        self.platter: Optional[PlatterReading] = None  # a real platter's encoder, read once a frame
        self.pictures = PictureCache(cfg.display.picture_cache, cfg.dsp, cfg.display.picture_cache_mb)
        self._next_feedback = 0.0
        self.sensors = Sensors(cfg.osc.presence_seconds, cfg.osc.max_zones)
        self.volume = cfg.audio.master_volume  # the performer's; proximity scales it
        self.scenes: Dict[str, Scene] = {name: scene_class(name)(self, name) for name in SCENES}
        self.scene: Optional[Scene] = None
        self.commands = Dispatcher({
            ShowScene: self._show_scene, PlayDisc: self._play_disc, PlayCurrent: self._play_current,
            Stop: self._stop, SetVolume: self._set_volume, Presence: self._presence,
            Proximity: self._proximity, Quit: self._quit, LatheChanged: self._lathe_changed,
            CutFinished: self._cut_finished, DemoRequest: self._demo_request, ShowOverlay: self._toggle_overlay,
            RunSelfTest: self._self_test})

    # -- services for scenes ---------------------------------------------------------------
    @property
    def screen_size(self) -> Tuple[int, int]:
        return self.screen.get_size()

    @property
    def px_per_mm(self) -> float:
        return self.cfg.display.dpi / 25.4

    @property
    def disc_diameter(self) -> int:
        return attract_layout(self.screen_size, self.cfg.display.dpi).disc_diameter

    def disc_art(self, disc: Disc, diameter: Optional[int] = None) -> Optional[DiscArt]:
        """The drawn disc at `diameter` px (content/pictures.py). A scan that will not decode:
        None, one log line, and the disc leaves the show."""
        try:
            return self.pictures.get(disc, int(diameter or self.disc_diameter))
        except ConfigError as exc:
            log.error("skipping disc: %s", exc)
            self.library.discs = [d for d in self.library.discs if d.id != disc.id]
            return None

    def play(self, disc: Disc) -> None:
        """Fade to `disc` (decoded and cut off the main loop) and count the play."""
        today = dt.date.today().isoformat()
        self.plays_today = (today, (self.plays_today[1] if self.plays_today[0] == today else 0) + 1)
        if self.counts is not None:
            self.counts.add(disc.id)
        if self.engine is not None:
            settings = for_disc(self.cfg.dsp, disc.info.condition, disc.info.diameter_cm, disc.info.rpm)
            self.engine.play_file(disc.id, disc.audio_path, settings)

    def stop_audio(self) -> None:
        if self.engine is not None:
            self.engine.stop()

    def clear(self, surface: pygame.Surface) -> None:
        """Start a frame: the background (under discs and words alike)."""
        self.canvas.clear(self.background)

    def draw_disc(self, art: DiscArt, center: Tuple[float, float], turns: float, scale: float = 1.0) -> None:
        """A disc turned `turns` at `center`: rotated on the GPU where there is one."""
        self.canvas.disc(art, center, turns, scale)

    def pointer(self, event: pygame.event.Event) -> Optional[Pointer]:
        """Finger or mouse as one pointer (display/pointer.py): down, move, up; None otherwise."""
        return self.pointers.feed(event, self.now)

    def toggle_language(self) -> None:
        """RU first or EN first, for every screen, until the next visitor (attract resets it)."""
        if len(self.languages) > 1:
            self.languages = tuple(reversed(self.languages))
            log.info("language: %s first", self.languages[0])

    def language_button(self) -> pygame.Rect:
        t = typography(self.screen_size, self.cfg.display.dpi)
        margin = max(10, int(min(self.screen_size) * 0.03))
        return pygame.Rect(self.screen_size[0] - margin - t.target, margin, t.target, t.target)

    @staticmethod
    def draw_round_button(surface: pygame.Surface, rect: pygame.Rect) -> None:
        """The round face every touch control shares; the caller draws its sign on it."""
        pygame.draw.circle(surface, (34, 40, 52), rect.center, rect.width // 2)
        pygame.draw.circle(surface, DIM, rect.center, rect.width // 2, 2)

    def draw_language_button(self, surface: pygame.Surface, rect: Optional[pygame.Rect] = None) -> None:
        """The button naming the other language: in the corner (none with one language), or at `rect`."""
        if rect is None:
            if len(self.languages) < 2:
                return
            rect = self.language_button()
        self.draw_round_button(surface, rect)
        draw_text(surface, self.languages[-1 if len(self.languages) < 2 else 1].upper(), rect.center,
                  int(rect.height * 0.36), INK, face="bold", anchor="center")

    def on_language_button(self, pos: Tuple[float, float]) -> bool:
        rect = self.language_button()
        return len(self.languages) > 1 and rect.inflate(rect.width // 4, rect.height // 4).collidepoint(pos)

    # -- scenes and the loop ---------------------------------------------------------------
    def switch(self, name: str, **params) -> None:
        if name in self.disabled:
            log.warning("scene %s is out of the show (it kept failing); attract instead", name)
            name, params = "attract", {}
        if self.scene is not None:
            try:
                self.scene.exit()
            except Exception:
                log.exception("scene %s failed while leaving", self.scene.name)
        self.scene = self.scenes[name]
        log.info("scene: %s %s", name, params or "")
        self.scene.enter(**params)

    def step(self, dt: float, events: Optional[list] = None) -> None:
        """One frame: commands, input, then update, then draw (not flipped: the caller decides)."""
        self.now += dt
        self.idle_seconds += dt
        if self.now >= self._next_trim:  # once an hour: freed memory back to the system
            self._next_trim = self.now + 3600.0
            release_memory()
        if self._self_test_at is not None and self.now >= self._self_test_at:
            self._self_test_at = None
            self.bus.post(RunSelfTest("at start"))
        if self.engine is not None:
            while not self.engine.events.empty():
                kind, arg = self.engine.events.get_nowait()
                if kind == "ended":
                    pygame.event.post(pygame.event.Event(TRACK_ENDED, disc_id=arg))
        if self.osc is not None:
            tracker, now = self.osc.tracker, self.clock()
            tracker.check_timeout(self.cfg.osc.encoder_timeout_seconds, now, self.cfg.osc.encoder_release_seconds)
            self.platter = tracker.reading(now)
            if tracker.touched:
                self.idle_seconds = 0.0  # a hand on the real platter
        for event in pygame.event.get() if events is None else events:
            if event.type == pygame.QUIT:
                self.bus.post(Quit("window closed"))
            elif event.type == pygame.WINDOWSIZECHANGED:
                self._follow_window((event.x, event.y))
            elif self.quit_chord.matches(event):
                self.bus.post(Quit(f"quit keys {self.cfg.kiosk.quit_keys}"))
            elif self.overlay_chord.matches(event):
                self.bus.post(ShowOverlay())
            elif self.lathe is not None and self.estop_chord.matches(event):
                self.lathe.request("estop", f"the e-stop key ({self.cfg.lathe.estop_key})")
            elif self.lathe is not None and self.confirm_chord.matches(event):
                self.lathe.request("confirm", f"the confirm key ({self.cfg.lathe.confirm_key})")
            else:
                if event.type in (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.MOUSEBUTTONDOWN, pygame.KEYDOWN):
                    self.idle_seconds = 0.0
                self._guarded("input", self.scene.handle_event, event)
        for command in self.bus.drain():
            self._guarded(f"command {type(command).__name__}", self.commands.dispatch, command)
        if not self.running:
            return
        if self.sensors.expire(self.now):
            self._apply_volume()
        self._follow_schedule()
        if self.sensors.anyone:
            self.idle_seconds = 0.0  # somebody is there, even without touching the screen
        if self._guarded("update", self.scene.update, dt):
            self._guarded("draw", self.scene.draw, self.screen)
        self.frames.add(dt)
        if self.now < self.overlay_until:
            draw_overlay(self, self.screen)
        self._publish_status()

    def _self_test(self, c: RunSelfTest) -> None:
        report = run_self_test(self.wall().astimezone().strftime("%Y-%m-%d %H:%M"), c.reason, self.engine,
                               self.sound_alive(time.perf_counter()), self.library, self.cfg.data_path,
                               self.lathe.view if self.lathe is not None else None)
        self.self_test = report
        log.info("self-test (%s): %s", c.reason, "all ok" if report.ok else "PROBLEMS")
        for check in report.checks:
            log.log(logging.INFO if check.ok else logging.WARNING, "self-test: %s", check.line())

    def _toggle_overlay(self, c: ShowOverlay) -> None:
        self.overlay_until = -1.0 if self.now < self.overlay_until else self.now + OVERLAY_SECONDS

    def _guarded(self, what: str, action: Callable, *args) -> bool:
        """Run a scene's or a handler's code; an exception is logged with its traceback and the
        show goes back to attract; a scene that fails FAULT_LIMIT times is taken out of the show.
        Content and input never end the process. True when it ran cleanly."""
        try:
            action(*args)
            return True
        except Exception:
            name = self.scene.name if self.scene is not None else "?"
            self.faults[name] = self.faults.get(name, 0) + 1
            log.exception("scene %s failed in %s (%d so far)", name, what, self.faults[name])
            if self.faults[name] >= FAULT_LIMIT and name != "attract" and name not in self.disabled:
                self.disabled.add(name)
                log.error("scene %s failed %d times: taken out of the show until the kiosk restarts",
                          name, FAULT_LIMIT)
            fallback = "attract" if name != "attract" else None
            try:
                if fallback is not None:
                    self.switch(fallback)
                else:  # attract itself failed: start it afresh
                    self.scene.enter()
            except Exception:
                log.exception("the fallback to attract failed too")
            return False

    # -- command handlers --------------------------------------------------------------------
    def _current_id(self) -> str:
        disc = getattr(self.scene, "disc", None)
        return disc.id if disc is not None else ""

    def _closed(self, what: str) -> bool:
        """Outside opening hours the screen stays dark and silent: a performer's play or scene
        waits for the opening (opening_hours.enabled: false to rehearse before it)."""
        if self.scene is not self.scenes["closed"]:
            return False
        self._refused_closed += 1
        if self._refused_closed in (1, 10) or self._refused_closed % 1000 == 0:
            log.info("closed: %s ignored until the opening hours (%d so far)", what, self._refused_closed)
        return True

    def _show_scene(self, c: ShowScene) -> None:
        if c.name != "closed" and self._closed(f"scene {c.name}"):
            return
        self.idle_seconds = 0.0  # the performer's command is activity
        self.switch(c.name, disc_id=c.disc_id or self._current_id())

    def _play_disc(self, c: PlayDisc) -> None:
        if self.library.find(c.disc_id) is None:
            log.warning("play %r: no such disc (discs: %s)", c.disc_id, ", ".join(d.id for d in self.library.discs))
            return
        if self._closed(f"play {c.disc_id}"):
            return
        self.idle_seconds = 0.0
        self.switch("player", disc_id=c.disc_id, hold=True)

    def _play_current(self, c: PlayCurrent) -> None:
        if self._closed("play"):
            return
        self.idle_seconds = 0.0
        self.switch("player", disc_id=self._current_id(), hold=True)

    def _stop(self, c: Stop) -> None:
        self.idle_seconds = 0.0
        self.switch("attract", disc_id=self._current_id())

    def _set_volume(self, c: SetVolume) -> None:
        self.volume = c.level
        self._apply_volume()

    def _presence(self, c: Presence) -> None:
        self.sensors.presence(c.zone, c.present, self.now)
        if c.present and self.scene is self.scenes["attract"] and self.library.discs:
            self.switch("player", disc_id=self._current_id())

    def _proximity(self, c: Proximity) -> None:
        self.sensors.proximity(c.zone, c.metres, self.now)
        self._apply_volume()

    def _follow_schedule(self) -> None:
        """The calendar's word this frame, from the wall clock alone: a countdown or a demo takes
        the screen to live_cut; outside opening hours the kiosk is closed (dark or a card, no
        sound); the lathe learns whether a cutting window is open."""
        now = self.wall()
        if self.schedule is not None:
            for kind, occ in self.schedule.tick(now):
                log.info("demo %s %s: %s, %s", occ.key, kind, occ.demo.performer, occ.demo.title)
            self.demo = self.schedule.phase(now)
        if self.lathe is not None:
            from ..lathe.station import Window

            live = self.demo is not None and self.demo.kind == "live"
            demo = self.demo.occurrence.demo if live else None
            self.lathe.window = Window(demo.performer, demo.title, demo.side_minutes * 60) if demo else None
        moment = (self.demo.occurrence.key, self.demo.kind) if self.demo is not None else None
        if moment != self._demo_moment:  # the countdown begins, the demo starts: once each
            self._demo_moment = moment
            if moment is not None and moment[1] in ("countdown", "live") and self.scene is not self.scenes["live_cut"]:
                self.switch("live_cut")
                return
        if self.demo_active():
            return  # a demo holds the screen, opening hours or not
        open_now = self.hours.is_open(now)
        soon = now + SELF_TEST_BEFORE_OPENING
        if not open_now and self.hours.is_open(soon) and self._tested_opening != soon.date().isoformat():
            self._tested_opening = soon.date().isoformat()
            self.bus.post(RunSelfTest("before opening"))
        if not open_now and self.scene is not self.scenes["closed"]:
            log.info("closed: outside opening hours")
            self.switch("closed")
        elif open_now and self.scene is self.scenes["closed"]:
            log.info("open: opening hours")
            self.switch("attract")

    def demo_active(self) -> bool:
        """A demo counting down or on, or the lathe busy: the live view keeps the screen."""
        from ..lathe.controller import ACTIVE

        busy = self.lathe is not None and (self.lathe_state in ACTIVE or self.lathe.view.armed)
        return busy or (self.demo is not None and self.demo.kind in ("countdown", "live"))

    def _lathe_changed(self, c: LatheChanged) -> None:
        from ..lathe.controller import ACTIVE

        self.lathe_state = c.state
        if c.state in ACTIVE and self.scene is not self.scenes["live_cut"]:
            self.switch("live_cut")

    def _cut_finished(self, c: CutFinished) -> None:
        """A finished cut joins the collection now, without a restart."""
        from pathlib import Path

        import numpy as np
        import yaml

        from ..screen.cut_disc import make_disc
        from ..lathe.archive import AUDIO, GROOVE, META

        folder = Path(c.folder)
        try:
            meta = yaml.safe_load((folder / META).read_text(encoding="utf-8"))
            disc_folder = make_disc(folder, folder / AUDIO, self.cfg.data_path / "discs", meta,
                                    np.load(folder / GROOVE), rpm=self.cfg.lathe.rpm,
                                    diameter_cm=round(self.cfg.lathe.outer_radius_mm / 5 + 1, 1))
            disc = load_disc(disc_folder, limits=self.cfg.content.limits)
        except (OSError, ValueError, ConfigError, yaml.YAMLError) as exc:
            log.error("the cut in %s could not be made into a disc: %s", folder, exc)
            return
        if self.disc_art(disc) is None:
            return
        self.library.add(disc)
        self.new_disc_id = disc.id
        log.info("new disc from the live cut: %s", disc.id)
        release_memory()  # the blank's rendering arrays

    def _demo_request(self, c: DemoRequest) -> None:
        if self.schedule is None:
            log.warning("/demo/%s: no demos are configured", c.action)
            return
        now = self.wall()
        act = {"start": lambda: self.schedule.start_now(now), "cancel": lambda: self.schedule.cancel(now),
               "postpone": lambda: self.schedule.postpone(now, c.minutes)}[c.action]
        if act() is None:
            log.warning("/demo/%s: no demo is on or coming", c.action)

    def _quit(self, c: Quit) -> None:
        log.info("quit: %s", c.reason)
        self.quit_reason = c.reason
        self.notifier.stopping(c.reason)
        self.running = False

    def _apply_volume(self) -> None:
        """The performer's volume, scaled by how near the nearest visitor stands."""
        if self.engine is not None:
            self.engine.set_volume(self.volume * self.sensors.volume_factor(self.cfg.osc.proximity_volume))

    def _publish_status(self) -> None:
        engine = self.engine
        self.status.publish(scene=self.scene.name if self.scene else "", disc=self._current_id(),
                            position=engine.position_seconds if engine else 0.0,
                            level=engine.level if engine else 0.0, speed=engine.speed if engine else 0.0,
                            underruns=engine.underruns if engine else 0,
                            selftest=self.self_test.summary() if self.self_test else "not run yet")
        feedback = self.cfg.osc.feedback
        if self.osc is not None and feedback.hosts and self.now >= self._next_feedback:
            self._next_feedback = self.now + feedback.interval_seconds
            messages = self.osc.status_messages()
            for host in feedback.hosts:
                name, _, port = host.rpartition(":")
                self.osc.reply((name, int(port)), messages)

    def run(self) -> None:
        self.switch(self.cfg.kiosk.start_scene)
        clock = pygame.time.Clock()
        fps = self.cfg.display.fps
        last = time.perf_counter()
        ready = False
        while self.running:
            clock.tick(fps)
            now = time.perf_counter()
            self.step(min(now - last, 0.25))  # a stall must not make the disc jump
            last = now
            self.canvas.present()
            if self.display_watch is not None:
                self._watch_display(now)
            if not ready:  # systemd's READY: the first frame is on the screen
                ready = True
                self.notifier.ready(self.status_line())
            self.notifier.watchdog(now, self.sound_alive(now), self.status_line())
        if self.scene is not None:
            self.scene.exit()

    def _watch_display(self, now: float) -> None:
        """Headless by mistake: every few seconds look for a display; on one, move the show onto it.
        The disc pictures (textures of the old renderer) go first, then SDL's video restarts."""
        watch = self.display_watch
        if not watch.due(now):
            return
        self.pictures.clear()
        self.canvas.close()
        self._use_canvas(watch.reopen())
        if not watch.waiting:
            self.switch("attract")

    def _follow_window(self, size: Tuple[int, int]) -> None:
        """The window has a new size (another mode on a replugged TV, a turned screen): lay the
        show out for it. The disc pictures of the old size go; the scenes lay out every frame."""
        if tuple(size) == self._laid_out_for or min(size) < 1:  # (pygame resizes its surface in place)
            return
        log.info("display: the window is now %dx%d (was %dx%d); the show follows", *size, *self._laid_out_for)
        self.pictures.clear()
        self.canvas.resize(tuple(size))
        self._use_canvas(self.canvas)

    def _use_canvas(self, canvas: Canvas) -> None:
        """Draw on `canvas`: what is sized from the screen follows it."""
        self.canvas, self.screen = canvas, canvas.surface
        self._laid_out_for = self.screen.get_size()
        self.pointers = PointerTracker(self.screen.get_size())
        self.background = vignette(self.screen.get_size(), BACKGROUND)

    def sound_alive(self, now: float) -> bool:
        """The sound is rendering blocks. The sound process heals a stall itself within seconds
        (audio/process.py); one that stays stalled stops the watchdog's pings, and systemd
        restarts the whole kiosk."""
        engine = self.engine
        if engine is None or not hasattr(engine, "blocks"):
            return True
        blocks = engine.blocks
        if blocks != self._last_blocks:
            self._last_blocks, self._blocks_at = blocks, now
        return now - self._blocks_at < SOUND_STALL_SECONDS

    def status_line(self) -> str:
        """One line for `systemctl status`: scene, disc, uptime, and whether a display and a sound
        device are there."""
        up = int(self.now)
        disc = self._current_id()
        headless = pygame.display.get_driver() in ("dummy", "offscreen") if pygame.display.get_init() else True
        return (f"{self.scene.name if self.scene else '-'}{' ' + disc if disc else ''} · "
                f"up {up // 86400}d {up // 3600 % 24}h{up // 60 % 60:02d}m{' · no display' if headless else ''}"
                f"{' · no sound device' if self.engine is not None and getattr(self.engine, 'is_null', False) else ''}")
