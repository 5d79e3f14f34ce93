"""Finding the screen again: a kiosk that started before the desktop (or with the TV off)
runs headless on SDL's dummy driver and looks for a display every few seconds; when one
answers it moves onto it. Cheap while nothing is there: a socket or device file is looked
for first, and SDL is restarted only when one exists."""
from __future__ import annotations

import glob
import logging
import os
from pathlib import Path
from typing import Callable, Optional

from ..config.composed import DisplayConfig
from . import display as screen

log = logging.getLogger(__name__)


def display_candidate() -> Optional[str]:
    """What might be a display now, or None. Fills in DISPLAY / WAYLAND_DISPLAY when the
    service started before the desktop exported them (a local X server's :0, a compositor's
    wayland-0 / wayland-1 in XDG_RUNTIME_DIR)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}")
    wayland = os.environ.get("WAYLAND_DISPLAY")
    if wayland:
        if Path(wayland if wayland.startswith("/") else f"{runtime}/{wayland}").exists():
            return f"wayland {wayland}"
    else:
        sockets = sorted(glob.glob(f"{runtime}/wayland-[0-9]"))
        if sockets:
            os.environ["WAYLAND_DISPLAY"] = Path(sockets[0]).name
            return f"wayland {Path(sockets[0]).name}"
    x = os.environ.get("DISPLAY")
    if x:
        host, _, number = x.partition(":")
        if host or Path(f"/tmp/.X11-unix/X{number.split('.')[0]}").exists():
            return f"X {x}"
    elif Path("/tmp/.X11-unix/X0").exists():
        os.environ["DISPLAY"] = ":0"
        return "X :0"
    if not x and not wayland and glob.glob("/dev/dri/card[0-9]*"):
        return "the console (KMS/DRM)"
    return None


class DisplayWatch:
    """Polled by the main loop: `due(now)` when a display may have appeared (cheap: a socket or
    device file); then the caller lets go of its pictures and `reopen()` restarts SDL's video."""

    def __init__(self, cfg: DisplayConfig, windowed: bool, probe: Callable[[], Optional[str]] = display_candidate):
        self.cfg = cfg
        self.windowed = windowed
        self.probe = probe
        self.candidate: Optional[str] = None
        self._next = 0.0
        self.attempts = 0

    @property
    def waiting(self) -> bool:
        """Headless because no display answered (not because the technician asked for it)."""
        return screen.fell_back()

    def due(self, now: float) -> bool:
        if not self.waiting or now < self._next:
            return False
        self._next = now + self.cfg.retry_seconds
        self.candidate = self.probe()
        return self.candidate is not None

    def reopen(self):
        """A new canvas: on the display if it answered, else a fresh headless one."""
        self.attempts += 1
        canvas = screen.reopen_canvas(self.cfg, self.windowed)
        if not self.waiting:
            log.warning("display: found %s after %d tries; the show moves onto it", self.candidate, self.attempts)
        elif self.attempts == 1 or self.attempts % 100 == 0:
            log.info("display: %s does not answer yet; trying again every %g s", self.candidate,
                     self.cfg.retry_seconds)
        return canvas
