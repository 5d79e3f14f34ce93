"""Each run's start and end, kept in `<data_dir>/runs.json`, so that every restart is logged
with the reason the last run ended (a quit, SIGTERM, or none: a crash, the watchdog's kill,
a power cut) and a kiosk that keeps crashing waits longer before each new start instead of
spinning (systemd's own back-off needs systemd 254; Debian 12 and Raspberry Pi OS have 252)."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Callable, List

from .atomic import save_state

log = logging.getLogger(__name__)

QUICK_SECONDS = 120.0  # starts of runs that crashed this close together count as crashing in a row
FREE_STARTS = 2  # that many quick restarts are taken at once; then 5 s, 10 s ... 60 s
LONGEST_WAIT = 60.0
KEPT = 20


class Lifecycle:
    def __init__(self, data_dir: Path, clock: Callable[[], float] = time.time):
        self.path = Path(data_dir) / "runs.json"
        self.clock = clock
        self.starts: List[float] = []

    def begin(self) -> float:
        """Log how the last run ended and record this start; returns the seconds to wait first."""
        now = self.clock()
        previous = self._read()
        self.starts = [t for t in previous.get("starts", []) if isinstance(t, (int, float)) and t <= now][-KEPT:]
        if previous.get("running"):
            log.error("restarted: the last run (started %s) ended without stopping: a crash, the watchdog's "
                      "kill or a power cut (its last lines in kiosk.log say which)", _when(self.starts[-1:]))
        elif previous.get("ended"):
            log.info("started; the last run ended: %s", previous["ended"])
        quick = sum(1 for t in self.starts if now - t < QUICK_SECONDS)
        wait = 0.0 if quick < FREE_STARTS else min(LONGEST_WAIT, 5.0 * 2 ** (quick - FREE_STARTS))
        if wait:
            log.warning("%d starts in the last %d s: waiting %g s before this one", quick, QUICK_SECONDS, wait)
        self.starts.append(now)
        self._write({"starts": self.starts, "running": True})
        return wait

    def end(self, reason: str) -> None:
        """A run that ends by itself (a quit, SIGTERM) was no crash: its start does not count
        toward the back-off."""
        log.info("stopping: %s", reason)
        self.starts = self.starts[:-1]
        self._write({"starts": self.starts, "running": False, "ended": reason})

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("%s: unreadable (%s); starting a new one", self.path, exc)
            return {}

    def _write(self, data: dict) -> None:
        save_state(self.path, json.dumps(data), "the run record")


def _when(starts: List[float]) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(starts[0])) if starts else "at an unknown time"
