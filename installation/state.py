"""Runtime state in the data directory (play counts), written atomically.

A power cut in the middle of a write must leave either the old file or the new one, never a
half file: write a temporary file in the same folder, fsync, then os.replace.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PlayCounts:
    """How often each disc was played; survives restarts. A broken or unwritable file is
    reported and the kiosk keeps counting in memory."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "play_counts.json"
        self.counts: dict[str, int] = {}
        try:
            loaded: Any = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.counts = {str(k): int(v) for k, v in loaded.items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError) as exc:
            log.error("%s: unreadable (%s); starting the counts afresh", self.path, exc)

    def add(self, disc_id: str) -> None:
        self.counts[disc_id] = self.counts.get(disc_id, 0) + 1
        try:
            write_atomic(self.path, json.dumps(self.counts, ensure_ascii=False, indent=1, sort_keys=True))
        except OSError as exc:
            log.error("%s: cannot save play counts (%s)", self.path, exc)
