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


def gone_quiet(now: float, opened_at: float, last_callback: float) -> bool:
    """Whether a stream opened at `opened_at`, whose callback last ran at `last_callback`, has
    been silent too long: LOST_SECONDS once running, STARTUP_SECONDS while just opened."""
    patience = LOST_SECONDS if now - opened_at > STARTUP_SECONDS else STARTUP_SECONDS
    return now - last_callback >= patience
