"""Decode and resample disc audio off the main loop, so a tap never stalls the picture."""
from __future__ import annotations

import logging
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from math import gcd
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

from .readhead import Track

log = logging.getLogger(__name__)


def decode(path: Path, rate: int, track_id: str = "") -> Track:
    """Whole file -> mono float32 at `rate` (polyphase resampling, band-limited)."""
    data, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if file_rate != rate:
        g = gcd(int(rate), int(file_rate))
        mono = resample_poly(mono, rate // g, file_rate // g)
    return Track.from_samples(track_id or Path(path).stem, np.asarray(mono, dtype=np.float32))


class TrackLoader:
    """One worker thread and a small LRU cache: visitors flip between a few discs."""

    def __init__(self, rate: int, cache_size: int = 3):
        self.rate = rate
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="track-loader")
        self._cache: "OrderedDict[str, Track]" = OrderedDict()
        self._cache_size = cache_size

    def load(self, track_id: str, path: Path) -> "Future[Track]":
        if track_id in self._cache:
            self._cache.move_to_end(track_id)
            done: Future[Track] = Future()
            done.set_result(self._cache[track_id])
            return done
        future = self._pool.submit(decode, path, self.rate, track_id)
        future.add_done_callback(lambda f: self._remember(track_id, f))
        return future

    def _remember(self, track_id: str, future: "Future[Track]") -> None:
        if future.exception() is None:
            self._cache[track_id] = future.result()
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
