"""The drawn discs, built on first use and kept in a cache bounded in pictures and megabytes
(display.picture_cache, picture_cache_mb), so a collection of hundreds costs a few pictures'
memory, and every live cut can join it."""
from __future__ import annotations

from collections import OrderedDict
from typing import Tuple

from ..content.library import Disc
from ..sound.settings import DspConfig, condition_value, for_disc
from .disc_art import DiscArt, build_disc_art, load_scan

ON_ONE_SCREEN = 8  # the carousel's seven and one: never fewer kept, or a screen would redraw its own discs


class PictureCache:
    """Disc pictures by (disc, diameter in px), the least recently drawn dropped first."""

    def __init__(self, limit: int, dsp: DspConfig, megabytes: float = float("inf"),
                 keep_at_least: int = ON_ONE_SCREEN):
        self.limit, self.dsp, self.limit_mb, self.keep_at_least = limit, dsp, megabytes, keep_at_least
        self._arts: "OrderedDict[Tuple[str, int], DiscArt]" = OrderedDict()

    def get(self, disc: Disc, diameter: int) -> DiscArt:
        """The picture; a scan that will not decode raises ConfigError naming the file."""
        key = (disc.id, int(diameter))
        if key in self._arts:
            self._arts.move_to_end(key)
            return self._arts[key]
        scan = load_scan(disc.scan_path)
        seed = sum(disc.id.encode("utf-8"))
        info = disc.info
        ecc = condition_value(self.dsp, info.condition, "eccentricity_mm")  # as the sound has the hole
        spiral = for_disc(self.dsp, info.condition, info.diameter_cm, info.rpm).groove.geometry(info.rpm)
        art = self._arts[key] = build_disc_art(scan, info, key[1], seed, ecc, spiral.radius_at(disc.audio_seconds))
        # (the smaller copies a picture makes later are counted at the next new picture)
        while len(self._arts) > self.limit or (len(self._arts) > self.keep_at_least and self.megabytes > self.limit_mb):
            self._arts.popitem(last=False)
        return art

    def clear(self) -> None:
        """Drop them all (their textures with them): the screen changed."""
        self._arts.clear()

    def __len__(self) -> int:
        return len(self._arts)

    @property
    def megabytes(self) -> float:
        """Pixels held, scaled copies included (list(): a snapshot, read from other threads too)."""
        return sum(art.nbytes for art in list(self._arts.values())) / 1e6
