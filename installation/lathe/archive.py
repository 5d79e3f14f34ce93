"""Every cut in `<data_dir>/cuts/<date_time>-<title>/`: the recording (cut.wav, written as it
arrives), the groove as traced (groove.npy) and cut.yaml (performer, date, settings, outcome),
rewritten atomically at each step so a crash leaves the last true word. A finished cut is
then made into a disc (show/intake.py). Each cut keeps a small reserve on the disk from its
start, given back at its end, so a disk the recording filled still takes the cut's own last
word (cut.yaml, groove.npy)."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import yaml

from ..service.atomic import write_atomic

META = "cut.yaml"
AUDIO = "cut.wav"
GROOVE = "groove.npy"
RESERVE = ".reserve"
RESERVE_BYTES = 1 << 20  # more than cut.yaml and a long cut's groove trace need


def slug(text: str, fallback: str) -> str:
    """A folder-name-safe form of a title, Cyrillic kept: 'Буги на рёбрах!' -> 'буги-на-рёбрах'."""
    words = re.findall(r"\w+", text.lower())
    return "-".join(words)[:60] or fallback


@dataclass
class Cut:
    folder: Path
    meta: Dict[str, Any]

    @property
    def audio(self) -> Path:
        return self.folder / AUDIO

    def save(self, **changes: Any) -> None:
        self.meta.update(changes)
        write_atomic(self.folder / META, yaml.safe_dump(self.meta, allow_unicode=True, sort_keys=False))


class Archive:
    def __init__(self, data_dir: Path):
        self.cuts = Path(data_dir) / "cuts"
        self.discs = Path(data_dir) / "discs"

    def begin(self, when: dt.datetime, performer: str, title: str, settings: Dict[str, Any]) -> Cut:
        name = f"{when:%Y-%m-%d_%H%M%S}-{slug(title, 'live')}"
        folder = self.cuts / name
        n = 1
        while folder.exists():
            n += 1
            folder = self.cuts / f"{name}-{n}"
        folder.mkdir(parents=True)
        cut = Cut(folder, {"performer": performer, "title": title, "started": when.isoformat(timespec="seconds"),
                           "outcome": "cutting", "reason": "", "seconds": 0.0, "settings": settings})
        cut.save()
        with open(folder / RESERVE, "wb") as fh:
            fh.write(bytes(RESERVE_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        return cut

    def list(self) -> List[Cut]:
        """Every cut kept, newest first; a folder whose cut.yaml will not read is listed as it is."""
        out = []
        for folder in sorted(self.cuts.iterdir(), reverse=True) if self.cuts.is_dir() else []:
            if not folder.is_dir():
                continue
            try:
                meta = yaml.safe_load((folder / META).read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError, UnicodeDecodeError):
                meta = None
            out.append(Cut(folder, meta if isinstance(meta, dict) else {"outcome": "unreadable cut.yaml"}))
        return out

    def find(self, name: str) -> Optional[Cut]:
        """The cut whose folder is `name` (a name from `list`, nothing that leaves the archive)."""
        return next((c for c in self.list() if c.folder.name == name), None)

    @staticmethod
    def end(cut: Cut, outcome: str, reason: str, seconds: float, groove: np.ndarray, when: dt.datetime) -> None:
        (cut.folder / RESERVE).unlink(missing_ok=True)  # room for the last word, however full the disk is
        cut.save(outcome=outcome, reason=reason, seconds=round(seconds, 2), ended=when.isoformat(timespec="seconds"))
        np.save(cut.folder / GROOVE, groove.astype(np.float32))
