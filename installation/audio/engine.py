"""The audio engine: owns the output stream and the chain, and nothing else.

Other threads talk to it only through `play`, `stop` and `set_volume`, which put small
commands on a queue; the callback drains that queue, never blocks, never logs, and
allocates nothing (all buffers are made here, once). With no usable audio device it says
so once and runs the very same callback on a paced null sink, so the show goes on.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..config import AudioConfig
from .chain import Chain
from .stages import Fader, Gain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Track:
    """Decoded mono audio already at the engine's sample rate."""

    id: str
    samples: np.ndarray  # float32, mono


class TrackSource:
    """Reads the current track block by block; tells when it has run out."""

    def __init__(self) -> None:
        self.track: Optional[Track] = None
        self.position = 0  # frames

    def load(self, track: Optional[Track]) -> None:
        self.track, self.position = track, 0

    def read(self, out: np.ndarray) -> bool:
        """Fill `out`; return True when the track ended inside this block."""
        if self.track is None:
            out[:] = 0.0
            return False
        data = self.track.samples
        n = min(len(out), len(data) - self.position)
        out[:n] = data[self.position:self.position + n]
        out[n:] = 0.0
        self.position += n
        if self.position >= len(data):
            self.track = None
            return True
        return False


class AudioEngine:
    def __init__(self, cfg: AudioConfig, stages: Optional[list] = None):
        self.cfg = cfg
        self.sample_rate = cfg.sample_rate
        self.max_frames = max(8192, cfg.block_size * 4)
        self.device_name = "null sink"
        self.commands: "queue.SimpleQueue[tuple]" = queue.SimpleQueue()
        self.events: "queue.SimpleQueue[tuple]" = queue.SimpleQueue()  # ("ended", id) for the main loop
        self._stream = None
        self._null_thread: Optional[threading.Thread] = None
        self._running = False
        self.callback_count = 0
        self._extra_stages = stages or []
        self._build()

    def _build(self) -> None:
        self.source = TrackSource()
        self.fader = Fader(self.sample_rate, self.max_frames, self.cfg.fade_seconds)
        self.volume = Gain(self.cfg.master_volume, self.sample_rate, self.max_frames)
        self.chain = Chain([*self._extra_stages, self.fader, self.volume])
        self._block = np.zeros(self.max_frames, dtype=np.float32)
        self._pending: Optional[Track] = None
        self._wants_stop = False
        self._ended_id = ""

    # -- thread-safe control -----------------------------------------------------------
    def play(self, track: Track) -> None:
        self.commands.put(("play", track))

    def stop(self) -> None:
        self.commands.put(("stop", None))

    def set_volume(self, value: float) -> None:
        self.commands.put(("volume", min(1.0, max(0.0, float(value)))))

    @property
    def playing_id(self) -> Optional[str]:
        track = self.source.track
        return track.id if track is not None else None

    @property
    def position_seconds(self) -> float:
        return self.source.position / self.sample_rate

    # -- the callback body --------------------------------------------------------------
    def render(self, out: np.ndarray) -> None:
        """Fill `out` (frames x channels, float32). Runs on the audio thread."""
        self.callback_count += 1
        self._drain_commands()
        frames = len(out)
        done = 0
        while done < frames:  # a host may ask for more than one buffer's worth
            n = min(frames - done, self.max_frames)
            block = self._block[:n]
            self._swap_if_faded()
            if self.source.read(block):
                self.events.put(("ended", self._ended_id))
            block = self.chain.process(block)
            out[done:done + n] = block[:, None]
            done += n

    def _drain_commands(self) -> None:
        while True:
            try:
                kind, arg = self.commands.get_nowait()
            except queue.Empty:
                return
            if kind == "play":
                self._pending, self._wants_stop = arg, False
                self.fader.set(0.0)
            elif kind == "stop":
                self._pending, self._wants_stop = None, True
                self.fader.set(0.0)
            elif kind == "volume":
                self.volume.set(arg)

    def _swap_if_faded(self) -> None:
        idle = self.source.track is None
        if self._pending is not None and (idle or self.fader.value == 0.0):
            self.source.load(self._pending)
            self._ended_id = self._pending.id
            self._pending = None
            self.fader.set(1.0)
        elif self._wants_stop and (idle or self.fader.value == 0.0):
            self.source.load(None)
            self._wants_stop = False

    # -- output ----------------------------------------------------------------------------
    def start(self) -> None:
        """Open the configured device; fall back to the null sink with one clear log line."""
        self._running = True
        try:
            self._open_stream()
        except Exception as exc:  # PortAudio missing, no device, unsupported rate...
            log.warning("no audio device (%s); running on a null sink, the show goes on silently", exc)
            self._start_null_sink()

    def _open_stream(self) -> None:
        try:
            import sounddevice as sd
        except OSError as exc:
            raise RuntimeError(f"{exc}; install it with: sudo apt-get install libportaudio2") from None
        device = self.cfg.device
        if device is not None and device.isdigit():
            device = int(device)

        def callback(outdata, frames, time_info, status) -> None:
            self.render(outdata)

        try:
            stream = sd.OutputStream(device=device, samplerate=self.cfg.sample_rate, blocksize=self.cfg.block_size,
                                     channels=self.cfg.channels, dtype="float32", callback=callback)
        except sd.PortAudioError:
            # Some devices take one rate only: use it, the loader resamples to whatever we run at.
            rate = sd.query_devices(device, "output")["default_samplerate"]
            stream = sd.OutputStream(device=device, samplerate=rate, blocksize=self.cfg.block_size,
                                     channels=self.cfg.channels, dtype="float32", callback=callback)
        if int(stream.samplerate) != self.sample_rate:
            self.sample_rate = int(stream.samplerate)
            self._build()
        stream.start()
        self._stream = stream
        self.device_name = str(sd.query_devices(stream.device)["name"])
        log.info("audio: %s at %d Hz, %d-frame blocks", self.device_name, self.sample_rate, self.cfg.block_size)

    def _start_null_sink(self) -> None:
        self._stream = None
        self.device_name = "null sink"
        self._null_thread = threading.Thread(target=self._null_loop, name="null-sink", daemon=True)
        self._null_thread.start()

    def _null_loop(self) -> None:
        out = np.zeros((self.cfg.block_size, self.cfg.channels), dtype=np.float32)
        period = self.cfg.block_size / self.sample_rate
        deadline = time.perf_counter()
        while self._running:
            self.render(out)
            deadline += period
            delay = deadline - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -1.0:  # fell far behind (suspended machine): do not race to catch up
                deadline = time.perf_counter()

    def close(self) -> None:
        self._running = False
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
        if self._null_thread is not None:
            self._null_thread.join(timeout=2)
            self._null_thread = None

    @property
    def is_null(self) -> bool:
        return self._stream is None

