"""Opening the files people give the kiosk (disc folders, config.yaml, state files) safely.

A path in a disc folder may be a named pipe (`mkfifo audio.wav`: opening it blocks for ever,
at every start), a device, or a file far larger than any disc's text. Each is opened without
blocking and looked at before anything reads it: only a regular file is read, and only up to a
bound; anything else is an OSError naming the file, which the caller reports like any bad file.
"""
from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import BinaryIO, Union

PathLike = Union[str, Path]


def open_regular(path: PathLike) -> BinaryIO:
    """`path` opened for reading, if it is a regular file; OSError naming what it is otherwise.
    O_NONBLOCK: a pipe or a terminal answers at once instead of waiting for a writer."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"{path}: not a regular file but {_kind(mode)}")
        return io.open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: PathLike, limit: int) -> bytes:
    """At most `limit` bytes of the regular file `path`; OSError if it is not one or is larger."""
    with open_regular(path) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path}: larger than {limit / 1e6:g} MB: not a file of this kind")
    return data


def is_regular(path: PathLike) -> bool:
    """True for a regular file (following links); False for pipes, devices, folders and nothing."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a file"
