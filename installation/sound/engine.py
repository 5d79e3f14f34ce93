"""The sound engine in this process: the player, its grooves, and the output device, behind the
`Sound` port (port.py).

Split the way pedalboard splits processing from its I/O: `Player` renders (thread-free, the
callback's body), `Loader` and `GrooveCache` decode and cut off the audio thread, and the
output is a `KeptStream` with a `NullSink` beside it. With no usable audio device, or when the
device goes (unplugged, the TV switched off), the engine says so once, runs the very same
player on the paced null sink, so the show goes on, and tries the device again every second:
the sound is back within about a second of it. A service thread mends and watches every 0.1 s.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, Optional, Tuple

import numpy as np

from .device import RETRY_SECONDS, KeptStream, NullSink, Stream, sounddevice
from .grooves import GrooveCache, Loader
from .player import Player
from .port import DeviceChanged, PlayFile, SetParam, SoundCommand, SoundEvent, SoundStatus, Stop, checked
from .readhead import Track
from .settings import CUT_PARAMS, AudioConfig, DspConfig, replace_param

CLEAN = DspConfig(enabled=False)  # read head only: the source as it is
NULL = "null sink"

log = logging.getLogger(__name__)

Callback = Callable[..., None]
OpenOutput = Callable[[AudioConfig, int, Callback], Tuple[Stream, str]]


def sounddevice_output(cfg: AudioConfig, rate: int, callback: Callback) -> Tuple[Stream, str]:
    """An output stream on the configured device at `rate`, or at the device's own rate where it
    takes one rate only (the loader resamples to whatever the engine runs at)."""
    sd = sounddevice()
    device = int(cfg.device) if cfg.device is not None and cfg.device.isdigit() else cfg.device

    def open_at(at: float):
        return sd.OutputStream(device=device, samplerate=at, blocksize=cfg.block_size, channels=cfg.channels,
                               dtype="float32", callback=callback, latency=cfg.latency_seconds)

    try:
        stream = open_at(rate)
    except sd.PortAudioError:
        stream = open_at(sd.query_devices(device, "output")["default_samplerate"])
    return stream, str(sd.query_devices(stream.device)["name"])


class AudioEngine:
    def __init__(self, cfg: AudioConfig, dsp: Optional[DspConfig] = None,
                 open_output: OpenOutput = sounddevice_output):
        self.cfg = cfg
        self.dsp_cfg = dsp or CLEAN  # with the performer's live changes of what is cut into the groove
        self.sample_rate = cfg.sample_rate
        self.events: "queue.SimpleQueue[SoundEvent]" = queue.SimpleQueue()
        self.player = Player(cfg, self.dsp_cfg, self.sample_rate, self.events)
        self.grooves = GrooveCache(cfg.cache_mb)
        self.loader = Loader(self.grooves, lambda c: self.player.commands.put(c), lambda: self.sample_rate)
        self.device = KeptStream(self._make_stream, rescan_before_retry=True)
        self.null = NullSink(self.render, cfg.block_size, cfg.channels, lambda: self.sample_rate, self._underrun)
        self.underruns = 0  # output underflows reported by the device (or a late null sink)
        self._open_output = open_output
        self._running = False
        self._service: Optional[threading.Thread] = None
        self._logged_underruns = 0
        self._next_underrun_log = 0.0

    # -- the port ----------------------------------------------------------------------------
    def apply(self, command: SoundCommand) -> None:
        c = checked(command, self.dsp_cfg)
        if isinstance(c, PlayFile):
            self.loader.play_file(c)
            return
        if isinstance(c, Stop):
            self.loader.forget()
        elif isinstance(c, SetParam) and (c.stage, c.name) in CUT_PARAMS:
            self.dsp_cfg = replace_param(self.dsp_cfg, c.stage, c.name, c.value)
            self.loader.recut(c.stage, c.name, c.value)
            return
        self.player.commands.put(c)

    def status(self) -> SoundStatus:
        p = self.player
        p50, p99 = p.render_times()
        return SoundStatus(device=self.device_name, is_null=self.is_null, playing_id=p.playing_id,
                           position=p.position_seconds, level=p.level, speed=p.speed, rpm=p.rpm,
                           underruns=self.underruns, errors=p.errors, blocks=p.blocks, loading=self.loader.loading,
                           grooves_mb=self.grooves.nbytes / 1e6, render_p50=p50, render_p99=p99)

    def play(self, track: Track, settings: Optional[DspConfig] = None, spin_up: bool = True) -> None:
        """A decoded track, cut in this thread (offline renders and tests): the port plays files."""
        self.loader.play_track(track, settings or self.dsp_cfg, spin_up)

    def render(self, out: np.ndarray) -> None:
        """The callback's body (frames x channels, float32): the device's, the null sink's, or by hand."""
        self.player.render(out)

    @property
    def device_name(self) -> str:
        return self.device.name if self.device.is_open else NULL

    @property
    def is_null(self) -> bool:
        return not self.device.is_open

    # -- output ----------------------------------------------------------------------------
    def start(self) -> None:
        """Open the configured device (or the null sink), and watch it from the service thread."""
        self.open(time.monotonic())
        self._service = threading.Thread(target=self._serve, name="audio-service", daemon=True)
        self._service.start()

    def open(self, now: float) -> None:
        """Open the configured device; without one, play on the paced null sink and keep trying."""
        self._running = True
        try:
            self.device.open(now, self.player.blocks)
            self._opened()
        except Exception as exc:  # PortAudio missing, no device, unsupported rate...
            log.warning("no audio device (%s); running on a null sink, the show goes on silently "
                        "and the device is tried again every %g s", exc, RETRY_SECONDS)
            self.device.failed_to_open(now)
            self.null.start()

    def _make_stream(self) -> Tuple[Stream, str]:
        """A new stream for the KeptStream; the player follows the device's rate if it has another."""
        self.null.stop()  # one renderer at a time: the null sink hands over to the stream

        def callback(outdata, frames, time_info, status) -> None:
            if status.output_underflow:
                self.underruns += 1
            self.render(outdata)

        stream, name = self._open_output(self.cfg, self.sample_rate, callback)
        rate = int(stream.samplerate)
        if rate != self.sample_rate:
            self.sample_rate = rate
            self.grooves.clear()
            self.player = Player(self.cfg, self.dsp_cfg, rate, self.events)
            again = self.loader.request_again()
            if again is not None:  # cut again at the device's rate
                self.loader.play_file(again)
        return stream, name

    def _opened(self) -> None:
        log.info("audio: %s at %d Hz, %d-frame blocks", self.device_name, self.sample_rate, self.cfg.block_size)

    def watch_device(self, now: Optional[float] = None) -> None:
        """Notice a device that stopped (unplugged, the TV switched off, the sound server gone):
        play on the null sink; and try the device again every RETRY_SECONDS until it is back.
        Called by the service thread (and by hand in tests), never the audio thread."""
        if not self._running:
            return
        now = time.monotonic() if now is None else now
        lost_name = self.device.name
        change = self.device.watch(now, self.player.blocks)
        if change is None:
            return
        if change.kind == "lost":
            log.error("audio: the device %s %s (unplugged, switched off or its server gone); "
                      "playing on silently, trying it again every %g s", lost_name, change.detail, RETRY_SECONDS)
        elif change.kind == "failed":
            if change.failures % 600 == 1:  # the first, then every 10 min or so
                log.info("audio: still no device (%s)", change.detail)
        else:
            log.warning("audio: the device is back after %s s: %s", change.detail, self.device_name)
            self._opened()
        if change.kind != "back":
            self.null.start()
        if change.kind != "failed":
            self.events.put(DeviceChanged(self.device_name))

    def maintain(self, now: Optional[float] = None) -> None:
        """Log what the callback could not, and mend it (the service thread, and by hand offline)."""
        now = time.monotonic() if now is None else now
        self.player.mend(now)
        if self.underruns > self._logged_underruns and now >= self._next_underrun_log:
            log.warning("audio: %d output underruns (%d in all); raise audio.block_size if this repeats",
                        self.underruns - self._logged_underruns, self.underruns)
            self._logged_underruns = self.underruns
            self._next_underrun_log = now + 60.0

    def _serve(self) -> None:
        while self._running:
            self.maintain()
            self.watch_device()
            time.sleep(0.1)

    def _underrun(self) -> None:
        self.underruns += 1

    def close(self) -> None:
        self._running = False
        self.device.close()
        if self._service is not None:
            self._service.join(timeout=2)
        self.null.stop()
        self.loader.close()
