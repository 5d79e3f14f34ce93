"""The main loop's latest status, published once a frame and read by other threads
(OSC status replies and feedback, the web console). A whole new dict is swapped in each time,
so a reader never sees half an update and nobody waits on a lock. Beside it, a picture of the
screen: asked for by another thread, taken by the main loop after its next frame."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True)
class Picture:
    size: Tuple[int, int]
    rgb: bytes  # rows of RGB bytes, top first
    taken: float  # time.monotonic()


class StatusBoard:
    def __init__(self) -> None:
        self._latest: Dict[str, Any] = {}
        self._picture: Optional[Picture] = None
        self._wanted = False

    def publish(self, **fields: Any) -> None:
        self._latest = fields

    def read(self) -> Dict[str, Any]:
        return self._latest

    def want_picture(self) -> None:
        self._wanted = True

    def picture_wanted(self) -> bool:
        return self._wanted

    def put_picture(self, size: Tuple[int, int], rgb: bytes) -> None:
        self._picture, self._wanted = Picture(size, rgb, time.monotonic()), False

    def picture(self) -> Optional[Picture]:
        return self._picture
