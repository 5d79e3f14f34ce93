"""A disc uploaded through the console: streamed to a folder of its own under the data dir with
the content limits enforced while it streams, named by the server, validated by `check`'s own
code, then moved into the content folder in one rename. A refused one leaves nothing behind."""
from __future__ import annotations

import os
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

from aiohttp import BodyPartReader, MultipartReader

from ...content.images import HEADER_BYTES, header_size
from ...content.library import AUDIO_SUFFIXES, Disc, Limits, too_many_pixels
from ...core.yamlconf import ConfigError

SCAN_MAX_BYTES = 100 * 2 ** 20
YAML_MAX_BYTES = 256 * 2 ** 10
CHUNK = 256 * 2 ** 10
MAX_ID = 80


class Refused(Exception):
    """An upload refused: the HTTP status, what to say, and `check`'s lines if it got that far."""

    def __init__(self, status: int, error: str, problems: Optional[List[str]] = None):
        super().__init__(error)
        self.status, self.error, self.problems = status, error, problems or []


def disc_id(text: str) -> str:
    """A folder name the server can trust: one path component, printable, Cyrillic welcome."""
    name = unicodedata.normalize("NFC", text.strip())
    if not name or len(name) > MAX_ID:
        raise Refused(400, f"id: a folder name of 1 to {MAX_ID} characters")
    if name.startswith(".") or any(c in name for c in '/\\:*?"<>|') or not name.isprintable():
        raise Refused(400, f"id: {text!r} is not a plain folder name (no / \\ : * ? \" < > |, no leading dot)")
    return name


@dataclass
class Upload:
    """One disc on its way in."""

    discs_dir: Path  # where it goes: content.directory/discs
    uploads_dir: Path  # where it streams to: <data dir>/uploads
    max_audio_bytes: int
    limits: Limits = Limits()  # the scan's pixels, judged from its header as it arrives

    def __post_init__(self) -> None:
        self.staging = self.uploads_dir / secrets.token_hex(8)
        self.folder: Optional[Path] = None  # staging/<id>: load_disc takes the id from its name
        self.publish_now = True  # the form's `publish: no` keeps it staged for a preview first
        self.preview_dir = self.staging / ".preview"  # (beside the disc's folder, never in it)

    async def receive(self, reader: MultipartReader) -> Path:
        """Stream the parts to disk; the staged folder, or Refused (with nothing left)."""
        try:
            return await self._receive(reader)
        except BaseException:
            self.discard()
            raise

    async def _receive(self, reader: MultipartReader) -> Path:
        files: Dict[str, Path] = {}
        self.staging.mkdir(parents=True)
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                raise Refused(400, "nested multipart is not a disc")
            name = part.name or ""
            if name == "id":
                if self.folder is not None:
                    raise Refused(400, "id: given twice")
                self.folder = self.staging / disc_id((await part.read(decode=True)).decode("utf-8", "replace"))
                self.folder.mkdir()
                if (self.discs_dir / self.folder.name).exists():
                    raise Refused(409, f"a disc {self.folder.name!r} is already in {self.discs_dir}")
                continue
            if name == "publish":
                answer = (await part.read(decode=True)).decode("utf-8", "replace").strip().lower()
                if answer not in ("yes", "no"):
                    raise Refused(400, f"publish: yes or no, not {answer[:20]!r}")
                self.publish_now = answer == "yes"
                continue
            if name not in ("scan", "audio", "yaml"):
                raise Refused(400, f"an unknown field {name!r} (id, scan, audio, yaml, publish)")
            if self.folder is None:
                raise Refused(400, "id comes first in the form, before the files")
            if name in files:
                raise Refused(400, f"{name}: given twice")
            files[name] = await self._save(part, name)
        missing = ([] if self.folder else ["id"]) + [n for n in ("scan", "audio", "yaml") if n not in files]
        if missing or self.folder is None:
            raise Refused(400, f"missing: {', '.join(missing)}")
        return self.folder

    async def _save(self, part: BodyPartReader, name: str) -> Path:
        assert self.folder is not None
        limit = {"scan": SCAN_MAX_BYTES, "audio": self.max_audio_bytes, "yaml": YAML_MAX_BYTES}[name]
        tmp, size, head = self.folder / f".{name}.part", 0, b""
        judged = name != "scan"  # a scan's pixels are judged once its header is in
        with open(tmp, "wb") as out:
            while True:
                chunk = await part.read_chunk(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise Refused(413, f"{name}: more than {limit / 2 ** 20:.2f} MB (stopped while it came)")
                if len(head) < HEADER_BYTES:
                    head += chunk[:HEADER_BYTES - len(head)]
                if not judged:
                    judged = self._judge_scan(head, whole=False)
                out.write(chunk)
        if not judged:
            self._judge_scan(head, whole=True)
        target = self.folder / self._file_name(name, head, part.filename or "")
        tmp.rename(target)
        return target

    def _judge_scan(self, head: bytes, whole: bool) -> bool:
        """Refused as soon as the header says too many pixels; True once it has been judged."""
        assert self.folder is not None
        try:
            size = header_size(head, whole)
        except ValueError as exc:
            raise Refused(422, "the disc is refused", [f"{self.discs_dir / self.folder.name / 'scan'}: {exc}"])
        if size is None:
            return False
        problem = too_many_pixels(str(self.discs_dir / self.folder.name / "scan"), *size, self.limits)
        if problem:
            raise Refused(413, "scan: too many pixels (stopped while it came)", [problem])
        return True

    @staticmethod
    def _file_name(name: str, head: bytes, sent_as: str) -> str:
        """The server's name for a file: by what it is, never by what the browser called it."""
        if name == "yaml":
            return "disc.yaml"
        if name == "scan":
            if head.startswith(b"\x89PNG\r\n\x1a\n"):
                return "scan.png"
            if head.startswith(b"\xff\xd8"):
                return "scan.jpg"
            raise Refused(422, "scan: neither a PNG nor a JPEG")
        suffix = Path(sent_as).suffix.lower()
        if suffix not in AUDIO_SUFFIXES:
            suffix = ".wav" if head.startswith(b"RIFF") else ".flac" if head.startswith(b"fLaC") else \
                ".ogg" if head.startswith(b"OggS") else ".mp3"
        return f"audio{suffix}"

    def validate(self, check: Callable[[Path], Disc]) -> Disc:
        """`check`'s own code over the staged folder; Refused with its lines, named as they will be."""
        assert self.folder is not None
        try:
            return check(self.folder)
        except ConfigError as exc:
            final = str(self.discs_dir / self.folder.name)
            raise Refused(422, "the disc is refused", [p.replace(str(self.folder), final) for p in exc.problems])

    def publish(self) -> Path:
        """Into the content folder in one rename (over another file system: copied beside it first)."""
        assert self.folder is not None
        target = self.discs_dir / self.folder.name
        if target.exists():  # (a preview waits: the same name may have come another way meanwhile)
            raise Refused(409, f"a disc {self.folder.name!r} is already in {self.discs_dir}")
        self.discs_dir.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(self.folder, target)
        except OSError:  # another file system: make it whole next to its place, then one rename
            incoming = self.discs_dir / f".incoming-{self.staging.name}"
            shutil.copytree(self.folder, incoming)
            os.rename(incoming, target)
        self.discard()
        return target

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
