"""The audience: the gallery's sensors as the kiosk keeps them (who is present in which zone, how
near the nearest visitor stands), and the volume they shape. Each reading holds for
`hold_seconds`, so a sensor that died or was unplugged stops counting; both tables are bounded
by `max_zones`, so a flood of made-up zone names cannot grow them."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Tuple

from ..core.commands import Presence, Proximity, SetVolume
from ..remote.osc.settings import ProximityVolumeConfig
from ..sound.port import SetVolume as SoundVolume
from ..sound.port import Sound
from .show import Show

log = logging.getLogger(__name__)


@dataclass
class Sensors:
    hold_seconds: float
    max_zones: int
    present: Dict[str, float] = field(default_factory=dict)  # zone -> until when someone counts as there
    nearest: Dict[str, Tuple[float, float]] = field(default_factory=dict)  # zone -> (metres, until when)

    def presence(self, zone: str, present: bool, now: float) -> None:
        if present:
            _bounded_put(self.present, zone, now + self.hold_seconds, self.max_zones)
        else:
            self.present.pop(zone, None)

    def proximity(self, zone: str, metres: float, now: float) -> None:
        _bounded_put(self.nearest, zone, (metres, now + self.hold_seconds), self.max_zones)

    @property
    def anyone(self) -> bool:
        return bool(self.present)

    def expire(self, now: float) -> bool:
        """Forget what no sensor has said for hold_seconds; True when a distance went."""
        for zone in [z for z, until in self.present.items() if until <= now]:
            log.info("presence in %r expired: no word from its sensor for %.0f s", zone, self.hold_seconds)
            del self.present[zone]
        gone = [z for z, (_, until) in self.nearest.items() if until <= now]
        for zone in gone:
            del self.nearest[zone]
        return bool(gone)

    def volume_factor(self, prox: ProximityVolumeConfig) -> float:
        """Full volume for a visitor near, `far_volume` of it for one far away, linear between."""
        if not (prox.enabled and self.nearest):
            return 1.0
        d = min(metres for metres, _ in self.nearest.values())
        t = min(1.0, max(0.0, (d - prox.near_metres) / max(prox.far_metres - prox.near_metres, 1e-6)))
        return 1.0 + (prox.far_volume - 1.0) * t


def _bounded_put(table: dict, key: str, value, limit: int) -> None:
    """Set table[key]; a new key beyond `limit` pushes out the oldest entry."""
    if key not in table and len(table) >= limit:
        del table[next(iter(table))]
    table.pop(key, None)
    table[key] = value


class Audience:
    """Who is there, and the volume: the performer's, scaled by how near the nearest visitor stands.
    Presence wakes the show from attract; while anyone is present it does not go idle."""

    def __init__(self, sensors: Sensors, show: Show, sound: Optional[Sound], volume: float,
                 proximity: ProximityVolumeConfig):
        self.sensors, self.show, self.sound = sensors, show, sound
        self.volume = volume  # the performer's
        self.proximity = proximity

    def handlers(self) -> Dict[type, Callable[[Any], None]]:
        return {SetVolume: self._set_volume, Presence: self._presence, Proximity: self._proximity}

    def tick(self) -> None:
        """Once a frame: readings no sensor renewed expire; somebody there counts as activity."""
        if self.sensors.expire(self.show.now):
            self._apply()
        if self.sensors.anyone:
            self.show.touched()

    def _set_volume(self, c: SetVolume) -> None:
        self.volume = c.level
        self._apply()

    def _presence(self, c: Presence) -> None:
        self.sensors.presence(c.zone, c.present, self.show.now)
        if c.present and self.show.showing("attract") and self.show.collection.library.discs:
            self.show.switch("player", disc_id=self.show.disc_id)

    def _proximity(self, c: Proximity) -> None:
        self.sensors.proximity(c.zone, c.metres, self.show.now)
        self._apply()

    def _apply(self) -> None:
        if self.sound is not None:
            self.sound.apply(SoundVolume(self.volume * self.sensors.volume_factor(self.proximity)))
