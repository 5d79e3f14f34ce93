"""The drawn discs, built on first use and kept in a cache bounded in pictures and megabytes
(display.picture_cache, picture_cache_mb), so a collection of hundreds costs a few pictures'
memory, and every live cut can join it.

A picture is built off the main loop (`background`): decoding a big scan and shading a disc
take from a tenth of a second to several, and the frames, the watchdog and the finger do not
wait for them; the disc appears when it is ready. One is built at a time, so the memory a
build takes is bounded by one scan's."""
from __future__ import annotations

import os
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Callable, Dict, Optional, Tuple

from ..content.library import Disc
from ..service.vitals import release_memory
from ..sound.settings import DspConfig, condition_value, for_disc
from .disc_art import DiscArt, build_disc_art, load_scan, scan_side

ON_ONE_SCREEN = 8  # the carousel's seven and one: never fewer kept, or a screen would redraw its own discs
BUILDER_NICE = 5  # a picture waits for the frame, never the other way round
Key = Tuple[str, int]


class PictureCache:
    """Disc pictures by (disc, diameter in px), the least recently drawn dropped first."""

    def __init__(self, limit: int, dsp: DspConfig, megabytes: float = float("inf"),
                 keep_at_least: int = ON_ONE_SCREEN, background: bool = False):
        self.limit, self.dsp, self.limit_mb, self.keep_at_least = limit, dsp, megabytes, keep_at_least
        self._arts: "OrderedDict[Key, DiscArt]" = OrderedDict()
        self._builder = ThreadPoolExecutor(1, "pictures", initializer=_below_frames) if background else None
        self._building: Dict[Key, Future] = {}

    def get(self, disc: Disc, diameter: int) -> Optional[DiscArt]:
        """The picture, or None while it is being built; a scan that will not decode raises
        ConfigError naming the file (when its build ends)."""
        return self.picture((disc.id, int(diameter)), lambda: self._build(disc, int(diameter)))

    def picture(self, key: Key, build: Callable[[], DiscArt]) -> Optional[DiscArt]:
        """Any picture drawn like a disc (the live view's blank too), kept and built the same way."""
        self._collect()
        if key in self._arts:
            self._arts.move_to_end(key)
            return self._arts[key]
        if self._builder is None:
            return self._keep(key, build())
        if key not in self._building:
            if len(self._building) < 2 * ON_ONE_SCREEN:  # (a fast scroll: the rest are asked for again)
                self._building[key] = self._builder.submit(build)
        elif self._building[key].done():
            return self._keep(key, self._building.pop(key).result())  # (raises the build's error)
        return None

    def settle(self, timeout: float = 30.0) -> None:
        """Wait for the pictures being built (a one-frame screenshot wants its discs drawn)."""
        wait(list(self._building.values()), timeout)
        self._collect()

    def _collect(self) -> None:
        """Keep what has been built; a failed build stays until its disc asks again (and hears why)."""
        for key, future in list(self._building.items()):
            if future.done() and future.exception() is None:
                self._keep(key, self._building.pop(key).result())

    def _build(self, disc: Disc, diameter: int) -> DiscArt:
        info = disc.info
        scan = load_scan(disc.scan_path, scan_side(diameter))
        ecc = condition_value(self.dsp, info.condition, "eccentricity_mm")  # as the sound has the hole
        spiral = for_disc(self.dsp, info.condition, info.diameter_cm, info.rpm).groove.geometry(info.rpm)
        art = build_disc_art(scan, info.diameter_cm, diameter, sum(disc.id.encode("utf-8")), ecc,
                             spiral.radius_at(disc.audio_seconds))
        del scan
        release_memory()  # the decoded scan and the shading's arrays, from this thread's heap too
        return art

    def _keep(self, key: Key, art: DiscArt) -> DiscArt:
        self._arts[key] = art
        # (the smaller copies a picture makes later are counted at the next new picture)
        while len(self._arts) > self.limit or (len(self._arts) > self.keep_at_least and self.megabytes > self.limit_mb):
            self._arts.popitem(last=False)
        return art

    def clear(self) -> None:
        """Drop them all (their textures with them): the screen changed. Builds under way for the
        old size are let go."""
        self._arts.clear()
        for future in self._building.values():
            future.cancel()
        self._building.clear()

    def close(self) -> None:
        self.clear()
        if self._builder is not None:
            self._builder.shutdown(wait=False, cancel_futures=True)

    def __len__(self) -> int:
        return len(self._arts)

    @property
    def megabytes(self) -> float:
        """Pixels held, scaled copies included (list(): a snapshot, read from other threads too)."""
        return sum(art.nbytes for art in list(self._arts.values())) / 1e6


def _below_frames() -> None:
    """The builder's thread at a lower priority than the frames' (Linux: acts on this thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, BUILDER_NICE)
    except (OSError, AttributeError):
        pass
