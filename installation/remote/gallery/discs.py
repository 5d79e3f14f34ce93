"""One collection for the gallery: each box announces the discs it holds (every file's size and
sha256) in a retained manifest, and fetches over HTTP the ones it lacks from a box that has
them — verified against the hashes, checked by `check`'s own code in a folder of its own, then
moved into the content folder in one rename: a half-fetched or tampered disc never appears.
A box that was off catches up from the retained manifests when it comes back."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import shutil
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from ...content.library import Disc
from ...core.commands import CommandBus, DiscArrived
from ...core.yamlconf import ConfigError

log = logging.getLogger(__name__)
CHUNK = 256 * 1024
TOKEN_HEADER = "X-Gallery-Token"


def token_header(token: str) -> str:
    """What a box sends for the site's token: its sha256 (a header is Latin-1; a token may be Russian)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
Files = Dict[str, Dict[str, object]]  # file name -> {"size": bytes, "sha256": hex}


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

    def manifest(self, discs: Iterable[Disc]) -> Dict[str, Files]:
        out: Dict[str, Files] = {}
        for disc in discs:
            try:
                out[disc.id] = {p.name: {"size": size, "sha256": sha} for p in disc_files(disc.folder)
                                for size, sha in [self.of(p)]}
            except OSError:  # a disc leaving while it is read: the next manifest says
                continue
        return out


@dataclass(frozen=True)
class Wanted:
    disc_id: str
    files: Files
    source: str  # the box that announced it
    url: str  # its files: <url>/<disc id>/<file name>


class Fetcher:
    """Discs this box lacks, fetched one at a time on a thread of its own."""

    def __init__(self, discs_dir: Path, staging_dir: Path, bus: CommandBus, token: str,
                 check: Callable[[Path], Disc], have: Callable[[str], bool], max_bytes: int):
        self.discs_dir, self.staging_dir, self.bus, self.token = discs_dir, staging_dir, bus, token
        self.check, self.have, self.max_bytes = check, have, max_bytes
        self.refused: Dict[str, str] = {}  # disc -> the manifest (as JSON) it was refused for: not again
        self.fetched: List[str] = []
        self._queue: "queue.Queue[Optional[Wanted]]" = queue.Queue()
        self._asked: Dict[str, str] = {}  # disc -> manifest asked for (not twice while queued)
        shutil.rmtree(staging_dir, ignore_errors=True)  # what a stopped box left half-fetched
        self._thread = threading.Thread(target=self._run, name="gallery-fetch", daemon=True)
        self._thread.start()

    def offer(self, wanted: Wanted) -> None:
        key = json.dumps(wanted.files, sort_keys=True)
        if self.have(wanted.disc_id) or self.refused.get(wanted.disc_id) == key \
                or self._asked.get(wanted.disc_id) == key:
            return
        self._asked[wanted.disc_id] = key
        self._queue.put(wanted)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(5)

    def _run(self) -> None:
        while True:
            wanted = self._queue.get()
            if wanted is None:
                return
            try:
                if not self.have(wanted.disc_id):
                    self._fetch(wanted)
            except Exception as exc:  # a box gone mid-transfer, a full disk: tried again at the next manifest
                log.warning("gallery: %s from %s not fetched: %s", wanted.disc_id, wanted.source, exc)
            finally:
                self._asked.pop(wanted.disc_id, None)

    def _fetch(self, wanted: Wanted) -> None:
        key = json.dumps(wanted.files, sort_keys=True)
        staging = self.staging_dir / hashlib.sha256(key.encode()).hexdigest()[:16]
        folder = staging / wanted.disc_id
        shutil.rmtree(staging, ignore_errors=True)
        folder.mkdir(parents=True)
        try:
            total = sum(int(str(f.get("size", 0))) for f in wanted.files.values())
            if total > self.max_bytes or not wanted.files:
                raise Refused(f"{total / 1e6:.1f} MB: more than this box takes ({self.max_bytes / 1e6:.0f} MB)")
            for name, meta in wanted.files.items():
                if "/" in name or name.startswith(".") or not name:
                    raise Refused(f"a file name {name!r} that is not a plain name")
                self._download(wanted, name, meta, folder / name)
            try:
                self.check(folder)
            except ConfigError as exc:
                raise Refused("; ".join(exc.problems)) from None
            target = self.discs_dir / wanted.disc_id
            if target.exists():
                return
            os.rename(folder, target)
        except Refused as exc:
            self.refused[wanted.disc_id] = key
            log.error("gallery: the disc %s from %s refused: %s", wanted.disc_id, wanted.source, exc)
            return
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.fetched.append(wanted.disc_id)
        self.bus.post(DiscArrived(str(target), f"the gallery, from {wanted.source}"))

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
        if got != size or digest.hexdigest() != meta.get("sha256"):
            raise Refused(f"{name}: its sha256 or size is not what {wanted.source} announced (tampered or changed)")


class Refused(Exception):
    """A disc this box will not take (until its manifest changes)."""
