"""How often each disc was played, kept in the data directory across restarts.

Counting happens on the main loop and costs nothing there: a worker thread saves at most
every `interval` seconds (an fsync per play once froze the screen for 198 ms in a burst), so
after a kill -9 the counts are exact up to the last save. A file that cannot be read as
counts (any bytes at all) is moved aside for the technician, never overwritten or fatal.
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Dict

from .atomic import clean_leftovers, move_aside, save_state

log = logging.getLogger(__name__)
MAX_COUNT = 10 ** 12


class PlayCounts:
    def __init__(self, data_dir: Path, interval: float = 5.0):
        self.path = Path(data_dir) / "play_counts.json"
        self.interval = interval
        self.counts: Dict[str, int] = {}
        self.saves = 0
        self._lock = threading.Lock()
        self._dirty = threading.Event()
        self._closed = threading.Event()
        if self.path.parent.is_dir() and clean_leftovers(self.path):
            log.info("%s: removed temporary files left by an interrupted save", self.path.parent)
        self._load()
        self._thread = threading.Thread(target=self._saver, name="play-counts", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            self._aside(f"{type(exc).__name__}: {exc}")
            return
        try:
            loaded = json.loads(text)
            if not isinstance(loaded, dict):
                raise ValueError("not a table of disc -> count")
            for disc, count in loaded.items():
                if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
                    raise ValueError(f"{disc!r}: {count!r} is not a play count")
        except (ValueError, RecursionError) as exc:
            self._aside(str(exc)[:200])
            return
        self.counts = {str(k): v for k, v in loaded.items()}

    def _aside(self, why: str) -> None:
        try:
            move_aside(self.path, why)
        except OSError as exc:
            log.error("%s: unreadable (%s) and cannot be moved aside (%s); counting in memory", self.path, why, exc)

    def add(self, disc_id: str) -> None:
        with self._lock:
            self.counts[disc_id] = self.counts.get(disc_id, 0) + 1
        self._dirty.set()

    def flush(self) -> None:
        """Save now if anything changed (the worker does this on its own every `interval`)."""
        if not self._dirty.is_set():
            return
        self._dirty.clear()
        with self._lock:
            text = json.dumps(self.counts, ensure_ascii=False, indent=1, sort_keys=True)
        if save_state(self.path, text, "play counts"):
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
