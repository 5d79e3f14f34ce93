"""Disc folders a curator drops into the content folder by hand while the kiosk runs: seen within
seconds, checked with `check`'s own code on a thread of their own (decoding a side takes a
while: never in a frame), then joined to the show through the bus like an upload. A folder
still being copied is left until it has stopped changing; a broken one is said once, with
`check`'s line, and looked at again when it changes."""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, Dict, Iterable, Optional, Set, Tuple

from ..content.library import Disc
from ..core.commands import CommandBus, DiscArrived
from ..core.yamlconf import ConfigError

log = logging.getLogger(__name__)
LOOK_SECONDS = 2.0
Stamp = Tuple[Tuple[str, int, int], ...]  # (name, size, mtime_ns) of each file in a folder


def stamp(folder: Path) -> Optional[Stamp]:
    try:
        return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()))
    except OSError:
        return None


class DroppedFolders:
    def __init__(self, discs_dir: Path, bus: CommandBus, known: Callable[[], Iterable[str]],
                 check: Callable[[Path], Disc], look_seconds: float = LOOK_SECONDS):
        """`known()`: the ids in the show now (read from another thread: a snapshot of names);
        `check(folder)`: `check`'s validation (ConfigError with its lines)."""
        self.discs_dir, self.bus, self.known, self.check, self.look_seconds = discs_dir, bus, known, check, look_seconds
        self._seen: Dict[str, Optional[Stamp]] = {}  # a folder's files when last looked at
        self._said: Dict[str, Optional[Stamp]] = {}  # broken, as it was when that was said
        self._posted: Set[str] = set()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="dropped-folders", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.look_seconds):
            try:
                self.look()
            except Exception:  # a folder vanishing mid-look, a bug: the next look goes on
                log.exception("content: looking for new disc folders failed")

    def look(self) -> None:
        """Once: every folder not in the show, settled since the last look, checked."""
        if not self.discs_dir.is_dir():
            return
        known = set(self.known()) | self._posted
        for folder in sorted(self.discs_dir.iterdir()):
            name = folder.name
            if not folder.is_dir() or name.startswith(".") or name in known:
                continue
            now = stamp(folder)
            settled, self._seen[name] = now is not None and self._seen.get(name) == now, now
            if not settled or self._said.get(name) == now:
                continue
            try:
                self.check(folder)
            except ConfigError as exc:
                self._said[name] = now
                log.warning("content: the disc folder dropped in is not ready: %s", "; ".join(exc.problems))
                continue
            self._posted.add(name)
            self.bus.post(DiscArrived(str(folder), "a folder dropped into the content folder"))
