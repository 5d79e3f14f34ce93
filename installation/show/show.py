"""The show: which screen is on, switching between screens, what a visitor's or a performer's
request does to them, and fault isolation.

A screen (scenes/, one module each) fails alone: an exception in it is logged with its
traceback and the show goes back to attract; a screen that fails FAULT_LIMIT times is taken
out of the show until the next start. Content and input never end the process.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Optional, Protocol, Tuple

from ..content.library import Disc
from ..core.commands import Command, PlayCurrent, PlayDisc, ShowScene, Stop
from ..sound.port import PlayFile, Sound
from ..sound.port import Stop as StopSound
from ..sound.settings import DspConfig, for_disc
from .collection import Collection

log = logging.getLogger(__name__)

FAULT_LIMIT = 5  # a scene failing this often is taken out of the show


class Screen(Protocol):
    """What the show needs of a scene (screen/scene_base.py's Scene)."""

    name: str

    @property
    def disc(self) -> Optional[Disc]: ...  # the disc it shows, if any

    def enter(self, **params: Any) -> None: ...

    def handle_event(self, event: Any) -> None: ...

    def update(self, dt: float) -> None: ...

    def draw(self, surface: Any) -> None: ...

    def exit(self) -> None: ...


class Show:
    def __init__(self, collection: Collection, sound: Optional[Sound], dsp: DspConfig,
                 languages: Tuple[str, ...], visitor_events: Tuple[int, ...] = ()):
        self.collection, self.sound, self.dsp = collection, sound, dsp
        self.default_languages = self.languages = languages  # the first is shown largest
        self.visitor_events = visitor_events  # event types that count as a visitor's activity
        self.scenes: Dict[str, Screen] = {}
        self.scene: Optional[Screen] = None
        self.faults: Dict[str, int] = {}  # scene -> exceptions caught so far
        self.disabled: set = set()  # scenes taken out of the show after FAULT_LIMIT failures
        self.now = 0.0  # seconds since start
        self.plays = 0  # discs put on the platter since the start (counted or not)
        self.idle_seconds = 0.0  # since the last visitor or performer input
        self._refused_closed = 0  # plays and scenes asked for while closed

    def build(self, names, make: Callable[[str], Screen]) -> None:
        self.scenes = {name: make(name) for name in names}

    def handlers(self) -> Dict[type, Callable[[Any], None]]:
        return {ShowScene: self._show_scene, PlayDisc: self._play_disc, PlayCurrent: self._play_current,
                Stop: self._stop}

    # -- screens -------------------------------------------------------------------------
    def switch(self, name: str, **params: Any) -> None:
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

    def showing(self, name: str) -> bool:
        return self.scene is not None and self.scene is self.scenes.get(name)

    def guarded(self, what: str, action: Callable[..., Any], *args: Any) -> bool:
        """Run a scene's or a handler's code; an exception sends the show back to attract, and
        a scene that fails FAULT_LIMIT times is taken out. True when it ran cleanly."""
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
            try:
                if name != "attract":
                    self.switch("attract")
                elif self.scene is not None:  # attract itself failed: start it afresh
                    self.scene.enter()
            except Exception:
                log.exception("the fallback to attract failed too")
            return False

    def advance(self, dt: float) -> None:
        self.now += dt
        self.idle_seconds += dt

    def handle(self, event: Any) -> None:
        """A visitor's input for the screen on (touches and keys also reset the idle timer)."""
        if event.type in self.visitor_events:
            self.idle_seconds = 0.0
        if self.scene is not None:
            self.guarded("input", self.scene.handle_event, event)

    def frame(self, dt: float, surface: Any) -> None:
        """The screen on moves on by `dt` and draws its whole frame."""
        if self.scene is not None and self.guarded("update", self.scene.update, dt):
            self.guarded("draw", self.scene.draw, surface)

    def touched(self) -> None:
        """Someone is there (a hand on the real platter, a sensor): the idle timer starts again."""
        self.idle_seconds = 0.0

    # -- what scenes ask -------------------------------------------------------------------
    def play(self, disc: Disc) -> None:
        """Fade to `disc` (decoded and cut off the main loop) and count the play."""
        self.plays += 1
        self.collection.count_play(disc, self.now)
        if self.sound is not None:
            info = disc.info
            self.sound.apply(PlayFile(disc.id, disc.audio_path, for_disc(self.dsp, info.condition, info.diameter_cm,
                                                                         info.rpm)))

    def stop_sound(self) -> None:
        if self.sound is not None:
            self.sound.apply(StopSound())

    def toggle_language(self) -> None:
        """RU first or EN first, for every screen, until the next visitor (attract resets it)."""
        if len(self.languages) > 1:
            self.languages = tuple(reversed(self.languages))
            log.info("language: %s first", self.languages[0])

    def reset_languages(self) -> None:
        """The next visitor starts in the show's own order."""
        self.languages = self.default_languages

    @property
    def disc_id(self) -> str:
        """The disc on screen now ("" for none)."""
        disc = self.scene.disc if self.scene is not None else None
        return disc.id if disc is not None else ""

    # -- commands --------------------------------------------------------------------------
    def _closed(self, what: str) -> bool:
        """Outside opening hours the screen stays dark and silent: a performer's play or scene
        waits for the opening (opening_hours.enabled: false to rehearse before it)."""
        if not self.showing("closed"):
            return False
        self._refused_closed += 1
        if self._refused_closed in (1, 10) or self._refused_closed % 1000 == 0:
            log.info("closed: %s ignored until the opening hours (%d so far)", what, self._refused_closed)
        return True

    def _show_scene(self, c: ShowScene) -> None:
        if c.name != "closed" and self._closed(f"scene {c.name}"):
            return
        self.idle_seconds = 0.0  # the performer's command is activity
        self.switch(c.name, disc_id=c.disc_id or self.disc_id)

    def _play_disc(self, c: PlayDisc) -> None:
        library = self.collection.library
        if library.find(c.disc_id) is None:
            log.warning("play %r: no such disc (discs: %s)", c.disc_id, ", ".join(d.id for d in library.discs))
            return
        if self._closed(f"play {c.disc_id}"):
            return
        self.idle_seconds = 0.0
        self.switch("player", disc_id=c.disc_id, hold=True)

    def _play_current(self, c: Command) -> None:
        if self._closed("play"):
            return
        self.idle_seconds = 0.0
        self.switch("player", disc_id=self.disc_id, hold=True)

    def _stop(self, c: Command) -> None:
        self.idle_seconds = 0.0
        self.switch("attract", disc_id=self.disc_id)
