"""One collection for the gallery: each box announces the discs it holds (every file's size and
sha256, and each disc's revision: ledger.py) in a retained manifest, and fetches over HTTP the
newer ones from a box that has them — verified against the hashes, checked by `check`'s own code
in a folder of its own beside the discs, then moved in by one rename: a half-fetched or tampered
disc never appears. Deletions travel the same way. A box that was off catches up from the
retained manifests when it comes back."""
from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import queue
import shutil
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from ...content.library import Disc
from ...core.commands import CommandBus, DiscArrived, DiscChanged, DiscRemoved
from ...core.yamlconf import ConfigError
from .ledger import Entry, Files, Ledger, files_digest

log = logging.getLogger(__name__)
CHUNK = 256 * 1024
TOKEN_HEADER = "X-Gallery-Token"
ASIDE = ".gallery-aside"  # beside the discs: the last version of each disc the gallery replaced or deleted
FIRST_BACK_OFF, MAX_BACK_OFF = 4.0, 300.0  # seconds before a disc that failed to come is asked for again


def token_header(token: str) -> str:
    """What a box sends for the site's token: its sha256 (a header is Latin-1; a token may be Russian)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def disc_files(folder: Path) -> List[Path]:
    """What travels of a disc: its folder's plain files (no hidden ones, no backups)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                  and not p.name.endswith(".bak"))


class Hashes:
    """sha256 of files, remembered by (size, mtime): a manifest of 500 discs costs stats, not reads."""

    def __init__(self) -> None:
        self._known: Dict[Path, Tuple[int, int, str]] = {}

    def of(self, path: Path) -> Tuple[int, str]:
        st = path.stat()
        known = self._known.get(path)
        if known is not None and known[:2] == (st.st_size, st.st_mtime_ns):
            return st.st_size, known[2]
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(CHUNK), b""):
                digest.update(block)
        self._known[path] = (st.st_size, st.st_mtime_ns, digest.hexdigest())
        return st.st_size, digest.hexdigest()

    def files(self, folder: Path) -> Files:
        return {p.name: {"size": size, "sha256": sha} for p in disc_files(folder) for size, sha in [self.of(p)]}

    def present(self, discs: Iterable[Disc]) -> Dict[str, Files]:
        """The files of each disc whose folder is there now."""
        out: Dict[str, Files] = {}
        for disc in discs:
            try:
                out[disc.id] = self.files(disc.folder)
            except OSError:  # a disc leaving while it is read: the next look says
                continue
        return out


@dataclass(frozen=True)
class Wanted:
    disc_id: str
    entry: Entry  # its revision, and its files or that it is deleted
    source: str  # the box that announced it
    url: str  # its files: <url>/<disc id>/<file name>


