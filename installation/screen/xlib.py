"""The X server going away (it crashed, the desktop session ended): Xlib then ends the process
from inside SDL (its default IO error handler calls exit(1)), which no Python code can catch
or survive. Just before, this lets the kiosk say why, make the lathe safe and record the end
of the run, so the service's next start reads "the X server :0 went away", not "a crash"; that
start then waits for a display (screen/recovery.py)."""
from __future__ import annotations

import ctypes
import logging
import os
from typing import Callable, Optional

log = logging.getLogger(__name__)

_IO_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_installed: Optional[object] = None  # the C callback must outlive this call


def before_x_ends_us(last_words: Callable[[str], None]) -> bool:
    """Call `last_words(reason)` when Xlib loses its X server, before it ends the process.
    False where there is no libX11 (a console or Wayland-only box: nothing to do)."""
    global _installed
    try:
        xlib = ctypes.CDLL("libX11.so.6")  # the one SDL loads: one library, one handler per process
    except OSError:
        return False

    def handler(_display) -> int:
        try:
            last_words(f"the X server {os.environ.get('DISPLAY', '')} went away")
        except Exception:  # the process ends anyway: nothing may stop that
            log.exception("display: while ending after the X server went away")
        return 0

    _installed = _IO_ERROR_HANDLER(handler)
    xlib.XSetIOErrorHandler.argtypes = [_IO_ERROR_HANDLER]
    xlib.XSetIOErrorHandler.restype = ctypes.c_void_p
    xlib.XSetIOErrorHandler(_installed)
    return True
