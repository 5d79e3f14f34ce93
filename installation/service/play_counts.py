"""How often each disc was played, kept in the data directory across restarts.

Counting happens on the main loop and costs nothing there: a worker thread saves at most
every `interval` seconds (an fsync per play once froze the screen for 198 ms in a burst), so
after a kill -9 the counts are exact up to the last save. A file that cannot be read as
counts (any bytes at all) is moved aside for the technician, never overwritten or fatal.

Beside the totals, plays by the hour (local time) for the console's charts, kept for
HOURS_KEPT_DAYS in a file of their own (the totals' file keeps its simple shape).
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Callable, Dict, Optional

from .atomic import clean_leftovers, move_aside, save_state

log = logging.getLogger(__name__)
MAX_COUNT = 10 ** 12
HOURS_KEPT_DAYS = 14
Table = Dict[str, int]


def valid_counts(loaded: object) -> Table:
    """A table of disc -> count, or ValueError saying which entry is not one."""
    if not isinstance(loaded, dict):
        raise ValueError("not a table of disc -> count")
    for disc, count in loaded.items():
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
            raise ValueError(f"{disc!r}: {count!r} is not a play count")
    return {str(k): v for k, v in loaded.items()}


def valid_hours(loaded: object) -> Dict[str, Table]:
    """A table of hour ("YYYY-MM-DDTHH") -> disc -> count."""
    if not isinstance(loaded, dict):
        raise ValueError("not a table of hour -> plays")
    return {str(hour): valid_counts(table) for hour, table in loaded.items()}


class PlayCounts:
    def __init__(self, data_dir: Path, interval: float = 5.0):
        self.path = Path(data_dir) / "play_counts.json"
        self.hours_path = Path(data_dir) / "plays_by_hour.json"
        self.interval = interval
        self.counts: Table = {}
        self.hours: Dict[str, Table] = {}  # "2026-12-02T14" -> disc -> plays in that hour
        self.saves = 0
        self._lock = threading.Lock()
        self._dirty = threading.Event()
        self._closed = threading.Event()
        if self.path.parent.is_dir() and clean_leftovers(self.path):
            log.info("%s: removed temporary files left by an interrupted save", self.path.parent)
        self.counts = self._load(self.path, valid_counts) or {}
        self.hours = self._load(self.hours_path, valid_hours) or {}
        self._thread = threading.Thread(target=self._saver, name="play-counts", daemon=True)
        self._thread.start()

    def _load(self, path: Path, valid: Callable[[object], dict]) -> Optional[dict]:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self._aside(path, f"{type(exc).__name__}: {exc}")
            return None
        try:
            return valid(json.loads(text))
        except (ValueError, RecursionError) as exc:
            self._aside(path, str(exc)[:200])
            return None

    def _aside(self, path: Path, why: str) -> None:
        try:
            move_aside(path, why)
        except OSError as exc:
            log.error("%s: unreadable (%s) and cannot be moved aside (%s); counting in memory", path, why, exc)

    def add(self, disc_id: str, hour: str = "") -> None:
        """One play; `hour` ("YYYY-MM-DDTHH", local) files it by the hour too."""
        with self._lock:
            self.counts[disc_id] = self.counts.get(disc_id, 0) + 1
            if hour:
                table = self.hours.setdefault(hour, {})
                table[disc_id] = table.get(disc_id, 0) + 1
                if len(self.hours) > HOURS_KEPT_DAYS * 24:  # (the keys sort as times)
                    for old in sorted(self.hours)[:len(self.hours) - HOURS_KEPT_DAYS * 24]:
                        del self.hours[old]
        self._dirty.set()

    def day(self, date: str) -> Dict[str, Table]:
        """The hours of one day ("YYYY-MM-DD") that had plays: "HH" -> disc -> plays (a copy)."""
        with self._lock:
            return {h[11:13]: dict(t) for h, t in self.hours.items() if h.startswith(date + "T")}

    def flush(self) -> None:
        """Save now if anything changed (the worker does this on its own every `interval`)."""
        if not self._dirty.is_set():
            return
        self._dirty.clear()
        with self._lock:
            text = json.dumps(self.counts, ensure_ascii=False, indent=1, sort_keys=True)
            hours = json.dumps(self.hours, ensure_ascii=False, sort_keys=True) if self.hours else ""
        saved = save_state(self.path, text, "play counts")
        if hours and saved:
            saved = save_state(self.hours_path, hours, "plays by the hour")
        if saved:
            self.saves += 1
        else:
            self._dirty.set()  # the disk refused: try again at the next interval

    def _saver(self) -> None:
        while not self._closed.is_set():
            self._dirty.wait(timeout=1.0)
            if self._dirty.is_set():
                self.flush()
                self._closed.wait(self.interval)  # at most one save per interval

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        self.flush()
