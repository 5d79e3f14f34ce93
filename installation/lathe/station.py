"""The lathe station: the lathe, its controller, the station's audio and the archive, run on a
thread of their own at 50 Hz.

Requests (arm, confirm, start, stop, e-stop, reset) arrive from any thread through `request`
and are carried out on the station's thread in order; a refusal is logged and kept for the
performer's status reply. The station posts `LatheChanged` on every transition and
`CutFinished` when a cut has been archived, to the main loop's command bus like any other
producer, and publishes a `LatheView` snapshot that the live view reads each frame.
"""
from __future__ import annotations

import datetime as dt
import logging
import queue
import shutil
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional, Tuple

from ..core.commands import CommandBus, CutFinished, LatheChanged
from ..core.states import LatheState
from .archive import Archive, Cut
from .controller import CutController, Refused, Transition
from .machine import Lathe, LatheError
from .settings import LatheConfig
from .trace import GrooveTrace

if TYPE_CHECKING:  # handed in (app/cli.py): its filters' scipy costs a second to import, lathe or not
    from .station_audio import StationAudio

log = logging.getLogger(__name__)

TICK_SECONDS = 0.02
STUCK_SECONDS = 5.0  # the station's thread this long without a step counts as stuck
REQUESTS = ("arm", "confirm", "start", "stop", "estop", "reset")


@dataclass(frozen=True)
class Window:
    """The demo whose cutting window is open, as the schedule said last."""

    performer: str = ""
    title: str = ""
    side_seconds: Optional[float] = None


@dataclass(frozen=True)
class LatheView:
    """What the live view and the OSC status show; replaced whole, never changed in place."""

    state: LatheState = LatheState.IDLE
    reason: str = ""
    armed: bool = False  # waiting for the confirmation at the station
    rpm: Optional[float] = None
    radius_mm: Optional[float] = None
    stylus_c: Optional[float] = None
    level: float = 0.0
    seconds_left: float = 0.0
    side_seconds: float = 0.0
    refusal: str = ""  # the last request refused, and why
    notes: Tuple[str, ...] = field(default=())  # what the operator does by hand on this lathe


def make_lathe(cfg: LatheConfig) -> Lathe:
    if cfg.backend == "serial":
        from .serial_lathe import SerialLathe

        return SerialLathe(cfg)
    if cfg.backend == "lathe_guide":
        from .lathe_guide import LatheGuideLathe

        return LatheGuideLathe(cfg)
    from .simulated import SimulatedLathe

    return SimulatedLathe(cfg)