class Fetcher:
    """The gallery's word on discs, carried out one at a time on a thread of its own: a newer
    disc fetched (and a changed one replaced), a deleted one taken away. Whatever the gallery
    takes away or replaces is kept, the last version of each disc, in `.gallery-aside` beside it."""

    def __init__(self, roots: Sequence[Path], ledger: Ledger, bus: CommandBus, token: str,
                 check: Callable[[Path], Disc], max_bytes: int, keep: Sequence[str] = ()):
        """`roots`: the folders of discs (the first takes new ones); `keep`: the disc ids this box
        takes from the gallery (patterns such as `vals-*`; none = every disc)."""
        self.roots, self.ledger, self.bus, self.token = [Path(r) for r in roots], ledger, bus, token
        self.check, self.max_bytes, self.keep = check, max_bytes, tuple(keep)
        self.staging_dir = self.roots[0] / ".gallery-incoming"  # beside the discs: moved in by one rename
        self.hashes = Hashes()
        self.ready = threading.Event()  # set once this box's own discs are in the ledger
        self.refused: Dict[str, Tuple[int, int, str]] = {}  # disc -> the revision refused: not again
        self._queue: "queue.Queue[Optional[Wanted]]" = queue.Queue()
        self._asked: Dict[str, Tuple[int, int, str]] = {}  # disc -> revision asked for (not twice while queued)
        self._failed: Dict[str, Tuple[Tuple[int, int, str], float, float]] = {}  # disc -> (revision, not before, delay)
        shutil.rmtree(self.staging_dir, ignore_errors=True)  # what a stopped box left half-fetched
        self._thread = threading.Thread(target=self._run, name="gallery-fetch", daemon=True)
        self._thread.start()

    def folder_of(self, disc_id: str) -> Optional[Path]:
        return next((r / disc_id for r in self.roots if (r / disc_id).is_dir()), None)

    def takes(self, disc_id: str) -> bool:
        return not self.keep or any(fnmatch.fnmatchcase(disc_id, k) for k in self.keep)

    def offer(self, wanted: Wanted) -> None:
        rank = wanted.entry.rank
        if (not wanted.entry.deleted and not self.takes(wanted.disc_id)) or not self.ledger.newer(
                wanted.disc_id, wanted.entry) or rank in (self.refused.get(wanted.disc_id),
                                                          self._asked.get(wanted.disc_id)):
            return
        failed = self._failed.get(wanted.disc_id)
        if failed is not None and failed[0] == rank and time.monotonic() < failed[1]:
            return  # it failed a moment ago: asked for again after its back-off
        self._asked[wanted.disc_id] = rank
        self._queue.put(wanted)

    def close(self) -> None:
        self.ready.set()
        self._queue.put(None)
        self._thread.join(5)

    def _run(self) -> None:
        self.ready.wait()  # (an edit made here while the box was off is this box's word, not lost to an older one)
        while True:
            wanted = self._queue.get()
            if wanted is None:
                return
            try:
                if self.ledger.newer(wanted.disc_id, wanted.entry):
                    (self._take_away if wanted.entry.deleted else self._fetch)(wanted)
            except Exception as exc:  # a box gone mid-transfer, a full disk: asked for again (link.py)
                delay = self._back_off(wanted)
                log.warning("gallery: %s from %s not fetched (asked for again in %.0f s): %s", wanted.disc_id,
                            wanted.source, delay, exc)
            finally:
                self._asked.pop(wanted.disc_id, None)

    def _back_off(self, wanted: Wanted) -> float:
        """The seconds until a disc that failed is asked for again: 4, doubling to 5 minutes."""
        rank = wanted.entry.rank
        last = self._failed.get(wanted.disc_id)
        delay = min(MAX_BACK_OFF, 2 * last[2]) if last is not None and last[0] == rank else FIRST_BACK_OFF
        self._failed[wanted.disc_id] = (rank, time.monotonic() + delay, delay)
        return delay

    def _take_away(self, wanted: Wanted) -> None:
        with self.ledger.lock:
            if not self.ledger.newer(wanted.disc_id, wanted.entry):
                return
            folder = self.folder_of(wanted.disc_id)
            if folder is not None:
                self._set_aside(folder)
            self.ledger.record(wanted.disc_id, wanted.entry)
        if folder is not None:
            log.warning("gallery: the disc %s deleted on %s; kept in %s", wanted.disc_id, wanted.source,
                        folder.parent / ASIDE)
            self.bus.post(DiscRemoved(wanted.disc_id, f"deleted on {wanted.source}"))

    def _set_aside(self, folder: Path) -> None:
        aside = folder.parent / ASIDE / folder.name
        shutil.rmtree(aside, ignore_errors=True)
        aside.parent.mkdir(exist_ok=True)
        os.rename(folder, aside)

    def _fetch(self, wanted: Wanted) -> None:
        files = wanted.entry.files or {}
        with self.ledger.lock:  # the same files here already (the same shipped discs): nothing to fetch
            here = self.folder_of(wanted.disc_id)
            if here is not None and self.hashes.files(here) == files:
                self.ledger.record(wanted.disc_id, wanted.entry)
                return
        staging = self.staging_dir / files_digest(files)[:16]
        folder = staging / wanted.disc_id
        shutil.rmtree(staging, ignore_errors=True)
        folder.mkdir(parents=True)
        try:
            total = sum(int(str(f.get("size", 0))) for f in files.values())
            if total > self.max_bytes or not files:
                raise Refused(f"{total / 1e6:.1f} MB: more than this box takes ({self.max_bytes / 1e6:.0f} MB)")
            for name, meta in files.items():
                if "/" in name or name.startswith(".") or not name:
                    raise Refused(f"a file name {name!r} that is not a plain name")
                self._download(wanted, name, meta, folder / name)
            try:
                self.check(folder)
            except ConfigError as exc:
                raise Refused("; ".join(exc.problems)) from None
            with self.ledger.lock:
                if not self.ledger.newer(wanted.disc_id, wanted.entry):  # a newer word came meanwhile
                    return
                here = self.folder_of(wanted.disc_id)
                if here is not None:
                    self._set_aside(here)
                target = here or self.roots[0] / wanted.disc_id
                os.rename(folder, target)
                self.ledger.record(wanted.disc_id, wanted.entry)
        except Refused as exc:
            self.refused[wanted.disc_id] = wanted.entry.rank
            log.error("gallery: the disc %s from %s refused: %s", wanted.disc_id, wanted.source, exc)
            return
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        source = f"the gallery, from {wanted.source}"
        self.bus.post(DiscChanged(str(target), source) if here is not None else DiscArrived(str(target), source))

    def _download(self, wanted: Wanted, name: str, meta: Dict[str, object], path: Path) -> None:
        url = f"{wanted.url}/{urllib.parse.quote(wanted.disc_id)}/{urllib.parse.quote(name)}"
        request = urllib.request.Request(url, headers={TOKEN_HEADER: token_header(self.token)})
        size, digest = int(str(meta.get("size", -1))), hashlib.sha256()
        got = 0
        with urllib.request.urlopen(request, timeout=30) as response, open(path, "wb") as out:
            while True:
                block = response.read(CHUNK)
                if not block:
                    break
                got += len(block)
                if got > size:
                    raise Refused(f"{name}: more bytes than announced ({size})")
                digest.update(block)
                out.write(block)
        if got < size:  # the source stopped sending (restarted, unplugged): not its word on the file
            raise CutOff(f"{name}: the transfer was cut off after {got} of {size} bytes")
        if got != size or digest.hexdigest() != meta.get("sha256"):
            raise Refused(f"{name}: its sha256 or size is not what {wanted.source} announced (tampered or changed)")


class Refused(Exception):
    """A disc this box will not take (until its manifest changes)."""


class CutOff(OSError):
    """A file that stopped coming before its end: tried again, never refused."""
