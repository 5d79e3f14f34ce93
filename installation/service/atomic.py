"""Files in the data directory written atomically.

A power cut in the middle of a write must leave either the old file or the new one, never a
half file: write a temporary file in the same folder, fsync it, os.replace it over the old
one, then fsync the folder so the rename itself is on disk. A kill -9 between the first and
the third step leaves a temporary file behind: `clean_leftovers` removes those at start.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def clean_leftovers(path: Path) -> int:
    """Remove temporary files of `path` that a killed process left; how many there were."""
    removed = 0
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            leftover.unlink()
            removed += 1
        except OSError as exc:
            log.warning("%s: cannot remove a leftover temporary file (%s)", leftover, exc)
    return removed


def move_aside(path: Path, why: str) -> Path:
    """Keep a broken state file for the technician instead of overwriting it."""
    aside = path.with_name(f"{path.name}.broken")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.broken-{n}")
    os.replace(path, aside)
    log.error("%s: unreadable (%s); kept as %s for the technician, starting afresh", path, why, aside.name)
    return aside