class LatheStation:
    def __init__(self, cfg: LatheConfig, lathe: Lathe, audio: StationAudio, archive: Archive, bus: CommandBus,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], dt.datetime] = lambda: dt.datetime.now().astimezone(), clock_rate: float = 1.0):
        self.cfg = cfg
        self.lathe = lathe
        self.audio = audio
        self.archive = archive
        self.bus = bus
        self.clock, self.wall = clock, wall
        self.controller = CutController(cfg, lathe, mute=audio.mute, clock_rate=clock_rate)
        self.controller.listeners.append(self._on_transition)
        self.trace = GrooveTrace()
        self.window: Optional[Window] = None  # set by the main loop from the schedule
        self.view = LatheView(notes=lathe.capabilities.notes)
        self._requests: "queue.SimpleQueue[Tuple[str, str, dict]]" = queue.SimpleQueue()
        self._cut: Optional[Cut] = None
        self._seconds = 0.0  # recorded in the last cut
        self._last: Optional[float] = None
        self._refusal = ""
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._stepped_at = time.monotonic()

    # -- any thread ------------------------------------------------------------------------------
    def request(self, kind: str, source: str, refused: Optional[Callable[[str], None]] = None, **params) -> None:
        """Queue a request; an e-stop is also acted on at once, whatever the station thread is doing.
        `refused(why)` is called (on the station's thread) if it is refused."""
        if kind not in REQUESTS:
            raise ValueError(f"unknown lathe request {kind!r}")
        if kind == "estop":
            try:
                self.lathe.estop()
                self.audio.mute(True)
            except Exception as exc:  # the queued one below still runs the whole safe sequence
                log.error("lathe: immediate e-stop failed: %s", exc)
        self._requests.put((kind, source, dict(params, refused=refused)))

    def start(self) -> None:
        self.lathe.connect(self.clock())
        self._thread = threading.Thread(target=self._run, name="lathe", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.controller.make_safe()
        if self._cut is not None:
            self._end_recording(LatheState.ABORTED, "the kiosk stopped")
        self.audio.close()
        self.lathe.close()

    # -- the station's thread ------------------------------------------------------------------
    def responsive(self, now: float, patience: float = STUCK_SECONDS) -> bool:
        """The station's thread is alive and stepping (`now`: time.monotonic()): a lathe that nothing
        watches any more stops the watchdog's pings, and systemd restarts the kiosk."""
        return self._thread is not None and self._thread.is_alive() and now - self._stepped_at < patience

    def _run(self) -> None:
        while not self._stop.is_set():
            self._stepped_at = time.monotonic()
            try:
                self.step(self.clock())
            except Exception:  # a bug must not leave a lathe running unwatched
                log.exception("lathe: station step failed; making the lathe safe")
                try:
                    self.controller.estop(self.clock(), "the station's own error")
                except Exception:
                    log.exception("lathe: e-stop after the error failed too")
            self._stop.wait(TICK_SECONDS)

    def step(self, now: float) -> None:
        """One tick: the lathe's news, requests (judged on that news: an arm queued before the
        station's first tick is not refused for a lathe that simply was not asked yet), the groove,
        the state machine, the snapshot."""
        self.lathe.poll(now)
        while True:
            try:
                kind, source, params = self._requests.get_nowait()
            except queue.Empty:
                break
            self._handle(kind, source, params, now)
        self.audio.check()
        status = self.lathe.status()
        dt_ = 0.0 if self._last is None else max(0.0, now - self._last)
        self._last = now
        ctl = self.controller
        if ctl.state == LatheState.CUTTING:
            self.trace.advance(status.rpm if status.rpm is not None else self.cfg.rpm, dt_)
            if status.radius_mm is not None:
                self.trace.add(status.radius_mm, self.audio.level)
            self.lathe.modulate(self.audio.level)
        ctl.tick(now)
        if ctl.state == LatheState.CUTTING and self.audio.recording_error:  # an interlock: no cut we cannot keep
            ctl.abort(now, f"{self.audio.recording_error}: the cut is stopped and kept as far as it went")
        self.view = LatheView(
            state=ctl.state, reason=ctl.reason, armed=ctl.confirm_until is not None, rpm=status.rpm,
            radius_mm=status.radius_mm, stylus_c=status.stylus_c, level=self.audio.level,
            seconds_left=max(0.0, ctl.seconds_left(now, status)), side_seconds=ctl.side_seconds,
            refusal=self._refusal, notes=self.lathe.capabilities.notes)

    def _handle(self, kind: str, source: str, params: dict, now: float) -> None:
        ctl = self.controller
        try:
            if kind == "arm":
                if params.get("force"):  # whoever it was: the performer's address can be borrowed
                    log.warning("lathe: %s asks to arm outside any demo window (the lathe still waits for its "
                                "confirmation at the station)", source)
                window = self.window
                self._room_for(window.side_seconds if window else None)
                ctl.arm(now, in_window=window is not None, force=bool(params.get("force")),
                        side_seconds=window.side_seconds if window else None)
            elif kind == "confirm":
                ctl.confirm(now, source)
            elif kind == "start":
                ctl.start(now)
            elif kind == "stop":
                ctl.stop(now, source)
            elif kind == "estop":
                ctl.estop(now, source)
            elif kind == "reset":
                ctl.reset(now)
            self._refusal = ""
        except Refused as exc:
            self._refusal = f"{kind}: {exc}"
            log.warning("lathe: %s refused (%s): %s", kind, source, exc)
            if params.get("refused") is not None:
                params["refused"](self._refusal)

    def _room_for(self, side_seconds: Optional[float]) -> None:
        """Refused unless the data disk has room for the whole side (24-bit mono, and a margin)."""
        seconds = min(side_seconds or self.cfg.side_seconds(), self.cfg.side_seconds())
        needed = seconds * self.audio.cfg.sample_rate * 3 * 1.2 + 5e6
        where = self.archive.cuts
        while not where.exists() and where.parent != where:
            where = where.parent
        free = shutil.disk_usage(where).free
        if free < needed:
            raise Refused(f"no room on the data disk for a side of {seconds:.0f} s: {free / 1e6:.0f} MB free, "
                          f"{needed / 1e6:.0f} MB needed")

    def _open_audio(self, now: float) -> None:
        try:
            self.audio.open()
        except LatheError as exc:
            self.controller.fail(now, str(exc))

    def _on_transition(self, t: Transition) -> None:
        self.bus.post(LatheChanged(t.new, t.reason))
        if t.new == LatheState.PREPARING:  # confirmed: by the station's key, or the lathe's own button
            self._open_audio(t.at)
        elif t.new == LatheState.CUTTING:
            self._begin_recording(t.at)
        elif t.old == LatheState.CUTTING:
            self._seconds = self.audio.record_to(None)  # what was cut; the lift and spin-down are not
        if t.new.ended and t.old != t.new:
            self._end_recording(t.new, t.reason)
            self.audio.close()

    def _begin_recording(self, now: float) -> None:
        window = self.window or Window()
        self.trace.clear()
        cfg = self.cfg
        settings = {"backend": cfg.backend, "rpm": cfg.rpm, "lines_per_inch": cfg.lines_per_inch,
                    "outer_radius_mm": cfg.outer_radius_mm, "inner_radius_mm": cfg.inner_radius_mm,
                    "side_seconds": round(self.controller.side_seconds, 1),
                    "stylus_temperature_c": cfg.stylus_temperature_c, "sample_rate": self.audio.cfg.sample_rate}
        try:
            self._cut = self.archive.begin(self.wall(), window.performer, window.title, settings)
            self.audio.record_to(self._cut.audio)
        except OSError as exc:  # the data disk is full or gone: no cut that cannot be kept
            self._cut = None
            self.controller.fail(now, f"cannot record the cut: {exc}")

    def _end_recording(self, outcome: LatheState, reason: str) -> None:
        cut, self._cut = self._cut, None
        if cut is None:
            return
        seconds = self.audio.record_to(None) or self._seconds
        try:
            Archive.end(cut, outcome.value, reason, seconds, self.trace.points(), self.wall())
        except OSError as exc:  # the disk is full: the recording is there as far as it went
            log.error("lathe: the cut in %s could not be closed (%s): its cut.yaml may say it is still cutting",
                      cut.folder, exc.strerror or exc)
            return
        log.info("lathe: cut archived in %s (%s, %.1f s)", cut.folder, outcome, seconds)
        if outcome == LatheState.DONE:
            self.bus.post(CutFinished(str(cut.folder)))
