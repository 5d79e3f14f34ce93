"""Run the real-time chain offline: for `render`, for curators' previews and for tests."""
from __future__ import annotations

import sys
from typing import Callable, Optional

import numpy as np

from .engine import AudioEngine


def render(engine: AudioEngine, seconds: float, block: int = 1024,
           progress: Optional[Callable[[float], None]] = None) -> np.ndarray:
    """`seconds` of the engine's output (first channel) in blocks of `block` frames."""
    total = int(round(seconds * engine.sample_rate))
    out = np.zeros(total, dtype=np.float32)
    buf = np.zeros((block, engine.cfg.channels), dtype=np.float32)
    done = 0
    while done < total:
        n = min(block, total - done)
        engine.render(buf[:n])
        out[done:done + n] = buf[:n, 0]
        done += n
        if progress is not None:
            progress(done / total)
    return out


_drawn = {"percent": -1}  # the bar as it stands on the terminal


def progress_bar(fraction: float, width: int = 40) -> None:
    """A one-line bar on a terminal, redrawn at each whole percent; silent in logs and pipes."""
    percent = int(fraction * 100)
    if not sys.stderr.isatty() or percent == _drawn["percent"]:
        return
    _drawn["percent"] = percent
    filled = int(fraction * width)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}%")
    if fraction >= 1.0:
        sys.stderr.write("\n")
    sys.stderr.flush()
