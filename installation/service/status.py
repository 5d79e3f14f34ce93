"""The main loop's latest status, published once a frame and read by other threads
(OSC status replies and feedback). A whole new dict is swapped in each time, so a reader
never sees half an update and nobody waits on a lock."""
from __future__ import annotations

from typing import Any, Dict


class StatusBoard:
    def __init__(self) -> None:
        self._latest: Dict[str, Any] = {}

    def publish(self, **fields: Any) -> None:
        self._latest = fields

    def read(self) -> Dict[str, Any]:
        return self._latest
