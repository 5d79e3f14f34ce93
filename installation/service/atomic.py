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
from typing import Dict, List, Optional

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


_UNSAVED: Dict[Path, str] = {}  # state files whose last write failed, and why


def save_state(path: Path, text: str, what: str = "state") -> bool:
    """Write a state file atomically, never raising: the show goes on with its state in memory
    when the data disk is full, read-only or gone. A failure is logged once (and the return to
    normal once), and listed by `unsaved()` for the self-test and the overlay. True when saved."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        why = exc.strerror or str(exc)
        if path not in _UNSAVED:
            log.error("%s: cannot save %s (%s); kept in memory, saved again when the disk allows", path, what, why)
        _UNSAVED[path] = why
        return False
    if _UNSAVED.pop(path, None) is not None:
        log.warning("%s: saved again", path)
    return True


def unsaved(under: Optional[Path] = None) -> List[str]:
    """`file: why` for each state file (in the folder `under`) whose last save failed."""
    return [f"{path.name}: {why}" for path, why in list(_UNSAVED.items())
            if under is None or Path(under) in Path(path).parents]


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
