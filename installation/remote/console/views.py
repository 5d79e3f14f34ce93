"""What the console shows besides the status: the discs with their play counts, the tail of the
log, the live cuts' archive. Read-only snapshots, bounded reads: a request costs this thread a
file read at most, never the show a frame."""
from __future__ import annotations

import datetime as dt
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from ...content.library import Disc
from ...lathe.archive import Archive

LOG_TAIL_BYTES = 256 * 1024  # the end of kiosk.log a page asks for, at most


@dataclass(frozen=True)
class Shown:
    """The collection as the main loop has it, with its play counts (read from another thread:
    the discs' list is replaced whole when it changes, the counts are copied)."""

    discs: Callable[[], List[Disc]]
    counts: Callable[[], Dict[str, int]]
    hidden: Callable[[], List[Disc]] = list
    day: Callable[[str], Dict[str, Dict[str, int]]] = lambda date: {}  # "HH" -> disc -> plays (PlayCounts.day)
    today: Callable[[], str] = lambda: dt.date.today().isoformat()  # in the show's time zone

    def listing(self) -> List[Dict[str, Any]]:
        counts, today = dict(self.counts()), self.plays()["discs"]
        text = lambda t: {"ru": t.ru, "en": t.en} if t is not None else {"ru": "", "en": ""}  # noqa: E731
        return [{"id": d.id, "title": text(d.info.title), "artist": text(d.info.artist), "year": d.info.year,
                 "caption": text(d.info.caption), "story": text(d.info.story), "order": d.info.order,
                 "hidden": d.info.hidden, "seconds": round(d.audio_seconds, 1), "plays": counts.get(d.id, 0),
                 "today": today.get(d.id, [0] * 24),
                 "scan": f"/api/discs/{d.id}/scan"} for d in self.all()]

    def plays(self, date: str = "") -> Dict[str, Any]:
        """One day's plays by the hour: the collection's (`hours`) and each disc's (`discs`)."""
        date = date or self.today()
        hours, discs = [0] * 24, {}  # type: Tuple[List[int], Dict[str, List[int]]]
        for hour, table in self.day(date).items():
            for disc_id, n in table.items():
                hours[int(hour)] += n
                discs.setdefault(disc_id, [0] * 24)[int(hour)] += n
        return {"day": date, "hours": hours, "discs": discs}

    def all(self) -> List[Disc]:
        return list(self.discs()) + list(self.hidden())

    def find(self, disc_id: str) -> Optional[Disc]:
        return next((d for d in self.all() if d.id == disc_id), None)

    def scan(self, disc_id: str) -> Optional[Path]:
        disc = self.find(disc_id)
        return disc.scan_path if disc is not None else None


def png(size: Tuple[int, int], rgb: bytes) -> bytes:
    """RGB rows as a PNG (the picture of the screen; zlib and a few headers, no imaging library
    in the console's thread)."""
    w, h = size
    rows = b"".join(b"\x00" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))  # filter 0 on every row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b""))


def log_tail(path: Path, lines: int = 200, contains: str = "") -> List[str]:
    """The last `lines` lines of the log (of its last LOG_TAIL_BYTES), those with `contains`."""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - LOG_TAIL_BYTES))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return []
    kept = [line for line in text.splitlines()[1:] if contains.lower() in line.lower()]  # (the first may be cut)
    return kept[-max(1, min(lines, 2000)):]


def cuts(archive: Archive) -> List[Dict[str, Any]]:
    out = []
    for cut in archive.list():
        meta = cut.meta
        out.append({"name": cut.folder.name, "performer": meta.get("performer", ""), "title": meta.get("title", ""),
                    "started": meta.get("started", ""), "outcome": meta.get("outcome", ""),
                    "reason": meta.get("reason", ""), "seconds": meta.get("seconds", 0.0),
                    "audio": f"/api/cuts/{cut.folder.name}/audio" if cut.audio.is_file() else ""})
    return out
