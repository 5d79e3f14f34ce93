"""PortAudio's list of devices, kept fresh.

PortAudio reads the list of devices once, when it is initialised (at `import sounddevice`),
and never again: a USB interface plugged in later, HDMI audio that appears when the TV is
switched on, or a sound server (PulseAudio, PipeWire) that starts after the kiosk are not
in it, and opening them fails with "No output device matching ...". `rescan()` terminates
and re-initialises PortAudio (sounddevice's own `_terminate`/`_initialize`, the way its
maintainers suggest: spatialaudio/python-sounddevice#47), which closes every stream the
process has open, so it refuses while one of the streams registered here is still open.
"""
from __future__ import annotations

import threading
import weakref
from typing import Optional

LOST_SECONDS = 1.0  # a device whose callbacks stopped this long is taken for gone
STARTUP_SECONDS = 4.0  # ...but a device just opened may take this long (PulseAudio's ALSA plugin: ~2 s,
# more on a loaded machine; reopening it sooner would restart that wait for ever)

_streams: "weakref.WeakSet" = weakref.WeakSet()
_lock = threading.Lock()


def register(stream) -> None:
    """Count `stream` as open in this process until it is closed (or collected)."""
    with _lock:
        _streams.add(stream)


def streams_open() -> int:
    with _lock:
        return sum(1 for s in list(_streams) if not getattr(s, "closed", True))


def rescan() -> bool:
    """Re-read the system's devices; False (nothing done) while a stream of ours is open."""
    import sounddevice as sd

    if streams_open():
        return False
    while sd._initialized:  # PortAudio counts initialisations: only the last terminate re-reads
        sd._terminate()
    sd._initialize()
    return True

def open_stream(make):
    """`make()` a stream; if that fails, re-read the devices once and try again (the device
    may have appeared since PortAudio started). The stream is registered; errors propagate."""
    try:
        stream = make()
    except Exception:
        if not rescan():
            raise
        stream = make()
    register(stream)
    return stream


class Heartbeat:
    """What a watcher (never the audio thread) knows of a stream's callback: when the stream
    opened and when the callback's block count last moved. The stream counts as gone when it
    stopped, or after LOST_SECONDS without a block once running (STARTUP_SECONDS just opened)."""

    def __init__(self) -> None:
        self.opened_at = self.seen_at = 0.0
        self.seen_blocks = 0

    def opened(self, now: float, blocks: int) -> None:
        self.opened_at = self.seen_at = now
        self.seen_blocks = blocks

    def lost(self, now: float, blocks: int, active: bool) -> Optional[str]:
        """Why the stream counts as gone ("stopped", "silent for 1.2 s"); None while it lives."""
        if blocks != self.seen_blocks:
            self.seen_blocks, self.seen_at = blocks, now
        if not active:
            return "stopped"
        patience = LOST_SECONDS if now - self.opened_at > STARTUP_SECONDS else STARTUP_SECONDS
        return f"silent for {now - self.seen_at:.1f} s" if now - self.seen_at >= patience else None
