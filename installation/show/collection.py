"""The collection: the discs in the show, their play counts, and the intake of new ones (today
live cuts, show/intake.py), each joining without a restart. A disc whose scan turns out not to
decode leaves the show with one line in the log."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple, Union

import yaml

from ..content.library import Disc, Library, Limits, load_disc
from ..core.commands import CutFinished, DiscArrived, DiscChanged, DiscRemoved
from ..core.geometry import DiscGeometry
from ..core.yamlconf import ConfigError
from ..service.play_counts import PlayCounts
from ..service.vitals import release_memory
from .intake import DrawScan, disc_from_cut

log = logging.getLogger(__name__)
COUNT_EVERY = 60.0  # seconds: a disc played again sooner is the same play (a script's flood is not an audience)


class Collection:
    def __init__(self, library: Library, counts: Optional[PlayCounts] = None, limits: Limits = Limits(),
                 discs_dir: Optional[Path] = None, cut_disc: DiscGeometry = DiscGeometry(),
                 draw_scan: Optional[DrawScan] = None, check_scan: Callable[[Path], object] = lambda path: None,
                 wall: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 tz: Optional[dt.tzinfo] = None):
        self.library = library
        self.wall, self.tz = wall, tz  # the show's clock (a rehearsal's runs fast) and zone: plays go by its hour
        self.counts = counts
        self.limits, self.discs_dir, self.cut_disc = limits, discs_dir, cut_disc
        self.draw_scan, self.check_scan = draw_scan, check_scan
        self.plays_today: Tuple[str, int] = ("", 0)  # (date, plays)
        self.new_disc_id = ""  # the last live cut made into a disc
        self._counted: Dict[str, float] = {}  # disc -> when its last play was counted

    def handlers(self) -> Dict[type, Callable[[Any], None]]:
        return {CutFinished: self._cut_finished, DiscArrived: self._arrived, DiscChanged: self._arrived,
                DiscRemoved: self._removed}

    def count_play(self, disc: Disc, now: float) -> None:
        """One play of `disc` at `now` (the show's clock), counted once a minute at most."""
        if now - self._counted.get(disc.id, -COUNT_EVERY) < COUNT_EVERY:
            return
        self._counted[disc.id] = now
        local = self.wall().astimezone(self.tz)
        today = local.date().isoformat()
        self.plays_today = (today, (self.plays_today[1] if self.plays_today[0] == today else 0) + 1)
        if self.counts is not None:
            self.counts.add(disc.id, local.strftime("%Y-%m-%dT%H"))

    def remove(self, disc_id: str, why: str) -> None:
        """Take a disc out of the show (its scan would not decode): one line says why."""
        log.error("skipping disc: %s", why)
        self._drop(disc_id)

    def _arrived(self, c: Union[DiscArrived, DiscChanged]) -> None:
        """A disc someone added or edited (checked already by `check`'s code) takes its place now."""
        try:
            disc = load_disc(Path(c.folder), limits=self.limits)
        except (OSError, ConfigError) as exc:
            log.error("the disc in %s from %s could not join the show: %s", c.folder, c.source, exc)
            return
        self.library.add(disc)
        log.info("%s from %s: %s%s", "new disc" if isinstance(c, DiscArrived) else "disc changed", c.source, disc.id,
                 " (hidden)" if disc.info.hidden else "")

    def _removed(self, c: DiscRemoved) -> None:
        """A deleted disc leaves the show; one playing now plays to its end."""
        self._drop(c.disc_id)
        log.info("disc removed from %s: %s", c.source, c.disc_id)

    def _drop(self, disc_id: str) -> None:
        """Out of the show and out of the hidden ones (each list replaced whole: other threads read them)."""
        self.library.discs = [d for d in self.library.discs if d.id != disc_id]
        self.library.hidden = [d for d in self.library.hidden if d.id != disc_id]

    def _cut_finished(self, c: CutFinished) -> None:
        """A finished cut joins the collection now, without a restart."""
        if self.discs_dir is None or self.draw_scan is None:
            log.error("the cut in %s is archived; this kiosk makes no discs of cuts", c.folder)
            return
        try:
            folder = disc_from_cut(Path(c.folder), self.discs_dir, self.cut_disc, self.draw_scan)
            disc = load_disc(folder, limits=self.limits)
        except (OSError, ValueError, ConfigError, yaml.YAMLError) as exc:
            log.error("the cut in %s could not be made into a disc: %s", c.folder, exc)
            return
        try:
            self.check_scan(disc.scan_path)
        except ConfigError as exc:
            log.error("skipping disc: %s", exc)
            return
        self.library.add(disc)
        self.new_disc_id = disc.id
        log.info("new disc from the live cut: %s", disc.id)
        release_memory()  # the blank's rendering arrays
