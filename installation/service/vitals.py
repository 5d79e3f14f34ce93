"""What the technician overlay shows, gathered without pygame: recent problems from the log,
frame times, memory, this machine's addresses."""
from __future__ import annotations

import collections
import logging
import socket
from pathlib import Path
from typing import Deque, List, Union

import numpy as np


class RecentProblems(logging.Handler):
    """The last `keep` warnings and errors of the whole kiosk, for the overlay."""

    def __init__(self, keep: int = 10):
        super().__init__(level=logging.WARNING)
        self.lines: Deque[str] = collections.deque(maxlen=keep)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            when = self.formatter.formatTime(record, "%H:%M:%S") if self.formatter else ""
            self.lines.append(f"{when} {record.levelname.lower()}: {record.getMessage()}"[:160])
        except Exception:  # a log handler must never raise into the code that logged
            pass


_PROBLEMS: "RecentProblems | None" = None


def recent_problems() -> "RecentProblems":
    """The one RecentProblems handler, on the root logger (installed once per process)."""
    global _PROBLEMS
    if _PROBLEMS is None:
        _PROBLEMS = RecentProblems()
        _PROBLEMS.setFormatter(logging.Formatter())
    root = logging.getLogger()
    if _PROBLEMS not in root.handlers:  # setup_logging() replaces the root's handlers
        root.addHandler(_PROBLEMS)
    return _PROBLEMS


class FrameTimes:
    """The last `keep` frame intervals: frames per second and the 99th percentile."""

    def __init__(self, keep: int = 600):
        self.times: Deque[float] = collections.deque(maxlen=keep)

    def add(self, seconds: float) -> None:
        self.times.append(seconds)

    @property
    def fps(self) -> float:
        return len(self.times) / sum(self.times) if self.times and sum(self.times) > 0 else 0.0

    @property
    def p99_ms(self) -> float:
        return float(np.percentile(np.array(self.times), 99) * 1000) if self.times else 0.0


def release_memory() -> None:
    """Hand freed heap back to the system (glibc's malloc_trim). Big transient arrays (a cut's
    x-ray blank, a disc's pictures) leave the heap's high-water mark behind otherwise, and a
    process that runs for months would carry its worst moment forever. A no-op elsewhere."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def rss_mb(pid: Union[int, str] = "self") -> float:
    """Resident memory of this process (or of `pid`), MB; 0 where /proc cannot tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def ip_addresses() -> List[str]:
    """This machine's addresses as the gallery network sees them (no packet is sent)."""
    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: only picks the outgoing interface
            found.add(probe.getsockname()[0])
        except OSError:
            pass
    return sorted(a for a in found if not a.startswith("127.")) or ["127.0.0.1"]
