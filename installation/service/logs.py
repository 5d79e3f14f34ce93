"""Logging to stderr (journald under systemd) and to a rotating file in the data directory.

Two things must not happen to a kiosk that runs for months: a full or read-only disk turning
every record into a 40-line traceback on stderr (the file handler says so in one line, stays
quiet, and tries again a minute later), and a library flooding the log on someone else's
behalf (python-osc logs a line per odd packet through the root logger: those are let through
once a minute, with a count of the rest).
"""
from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from pathlib import Path
from typing import Optional

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
RETRY_SECONDS = 60.0


class SturdyFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file that survives its disk: one line on stderr when a write fails, then
    nothing until it retries."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.failures = 0
        self._quiet_until = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        if time.monotonic() < self._quiet_until:
            return
        super().emit(record)

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


class ThrottleLibraryLines(logging.Filter):
    """python-osc logs through the root logger, one line per odd packet: let one through per
    `period` seconds and say how many were held back."""

    def __init__(self, period: float = 60.0):
        super().__init__()
        self.period = period
        self._next = 0.0
        self._held = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if "pythonosc" not in record.pathname:
            return True
        now = time.monotonic()
        if now < self._next:
            self._held += 1
            return False
        if self._held:
            record.msg = f"{record.msg} (python-osc: {self._held} more lines like these held back)"
        self._held, self._next = 0, now + self.period
        return True


def setup_logging(data_dir: Optional[Path] = None, verbose: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for h in list(root.handlers):
        root.removeHandler(h)
    for f in list(root.filters):
        root.removeFilter(f)
    root.addFilter(ThrottleLibraryLines())  # on the root logger itself: python-osc logs through it
    stderr = logging.StreamHandler()
    stderr.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(stderr)
    if data_dir is not None:
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            fh = SturdyFileHandler(Path(data_dir) / "kiosk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8")
            fh.setFormatter(logging.Formatter(FORMAT))
            root.addHandler(fh)
        except OSError as exc:
            root.warning("%s: cannot write the log file there (%s); logging to stderr only", data_dir, exc)
