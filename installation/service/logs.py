"""Logging to stderr (journald under systemd) and to a rotating file in the data directory.

Two things must not happen to a kiosk that runs for months: a full or read-only disk turning
every record into a 40-line traceback on stderr (the file handler says so in one line, stays
quiet, and tries again a minute later), and a flood of one kind of line (a performer's
script repeating a command the kiosk refuses; python-osc's line per odd packet) rotating the
start-up lines away and filling the disk: every place that logs is held to 20 lines a minute,
with a count of the rest (`PerMinute`).
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from collections import OrderedDict
from pathlib import Path
from typing import List, Optional, Tuple

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
RETRY_SECONDS = 60.0


class SturdyFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file that survives its disk: one line on stderr when a write fails, then
    nothing until it retries; and a file deleted under it (the data folder removed) is made
    again, where a plain handler would go on writing into the deleted one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.failures = 0
        self._quiet_until = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        if time.monotonic() < self._quiet_until:
            return
        self._reopen_if_gone()
        super().emit(record)

    def _reopen_if_gone(self) -> None:
        """As logging's WatchedFileHandler: the path no longer names the open file: reopen it."""
        if self.stream is None:
            return
        try:
            on_disk = os.stat(self.baseFilename)
            mine = os.fstat(self.stream.fileno())
            if (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino):
                return
        except OSError:
            pass  # gone (or unreadable): open it afresh
        try:
            self.stream.close()
        except OSError:
            pass
        self.stream = None  # the next write opens it again (emit does, with the folder made here)
        try:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # the write fails then, and handleError says so once

    def handleError(self, record: logging.LogRecord) -> None:
        self.failures += 1
        self._quiet_until = time.monotonic() + RETRY_SECONDS
        exc = sys.exc_info()[1]
        try:
            sys.stderr.write(f"{self.baseFilename}: cannot write the log ({type(exc).__name__}: {exc}); "
                             f"stderr only, trying again in {RETRY_SECONDS:.0f} s\n")
        except Exception:
            pass
        try:  # a broken stream would fail again: open it afresh on the retry
            if self.stream is not None:
                self.stream.close()
        except Exception:
            pass
        self.stream = None


class PerMinute(logging.Handler):
    """Every line the log can be made to repeat is bounded: at most `limit` a minute from each
    place in the code that logs (its file and line: a kind of line, whatever its words), the
    rest counted and said in one line when the minute is up. Outside input (OSC floods, a
    performer's script gone wrong, python-osc's line per odd packet) cannot push the start-up
    lines out of the rotated file or fill the disk; what happens rarely is never held back."""

    def __init__(self, inner: logging.Handler, limit: int = 20, period: float = 60.0, clock=time.monotonic):
        super().__init__(inner.level)
        self.inner, self.limit, self.period, self.clock = inner, limit, period, clock
        self._sites: "OrderedDict[Tuple[str, int], List]" = OrderedDict()  # site -> [window end, passed, held]

    def emit(self, record: logging.LogRecord) -> None:
        now = self.clock()
        site = getattr(record, "site", None) or (record.pathname, record.lineno)
        entry = self._sites.get(site)
        if entry is None or now >= entry[0]:
            if entry is not None and entry[2]:
                self.inner.handle(self._held_back(record, entry[2]))
            entry = self._sites[site] = [now + self.period, 0, 0]
            self._sites.move_to_end(site)
            while len(self._sites) > MAX_SITES:
                self._sites.popitem(last=False)
        if entry[1] < self.limit:
            entry[1] += 1
            self.inner.handle(record)
        else:
            entry[2] += 1

    def _held_back(self, like: logging.LogRecord, count: int) -> logging.LogRecord:
        text = like.msg if isinstance(like.msg, str) else repr(like.msg)
        return logging.makeLogRecord({"name": like.name, "levelno": like.levelno, "levelname": like.levelname,
                                      "msg": "%d more lines like %r in the last minute were held back",
                                      "args": (count, text[:80])})

    def setFormatter(self, fmt) -> None:
        self.inner.setFormatter(fmt)

    def close(self) -> None:
        self.inner.close()
        super().close()


MAX_SITES = 1024  # places in the code that log: far more than the project has


def setup_logging(data_dir: Optional[Path] = None, verbose: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for h in list(root.handlers):
        root.removeHandler(h)
    for f in list(root.filters):
        root.removeFilter(f)
    stderr = logging.StreamHandler()
    stderr.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(PerMinute(stderr))
    if data_dir is not None:
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            fh = SturdyFileHandler(Path(data_dir) / "kiosk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8")
            fh.setFormatter(logging.Formatter(FORMAT))
            root.addHandler(PerMinute(fh))
        except OSError as exc:
            root.warning("%s: cannot write the log file there (%s); logging to stderr only", data_dir, exc)
