"""The lathe station's audio: the performer's input, through cutter protection, to the cutter
head's amplifier, and to disk. One sounddevice stream (input and output, possibly two
devices); its callback allocates only a block-sized copy, never blocks, never logs."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Optional

import numpy as np

from ..sound.device import Heartbeat, open_stream
from .settings import CutterAudioConfig
from .machine import LatheError
from .protection import CutterProtection
from .recording import RecordingWriter

log = logging.getLogger(__name__)

MUTE_SECONDS = 0.01  # the feed fades in and out this fast: no click cut into the groove
RETRY_SECONDS = 1.0  # an interface that went away is tried again this often


class StationAudio:
    def __init__(self, cfg: CutterAudioConfig):
        self.cfg = cfg
        self.level = 0.0  # peak of the last input block, 0..1 (the live view's meter)
        self.overflows = 0
        self.blocks = 0  # the callback's heartbeat
        self._stream = None
        self._writer: Optional[RecordingWriter] = None
        self._protection = CutterProtection(cfg)
        self._gain = 0.0
        self._target = 0.0  # 0 muted, 1 feeding the cutter
        self._step = 1.0 / max(1.0, MUTE_SECONDS * cfg.sample_rate)
        self._heartbeat = Heartbeat()  # the callback's, as check() last saw it
        self.reopened = 0
        self._retry_at: Optional[float] = None  # the stream was lost: open it again from then on
        self._failures = 0

    @property
    def is_open(self) -> bool:
        return self._stream is not None

    def open(self, now: Optional[float] = None) -> None:
        """Open the station's devices; LatheError naming them when that fails."""
        if self._stream is not None:
            return
        import sounddevice as sd

        cfg = self.cfg
        devices = tuple(int(d) if d is not None and d.isdigit() else d for d in (cfg.input_device, cfg.output_device))
        try:
            stream = open_stream(lambda: sd.Stream(device=devices, samplerate=cfg.sample_rate,
                                                   blocksize=cfg.block_size, dtype="float32",
                                                   channels=(cfg.input_channel, cfg.output_channel),
                                                   callback=self._callback))
            stream.start()
        except Exception as exc:  # PortAudioError, ValueError: no such device or channel
            raise LatheError(f"the lathe station's audio (lathe.audio: input {cfg.input_device or 'default'} "
                             f"channel {cfg.input_channel}, output {cfg.output_device or 'default'} channel "
                             f"{cfg.output_channel}) will not open: {exc}") from None
        self._stream, self._retry_at = stream, None
        self._heartbeat.opened(time.monotonic() if now is None else now, self.blocks)
        log.info("lathe audio: %s", stream.device)

    def check(self, now: Optional[float] = None) -> None:
        """A stream whose interface stopped delivering (a driver stall, PortAudio's ALSA poll
        failing under load, a busy sound server, a replugged USB interface) is closed and opened
        again, every RETRY_SECONDS until it opens; the recording goes on in the same file. A
        stream just opened is given the time a sound server takes to start one (reopening it
        sooner would only restart that wait)."""
        now = time.monotonic() if now is None else now
        if self._stream is not None:
            why = self._heartbeat.lost(now, self.blocks, self._stream.active)
            if why is None:
                return
            log.warning("lathe audio: the interface %s; reopening it", why)
            stream, self._stream = self._stream, None
            try:
                stream.abort()
                stream.close()
            except Exception:
                pass
            self.reopened += 1
            self._retry_at, self._failures = now, 0
        if self._retry_at is None or now < self._retry_at:
            return
        try:
            self.open(now)
        except LatheError as exc:
            if self._failures == 0:
                log.error("%s; trying again every %g s", exc, RETRY_SECONDS)
            self._failures += 1
            self._retry_at = now + RETRY_SECONDS

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
        self._retry_at = None
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception as exc:
                log.warning("lathe audio: closing: %s", exc)
            self._stream = None
        self.record_to(None)

    def _callback(self, indata, outdata, frames, time_info, status) -> None:
        self.blocks += 1
        if status.input_overflow:
            self.overflows += 1
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
