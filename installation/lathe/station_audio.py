"""The lathe station's audio: the performer's input, through cutter protection, to the cutter
head's amplifier, and to disk. One sounddevice stream (input and output, possibly two
devices), kept open by sound/device.py's `KeptStream` like the show's own output; its
callback allocates only a block-sized copy, never blocks, never logs."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable, Optional, Tuple

import numpy as np

from ..sound.device import RETRY_SECONDS, KeptStream, Stream, open_with_rescan, sounddevice
from .machine import LatheError
from .protection import CutterProtection
from .recording import RecordingWriter
from .settings import CutterAudioConfig

log = logging.getLogger(__name__)

MUTE_SECONDS = 0.01  # the feed fades in and out this fast: no click cut into the groove

OpenDuplex = Callable[[CutterAudioConfig, Callable[..., None]], Tuple[Stream, str]]


def sounddevice_duplex(cfg: CutterAudioConfig, callback: Callable[..., None]) -> Tuple[Stream, str]:
    """The station's input and output stream (the devices may differ); PortAudio's list is read
    again once if the device is not in it yet."""
    sd = sounddevice()
    devices = tuple(int(d) if d is not None and d.isdigit() else d for d in (cfg.input_device, cfg.output_device))
    stream = open_with_rescan(lambda: sd.Stream(device=devices, samplerate=cfg.sample_rate, blocksize=cfg.block_size,
                                                dtype="float32", channels=(cfg.input_channel, cfg.output_channel),
                                                callback=callback))
    return stream, duplex_name(sd, stream.device, cfg)


def duplex_name(sd, device: Tuple[int, int], cfg: CutterAudioConfig) -> str:
    """What the log says of the open stream: the devices by name (PortAudio gives their numbers)."""
    names = []
    for index, kind in zip(device, ("input", "output")):
        try:
            names.append(str(sd.query_devices(index)["name"]))
        except Exception:  # a device gone again already: its number is all there is
            names.append(f"#{index}")
    return (f"microphone {names[0]!r} channel {cfg.input_channel}, cutter {names[1]!r} channel "
            f"{cfg.output_channel}, {cfg.sample_rate} Hz")


class StationAudio:
    def __init__(self, cfg: CutterAudioConfig, open_duplex: OpenDuplex = sounddevice_duplex):
        self.cfg = cfg
        self.level = 0.0  # peak of the last input block, 0..1 (the live view's meter)
        self.blocks = 0  # the callback's heartbeat
        self.stream = KeptStream(self._make, first_retry=0.0)  # a lost interface is opened again at once
        self._open_duplex = open_duplex
        self._writer: Optional[RecordingWriter] = None
        self._protection = CutterProtection(cfg)
        self._gain = 0.0
        self._target = 0.0  # 0 muted, 1 feeding the cutter
        self._step = 1.0 / max(1.0, MUTE_SECONDS * cfg.sample_rate)

    @property
    def is_open(self) -> bool:
        return self.stream.is_open

    @property
    def reopened(self) -> int:
        """Streams lost (stalled, stopped, the interface gone) and opened again since the start."""
        return self.stream.losses

    def _make(self) -> Tuple[Stream, str]:
        cfg = self.cfg
        try:
            return self._open_duplex(cfg, self._callback)
        except Exception as exc:  # PortAudioError, ValueError: no such device or channel
            raise LatheError(f"the lathe station's audio (lathe.audio: input {cfg.input_device or 'default'} "
                             f"channel {cfg.input_channel}, output {cfg.output_device or 'default'} channel "
                             f"{cfg.output_channel}) will not open: {exc}") from None

    def open(self, now: Optional[float] = None) -> None:
        """Open the station's devices; LatheError naming them when that fails."""
        if self.stream.is_open:
            return
        self.stream.open(time.monotonic() if now is None else now, self.blocks)
        log.info("lathe audio: %s", self.stream.name)

    def check(self, now: Optional[float] = None) -> None:
        """A stream whose interface stopped delivering (a driver stall, PortAudio's ALSA poll
        failing under load, a busy sound server, a replugged USB interface) is closed and opened
        again at once, then every RETRY_SECONDS until it opens; the recording goes on in the same
        file. A stream just opened is given the time a sound server takes to start one."""
        now = time.monotonic() if now is None else now
        change = self.stream.watch(now, self.blocks)
        if change is not None and change.kind == "lost":
            log.warning("lathe audio: the interface %s; reopening it", change.detail)
            change = self.stream.watch(now, self.blocks)
        if change is None:
            return
        if change.kind == "failed" and change.failures == 1:
            log.error("%s; trying again every %g s", change.detail, RETRY_SECONDS)
        elif change.kind == "back":
            log.info("lathe audio: %s", self.stream.name)

    @property
    def recording_error(self) -> Optional[str]:
        """Why the recording stopped being written (the disk full, the card pulled), if it did."""
        return self._writer.error if self._writer is not None else None

    def mute(self, muted: bool) -> None:
        self._target = 0.0 if muted else 1.0

    def record_to(self, path: Optional[Path]) -> float:
        """Start writing the input to `path` (None: stop); returns the seconds the last one held."""
        seconds = 0.0
        old, self._writer = self._writer, None
        if old is not None:
            seconds = old.close()
        if path is not None:
            self._writer = RecordingWriter(path, self.cfg.sample_rate)
        return seconds

    def close(self) -> None:
        self.mute(True)
        self.stream.close()
        self.record_to(None)

    def _callback(self, indata, outdata, frames, time_info, status) -> None:
        self.blocks += 1
        x = indata[:, self.cfg.input_channel - 1].copy()
        self.level = float(np.abs(x).max(initial=0.0))
        writer = self._writer
        if writer is not None:
            writer.put(x.copy())
        out = self._protection.process(x)
        if self._gain != self._target or self._gain != 1.0:
            ramp = self._gain + np.clip(np.arange(1, frames + 1, dtype=np.float32) * self._step, 0, 1) * \
                (1 if self._target > self._gain else -1)
            ramp = np.clip(ramp, 0.0, 1.0)
            out *= ramp
            self._gain = float(ramp[-1])
        outdata.fill(0)
        outdata[:, self.cfg.output_channel - 1] = out
