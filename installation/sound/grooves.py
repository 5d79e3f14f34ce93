"""Cut once, play many: the grooves cut from the discs' audio, and the loader that cuts them.

A disc's audio is decoded and cut into a groove (cut.py) off the audio thread and off the main
loop, on the loader's one worker thread, and kept in a cache bounded in megabytes
(audio.cache_mb), so a visitor coming back to a disc hears it at once. The latest request
wins: a decode that finishes after another disc was asked for is not played.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

from .cut import cut
from .loader import decode
from .player import Load, PlayerCommand, Swap
from .port import PlayFile
from .readhead import Track
from .settings import DspConfig, cut_settings, replace_param

log = logging.getLogger(__name__)


class GrooveCache:
    """Grooves by (disc, everything the cut depends on), the least recently played dropped first
    once they hold more than `megabytes`; the groove just cut always stays."""

    def __init__(self, megabytes: float):
        self.megabytes = megabytes
        self._grooves: "OrderedDict[Tuple[str, tuple], Track]" = OrderedDict()

    def get(self, track_id: str, settings: DspConfig) -> Optional[Track]:
        return self._grooves.get((track_id, cut_settings(settings)))

    def cut(self, source: Track, settings: DspConfig, sample_rate: int) -> Track:
        """The groove of `source` cut with `settings`: from the cache, or cut now (in this thread)."""
        key = (source.id, cut_settings(settings))
        groove = self._grooves.get(key)
        if groove is None:
            groove = self._grooves[key] = cut(source, settings, sample_rate)
            while len(self._grooves) > 1 and self.nbytes > self.megabytes * 1e6:
                self._grooves.popitem(last=False)
        self._grooves.move_to_end(key)
        return groove

    @property
    def nbytes(self) -> int:
        return sum(g.nbytes for g in list(self._grooves.values()))

    def keys(self) -> list:
        return list(self._grooves)

    def clear(self) -> None:
        self._grooves.clear()


@dataclass
class OnPlatter:
    """The disc asked for last, with what a re-cut needs."""
    id: str
    path: Optional[Path]  # None: handed over decoded (play_track)
    source: Optional[Track]  # None: its groove came from the cache
    settings: DspConfig


class Loader:
    """Decodes and cuts on one worker; hands the player a `Load` (or, after a live change of a
    parameter that is cut into the groove, a `Swap`) through `deliver`."""

    def __init__(self, cache: GrooveCache, deliver: Callable[[PlayerCommand], None], sample_rate: Callable[[], int]):
        self.cache, self.deliver, self.sample_rate = cache, deliver, sample_rate
        self.on_platter: Optional[OnPlatter] = None
        self._serial = 0  # of the latest request: a late decode never overrides a newer one
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio-loader", initializer=_ordinary)
        self._pending = 0  # decodes and cuts asked for and not done yet
        self._lock = threading.Lock()
        self._changes: Dict[Tuple[str, str], float] = {}  # live changes of cut parameters, not cut yet
        self._recuts = 0  # re-cuts asked for: only the latest one cuts

    @property
    def loading(self) -> bool:
        """A disc is being decoded or cut (a long FLAC on a small box takes seconds)."""
        return self._pending > 0

    def play_track(self, track: Track, settings: DspConfig, spin_up: bool) -> None:
        """A decoded track (offline renders): cut in this thread, then played."""
        self._serial += 1
        self.on_platter = OnPlatter(track.id, None, track, settings)
        self.deliver(Load(self.cache.cut(track, settings, self.sample_rate()), settings, spin_up))

    def play_file(self, c: PlayFile) -> None:
        """Decode and cut on the worker; a decode error is logged, naming the file. Asked for
        again before it started (a flood of discs), only the latest is decoded."""
        self._serial += 1
        serial = self._serial
        with self._lock:
            self._changes.clear()

        def load() -> None:
            if serial != self._serial:
                return  # another disc was asked for since: that one is next
            groove, source = self.cache.get(c.track_id, c.settings), None
            if groove is None:
                source = decode(c.path, self.sample_rate(), c.track_id)
                groove = self.cache.cut(source, c.settings, self.sample_rate())
            if serial == self._serial:  # nobody asked for another disc meanwhile
                self.on_platter = OnPlatter(c.track_id, c.path, source, c.settings)
                self.deliver(Load(groove, c.settings, c.spin_up, c.at))

        self._submit(load, f"{c.path}: cannot play audio")

    def recut(self, stage: str, name: str, value: float) -> None:
        """A live change of a parameter cut into the groove: the disc on the platter is cut again
        in the background and the new groove takes over where the stylus is. A performer's fader
        sweep asks two hundred times: only the latest settings are cut, and a cut that a newer
        change has made stale is not played (the newer cut has every change in it)."""
        serial = self._serial
        with self._lock:
            self._changes[(stage, name)] = value
            self._recuts += 1
            wanted = self._recuts

        def again() -> None:
            playing = self.on_platter
            if playing is None or serial != self._serial or wanted != self._recuts:
                return  # another disc, or a newer change whose cut is queued behind this one
            with self._lock:
                changes, self._changes = self._changes, {}
            for (stage_, name_), value_ in changes.items():
                playing.settings = replace_param(playing.settings, stage_, name_, value_)
            if playing.source is None:  # it came from the cache: decode again
                assert playing.path is not None
                playing.source = decode(playing.path, self.sample_rate(), playing.id)
            groove = self.cache.cut(playing.source, playing.settings, self.sample_rate())
            if serial == self._serial and wanted == self._recuts:
                self.deliver(Swap(groove, playing.settings))

        self._submit(again, f"dsp.{stage}.{name}: cannot re-cut the disc")

    def forget(self) -> None:
        """Nothing on the platter any more: decodes still running are not played."""
        self._serial += 1
        self.on_platter = None
        with self._lock:
            self._changes.clear()

    def request_again(self) -> Optional[PlayFile]:
        """The disc on the platter as a new request (the device runs at another rate: cut it again)."""
        p = self.on_platter
        if p is None or p.path is None:
            return None
        return PlayFile(p.id, p.path, p.settings, spin_up=False)

    def _submit(self, work: Callable[[], None], what: str) -> None:
        def run() -> None:
            try:
                work()
            except Exception as exc:  # soundfile's errors name no file: `what` does
                log.error("%s: %s", what, exc)
            finally:
                with self._lock:
                    self._pending -= 1

        with self._lock:
            self._pending += 1
        self._pool.submit(run)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


LOADER_NICE = 5  # below the picture: a disc's cut waits for the frame, never the other way round


def _ordinary() -> None:
    """The loader's thread leaves the sound process's real-time priority: a cut is seconds of
    arithmetic, and at SCHED_FIFO it would hold a core from everything, the callback's own
    status loop and the kiosk's frames included. (Linux: both calls act on this thread.)"""
    try:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        os.setpriority(os.PRIO_PROCESS, 0, LOADER_NICE)
    except (OSError, AttributeError):
        pass


def with_param(c: PlayFile, stage: str, name: str, value: float) -> PlayFile:
    """`c` with one sound parameter changed (a live change that must survive a restart)."""
    return replace(c, settings=replace_param(c.settings, stage, name, value))
