"""Sound devices: a PortAudio stream kept open, the null sink that stands in for a missing
device, and PortAudio's list of devices kept fresh. The show's output and the lathe station's
interface both use `KeptStream`; only sound/ and lathe/ open streams.

PortAudio reads the list of devices once, when it is initialised (at `import sounddevice`),
and never again: a USB interface plugged in later, HDMI audio that appears when the TV is
switched on, or a sound server (PulseAudio, PipeWire) that starts after the kiosk are not
in it, and opening them fails with "No output device matching ...". `rescan()` terminates
and re-initialises PortAudio (sounddevice's own `_terminate`/`_initialize`, the way its
maintainers suggest: spatialaudio/python-sounddevice#47), which closes every stream the
process has open, so it refuses while one of the streams registered here is still open.
"""
from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple

import numpy as np

LOST_SECONDS = 1.0  # a device whose callbacks stopped this long is taken for gone
STARTUP_SECONDS = 4.0  # ...but a device just opened may take this long (PulseAudio's ALSA plugin: ~2 s,
# more on a loaded machine; reopening it sooner would restart that wait for ever)
RETRY_SECONDS = 1.0  # a missing device is tried this often (a rescan costs ~30 ms here)

Stream = Any  # a sounddevice stream, or a stand-in with active, start, stop, abort, close
OpenStream = Callable[[], Tuple[Stream, str]]  # a new, unstarted stream and the device's name

log = logging.getLogger(__name__)
_streams: "weakref.WeakSet" = weakref.WeakSet()
_lock = threading.Lock()


def register(stream: Stream) -> None:
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


def sounddevice():
    """The sounddevice module, or RuntimeError saying how to get PortAudio."""
    try:
        import sounddevice as sd
    except OSError as exc:
        raise RuntimeError(f"{exc}; install it with: sudo apt-get install libportaudio2") from None
    return sd


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


@dataclass(frozen=True)
class Change:
    """What `KeptStream.watch` saw: the stream `lost` (why), `back` (after how long), or a retry
    that `failed` (why, and how many in a row)."""
    kind: str
    detail: str
    failures: int = 0


class KeptStream:
    """One stream kept open: made by `make` (a factory, so tests hand in their own streams),
    watched through the owner's callback count, closed when it stops or goes silent, and made
    again every `retry_seconds` until it opens. The owner decides what to log and what to do
    meanwhile (the show plays on a null sink; the lathe station mutes the cutter)."""

    def __init__(self, make: OpenStream, retry_seconds: float = RETRY_SECONDS, first_retry: float = RETRY_SECONDS,
                 rescan_before_retry: bool = False):
        self.make, self.retry_seconds, self.first_retry = make, retry_seconds, first_retry
        self.rescan_before_retry = rescan_before_retry
        self.stream: Optional[Stream] = None
        self.name = ""
        self.heartbeat = Heartbeat()
        self.lost_at: Optional[float] = None  # when the stream went (or the first open failed)
        self.retry_at: Optional[float] = None
        self.failures = 0  # retries in a row that failed
        self.losses = 0  # streams that went (stopped or silent) since the start

    @property
    def is_open(self) -> bool:
        return self.stream is not None

    def open(self, now: float, blocks: int) -> None:
        """Make and start the stream; the factory's exception when it will not."""
        stream, name = self.make()
        register(stream)
        self.heartbeat.opened(now, blocks)
        try:
            stream.start()
        except Exception:
            stream.close()
            raise
        self.stream, self.name, self.retry_at = stream, name, None

    def failed_to_open(self, now: float) -> None:
        """The first open failed: keep trying."""
        self.lost_at, self.retry_at = now, now + self.retry_seconds

    def watch(self, now: float, blocks: int) -> Optional[Change]:
        """Called by a watcher thread (never the audio thread): notice a stream that went; retry."""
        stream = self.stream
        if stream is not None:
            why = self.heartbeat.lost(now, blocks, stream.active)
            if why is None:
                return None
            self.stream = None
            close_quietly(stream)
            self.lost_at, self.retry_at, self.failures = now, now + self.first_retry, 0
            self.losses += 1
            return Change("lost", why)
        if self.retry_at is None or now < self.retry_at:
            return None
        self.retry_at = now + self.retry_seconds
        try:
            if self.rescan_before_retry:
                rescan()
            self.open(now, blocks)
        except Exception as exc:
            self.failures += 1
            return Change("failed", str(exc), self.failures)
        since, self.lost_at, self.failures = now - (self.lost_at or now), None, 0
        return Change("back", f"{since:.1f}")

    def close(self) -> None:
        stream, self.stream, self.retry_at = self.stream, None, None
        if stream is None:
            return
        try:
            stream.stop()
            stream.close()
        except Exception as exc:
            log.warning("sound: closing the stream of %s: %s", self.name, exc)


def close_quietly(stream: Stream) -> None:
    """Close a stream that is gone; whatever the driver says about it does not matter now."""
    try:
        stream.abort()
        stream.close()
    except Exception:
        pass


class NullSink:
    """Stands in for a missing device: calls `render` on a thread of its own at the device's
    pace, so the show goes on (the stylus moves, sides end) in silence. Falling behind by a
    block counts as an underrun, as a real device would have run dry."""

    def __init__(self, render: Callable[[np.ndarray], None], frames: int, channels: int, rate: Callable[[], int],
                 underrun: Callable[[], None]):
        self.render, self.frames, self.channels, self.rate, self.underrun = render, frames, channels, rate, underrun
        self.join_seconds = 2.0
        # Each thread has its own stop: a thread starved past stop()'s join (a loaded box) must not
        # go on beside the next start()'s, rendering the show at twice its speed.
        self._stop: Optional[threading.Event] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def running(self) -> bool:
        return self._stop is not None

    def start(self) -> None:
        if self.running:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(self._stop,), name="null-sink", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        stop, thread, self._stop, self._thread = self._stop, self._thread, None, None
        if stop is not None:
            stop.set()
        if thread is not None:
            thread.join(timeout=self.join_seconds)

    def _loop(self, stop: threading.Event) -> None:
        out = np.zeros((self.frames, self.channels), dtype=np.float32)
        period = self.frames / self.rate()
        deadline = time.perf_counter()
        while not stop.is_set():
            self.render(out)
            deadline += period
            delay = deadline - time.perf_counter()
            if delay > 0:
                stop.wait(delay)
            elif delay < -1.0:  # fell far behind (suspended machine): do not race to catch up
                deadline = time.perf_counter()
            elif delay < -period:  # a real device would have run dry here
                self.underrun()


def open_with_rescan(make: Callable[[], Stream]) -> Stream:
    """`make()` a stream; if that fails, re-read the devices once and try again (the device
    may have appeared since PortAudio started)."""
    try:
        return make()
    except Exception:
        if not rescan():
            raise
        return make()
