"""How often each disc was played, kept in the data directory across restarts."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from .atomic import write_atomic

log = logging.getLogger(__name__)


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
