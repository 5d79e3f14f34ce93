"""Health: how the kiosk is, for whoever asks. The self-test (at start, before opening, on
demand), systemd's watchdog (pinged only while frames are drawn and the sound renders), the
status board that OSC reads and the feedback it sends to the performer's laptop, the
technician's overlay (its clock; screen/overlay.py draws it), and the kiosk's own end.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any, Callable, Dict, Optional

from ..core.commands import Quit, RunSelfTest, ShowOverlay
from ..lathe.station import LatheStation
from ..remote.osc.server import OscServer
from ..remote.osc.settings import FeedbackConfig
from ..service.notify import Notifier
from ..service.status import StatusBoard
from ..service.vitals import FrameTimes, recent_problems, release_memory, rss_mb
from ..sound.port import Sound, SoundStatus
from .collection import Collection
from .selftest import SelfTestReport, run_self_test
from .show import Show

log = logging.getLogger(__name__)

OVERLAY_SECONDS = 60.0  # the technician's overlay hides itself after this
SELF_TEST_AFTER_START = 10.0  # seconds: the sound has found its device by then
SOUND_START_PATIENCE = 60.0  # s more the start's self-test waits for a sound process still opening its device
SELF_TEST_EVERY = 10.0  # seconds: asked again sooner (a flood over OSC), it runs once, that much later
VITALS_EVERY = 1.0  # seconds between readings of memory, frame times, the next demo and opening, the last problems
SOUND_STALL_SECONDS = 5.0  # no audio block rendered for this long: the sound counts as stalled
TRIM_EVERY = 3600.0  # seconds between handing freed memory back to the system


class Health:
    def __init__(self, show: Show, collection: Collection, sound: Optional[Sound], status: StatusBoard,
                 notifier: Notifier, data_path: Any, wall: Callable[[], dt.datetime],
                 lathe: Optional[LatheStation] = None, osc: Optional[OscServer] = None,
                 feedback: FeedbackConfig = FeedbackConfig(), headless: Callable[[], bool] = lambda: True,
                 outlook: Callable[[], Dict[str, str]] = dict, display: Callable[[], str] = lambda: ""):
        self.show, self.collection, self.sound, self.status, self.notifier = show, collection, sound, status, notifier
        self.data_path, self.wall, self.lathe, self.osc, self.feedback = data_path, wall, lathe, osc, feedback
        self.headless = headless  # no display: the status line says so
        self.outlook, self.display = outlook, display  # the next demo and opening; the display, in words
        self._vitals: Dict[str, Any] = {}  # what changes slowly, read every VITALS_EVERY s (not every frame)
        self._vitals_at = -VITALS_EVERY
        self.frames = FrameTimes()
        self.problems = recent_problems()
        self.self_test: Optional[SelfTestReport] = None  # the latest (show/selftest.py)
        self.overlay_until = -1.0  # show.now until which the technician's overlay shows
        self.running = True
        self.quit_reason = ""
        self._self_test_at: Optional[float] = SELF_TEST_AFTER_START  # show.now of the next one, if any
        self._self_test_reason = "at start"
        self._tested_at = -SELF_TEST_EVERY  # show.now of the last one run
        self._next_trim = TRIM_EVERY
        self._next_feedback = 0.0
        self._blocks = (-1, time.perf_counter())  # the sound's block count, and when it last moved

    def handlers(self) -> Dict[type, Callable[[Any], None]]:
        return {RunSelfTest: self._self_test, ShowOverlay: self._toggle_overlay, Quit: self._quit}

    def tick(self, bus: Any) -> None:
        """Once a frame, before the commands: the self-test after start is due; memory trimmed hourly."""
        now = self.show.now
        if now >= self._next_trim:
            self._next_trim = now + TRIM_EVERY
            release_memory()
        if self._self_test_at is not None and now >= self._self_test_at:
            if self._sound_starting() and now < SELF_TEST_AFTER_START + SOUND_START_PATIENCE:
                self._self_test_at = now + 1.0  # (a loaded box: slow to start is not "not taking sound")
                return
            self._self_test_at = None
            bus.post(RunSelfTest(self._self_test_reason))

    def _sound_starting(self) -> bool:
        return self.sound is not None and self._self_test_reason == "at start" and \
            self.sound.status().device == "starting"

    def overlay_showing(self) -> bool:
        return self.show.now < self.overlay_until

    def sound_status(self) -> SoundStatus:
        return self.sound.status() if self.sound is not None else SoundStatus(device="none")

    def sound_alive(self, now: float) -> bool:
        """The sound is rendering blocks. The sound process heals a stall itself within seconds
        (sound/process.py); one that stays stalled stops the watchdog's pings, and systemd
        restarts the whole kiosk."""
        if self.sound is None:
            return True
        blocks = self.sound.status().blocks
        if blocks != self._blocks[0]:
            self._blocks = (blocks, now)
        return now - self._blocks[1] < SOUND_STALL_SECONDS

    def status_line(self) -> str:
        """One line for `systemctl status`: scene, disc, uptime, and whether a display and a sound
        device are there."""
        show = self.show
        up, disc = int(show.now), show.disc_id
        no_sound = self.sound is not None and self.sound.status().is_null
        return (f"{show.scene.name if show.scene else '-'}{' ' + disc if disc else ''} · "
                f"up {up // 86400}d {up // 3600 % 24}h{up // 60 % 60:02d}m{' · no display' if self.headless() else ''}"
                f"{' · no sound device' if no_sound else ''}")

    def publish(self) -> None:
        """The status board (OSC's /kiosk/status reads it) and, when due, feedback to the laptop."""
        s, show = self.sound_status(), self.show
        lathe = self.lathe.view if self.lathe is not None else None
        if show.now - self._vitals_at >= VITALS_EVERY:
            self._vitals_at = show.now
            self._vitals = dict(self.outlook(), display=self.display(), memory_mb=round(rss_mb(), 1),
                                sound_memory_mb=round(s.memory_mb, 1), problems=list(self.problems.lines)[-10:],
                                fps=round(self.frames.fps, 1), frame_p99_ms=round(self.frames.p99_ms, 1))
        self.status.publish(**self._vitals, scene=show.scene.name if show.scene else "", disc=show.disc_id,
                            position=s.position, level=s.level, speed=s.speed, underruns=s.underruns,
                            selftest=self.self_test.summary() if self.self_test else "not run yet",
                            uptime=int(show.now), sound_device=s.device,
                            lathe=f"{lathe.state.value}: {lathe.reason}" if lathe is not None else "off")
        if self.osc is not None and self.feedback.hosts and show.now >= self._next_feedback:
            self._next_feedback = show.now + self.feedback.interval_seconds
            messages = self.osc.status_messages()
            for host in self.feedback.hosts:
                name, _, port = host.rpartition(":")
                self.osc.reply((name, int(port)), messages)

    def ready(self) -> None:
        """systemd's READY: the first frame is on the screen."""
        self.notifier.ready(self.status_line())

    def ping(self, now: float) -> None:
        """systemd's watchdog, fed only while every part that matters lives: frames (this is
        called from the loop), the sound, OSC's loop coming back to its socket, the lathe's thread."""
        at = time.monotonic()
        others = (self.osc is None or self.osc.responsive(at)) and (self.lathe is None or self.lathe.responsive(at))
        self.notifier.watchdog(now, self.sound_alive(now) and others, self.status_line())

    # -- commands ----------------------------------------------------------------------------
    def _self_test(self, c: RunSelfTest) -> None:
        if self.show.now - self._tested_at < SELF_TEST_EVERY:  # once in SELF_TEST_EVERY, however many ask
            if self._self_test_at is None:
                self._self_test_at, self._self_test_reason = self._tested_at + SELF_TEST_EVERY, c.reason
            return
        self._tested_at = self.show.now
        sound = self.sound.status() if self.sound is not None else None
        report = run_self_test(self.wall().astimezone().strftime("%Y-%m-%d %H:%M"), c.reason, sound,
                               self.sound_alive(time.perf_counter()), self.collection.library, self.data_path,
                               self.lathe.view if self.lathe is not None else None)
        self.self_test = report
        log.info("self-test (%s): %s", c.reason, "all ok" if report.ok else "PROBLEMS")
        for check in report.checks:
            log.log(logging.INFO if check.ok else logging.WARNING, "self-test: %s", check.line())

    def _toggle_overlay(self, c: ShowOverlay) -> None:
        now = self.show.now
        self.overlay_until = -1.0 if now < self.overlay_until else now + OVERLAY_SECONDS

    def _quit(self, c: Quit) -> None:
        log.info("quit: %s", c.reason)
        self.quit_reason = c.reason
        self.notifier.stopping(c.reason)
        self.running = False
