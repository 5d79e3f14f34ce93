"""What this box knows of each disc of the gallery: a revision and its files, or that it was
deleted at that revision. A change made on this box (an upload, an edit or hiding in the console,
a folder dropped in or removed by hand, a live cut) raises the disc's revision by one. For each
disc the gallery takes the highest revision any box announces — at equal revisions a deletion,
then the larger digest of the files — so every box converges on the same collection whatever
its clock says (a Raspberry Pi has none until NTP answers). Kept in the data folder, written
atomically; a disc this box holds but whose folder would not load is left as it was."""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from ...service.atomic import move_aside, save_state

log = logging.getLogger(__name__)
Files = Dict[str, Dict[str, object]]  # file name -> {"size": bytes, "sha256": hex}


def files_digest(files: Files) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    rev: int
    files: Optional[Files] = None  # None: deleted at this revision

    @property
    def deleted(self) -> bool:
        return self.files is None

    @cached_property  # (asked at every manifest heard, of every disc in it)
    def rank(self) -> Tuple[int, int, str]:
        """What decides between two boxes' word on a disc: the same everywhere, no clock in it."""
        return (self.rev, int(self.deleted), "" if self.files is None else files_digest(self.files))


class Ledger:
    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()  # held across a look at the disk and across a move into it
        self._entries: Dict[str, Entry] = {}
        try:
            raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            self._entries = {str(k): Entry(int(v["rev"]), v.get("files")) for k, v in raw.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            move_aside(path, str(exc))  # (the gallery's word comes back from the other boxes)

    def get(self, disc_id: str) -> Optional[Entry]:
        with self.lock:
            return self._entries.get(disc_id)

    def newer(self, disc_id: str, entry: Entry) -> bool:
        """True when `entry` outranks what this box holds of the disc (or it knows nothing of it)."""
        known = self.get(disc_id)
        return known is None or entry.rank > known.rank

    def record(self, disc_id: str, entry: Entry) -> None:
        with self.lock:
            self._entries[disc_id] = entry
            self._save()

    def note_local(self, present: Dict[str, Files], folder_exists: Callable[[str], bool]) -> List[str]:
        """This box's discs as they are on its disk now (call with `lock` held since they were
        read): new or changed ones, and ones whose folder is gone, take the next revision. The
        ones found gone, to leave the show."""
        changed, gone = False, []
        with self.lock:
            for disc_id, files in present.items():
                known = self._entries.get(disc_id)
                if known is None or known.files != files:
                    self._entries[disc_id] = Entry(1 if known is None else known.rev + 1, files)
                    changed = True
            for disc_id, known in list(self._entries.items()):
                if known.files is not None and disc_id not in present and not folder_exists(disc_id):
                    self._entries[disc_id] = Entry(known.rev + 1, None)
                    log.info("gallery: the disc %s was removed here; the other boxes are told", disc_id)
                    gone.append(disc_id)
            if changed or gone:
                self._save()
        return gone

    def manifest(self, present: Dict[str, Files]) -> Dict[str, object]:
        """The retained manifest's body: the discs held here with their revisions, and the deleted."""
        with self.lock:
            return {"discs": {i: {"rev": e.rev, "files": e.files} for i, e in sorted(self._entries.items())
                              if e.files is not None and i in present},
                    "deleted": {i: e.rev for i, e in sorted(self._entries.items()) if e.files is None}}

    def _save(self) -> None:
        save_state(self.path, json.dumps({i: {"rev": e.rev, "files": e.files} for i, e in self._entries.items()},
                                         ensure_ascii=False, sort_keys=True), "the gallery's ledger")


def entries_of(manifest: Dict[str, object]) -> Iterator[Tuple[str, Entry]]:
    """Another box's manifest read as entries (ValueError/TypeError/KeyError when it is not one)."""
    discs, deleted = manifest["discs"], manifest.get("deleted", {})
    if not isinstance(discs, dict) or not isinstance(deleted, dict):
        raise ValueError("discs and deleted: tables")
    for disc_id, entry in discs.items():
        files = entry["files"]
        if not isinstance(files, dict):
            raise ValueError(f"{disc_id}: files not a table")
        yield str(disc_id), Entry(int(entry["rev"]), files)
    for disc_id, rev in deleted.items():
        yield str(disc_id), Entry(int(rev), None)
