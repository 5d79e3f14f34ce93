"""The audio engine: owns the output stream and the chain, and nothing else.

Other threads talk to it only through its methods (`play`, `stop`, `set_volume`,
`set_speed`, `seek`, `set_param`), which put small commands on a queue; the callback drains
that queue, never blocks, never logs, and allocates no large arrays (the buffers are made
once; at most a few block-sized temporaries). With no usable audio device it says
so once and runs the very same callback on a paced null sink, so the show goes on.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Optional

import numpy as np

from .chain import Chain
from .emulation import DiscEmulation, replace_param
from .readhead import Track
from .settings import AudioConfig, DspConfig, param_limits
from .output import Fader, Gain, Limiter
from .transport import Transport

CLEAN = DspConfig(enabled=False)  # read head only: the source as it is
GLIDE_SECONDS = 0.08  # live parameter changes reach their value in a few of these

log = logging.getLogger(__name__)


class AudioEngine:
    def __init__(self, cfg: AudioConfig, dsp: Optional[DspConfig] = None):
        self.cfg = cfg
        self.dsp_cfg = dsp or CLEAN
        self.sample_rate = cfg.sample_rate
        self.max_frames = max(8192, cfg.block_size * 4)
        self.device_name = "null sink"
        self.commands: "queue.SimpleQueue[tuple]" = queue.SimpleQueue()
        self.events: "queue.SimpleQueue[tuple]" = queue.SimpleQueue()  # ("ended", id) for the main loop
        self._stream = None
        self._null_thread: Optional[threading.Thread] = None
        self._running = False
        self._level = 0.0  # output peak, decaying: for the performer's meters
        self._build()

    def _build(self) -> None:
        self.transport = Transport(self.sample_rate, self.max_frames)
        self.dsp = DiscEmulation(self.dsp_cfg, self.transport, self.max_frames)
        self.fader = Fader(self.sample_rate, self.max_frames, self.cfg.fade_seconds)
        self.volume = Gain(self.cfg.master_volume, self.sample_rate, self.max_frames)
        self.limiter = Limiter(self.dsp_cfg.output.limiter_threshold, self.max_frames)
        self.chain = Chain([*self.dsp.stages, self.fader, self.volume, self.limiter])
        self._block = np.zeros(self.max_frames, dtype=np.float32)
        self._pending: Optional[tuple[Track, DspConfig, bool]] = None
        self._wants_stop = False
        self._seek_to: Optional[float] = None
        self._glides: dict[tuple[str, str], float] = {}  # (stage, param) -> target

    # -- thread-safe control -----------------------------------------------------------
    def play(self, track: Track, settings: Optional[DspConfig] = None, spin_up: bool = True) -> None:
        """Fade to `track`, with `settings` for its disc (see settings.for_disc); the platter
        starts from rest when the chain emulates one and `spin_up` is left on."""
        self.commands.put(("play", (track, settings or self.dsp_cfg, spin_up and self.dsp_cfg.enabled)))

    def seek(self, seconds: float) -> None:
        """Put the stylus `seconds` into the side (the groove radius follows)."""
        self.commands.put(("seek", float(seconds)))

    def set_speed(self, ratio: float) -> None:
        """Platter speed as a ratio of nominal: 1 plays, 0 holds, negative pulls back."""
        self.commands.put(("speed", float(ratio)))

    def set_param(self, stage: str, name: str, value: float) -> None:
        """A live change (the performer's OSC): range-checked here, glided in the callback."""
        part = getattr(self.dsp_cfg, stage, None)
        if stage not in self.dsp.by_name or part is None:
            raise ValueError(f"dsp: no stage {stage!r} (stages: {', '.join(self.dsp.by_name)})")
        try:
            lo, hi = param_limits(type(part), name)
        except KeyError:
            raise ValueError(f"dsp.{stage}: no parameter {name!r}") from None
        if lo is None:  # seeds and switches are set in config.yaml, not live
            raise ValueError(f"dsp.{stage}.{name}: not a live parameter")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise ValueError(f"dsp.{stage}.{name}: must be a number between {lo} and {hi}, got {value!r}")
        self.commands.put(("param", (stage, name, float(value))))

    def stop(self) -> None:
        self.commands.put(("stop", None))

    def set_volume(self, value: float) -> None:
        self.commands.put(("volume", min(1.0, max(0.0, float(value)))))

    # -- what others read (nothing outside installation/audio reaches into the chain) ------
    @property
    def playing_id(self) -> Optional[str]:
        track = self.dsp.read_head.track
        return track.id if track is not None else None

    @property
    def position_seconds(self) -> float:
        return self.dsp.read_head.pos / self.sample_rate

    @property
    def speed(self) -> float:
        """Platter speed as a ratio of nominal, as the emulated motor has it now."""
        return self.dsp.motion.speed

    @property
    def rpm(self) -> float:
        """Nominal rpm of the disc on the platter now."""
        return self.dsp.settings.motion.rpm

    @property
    def level(self) -> float:
        """Output peak, decaying: for meters."""
        return self._level

    def live_value(self, stage: str, name: str) -> float:
        """A sound parameter as it is now (mid-glide after a live change)."""
        return getattr(getattr(self.dsp.settings, stage), name)

    # -- the callback body --------------------------------------------------------------
    def render(self, out: np.ndarray) -> None:
        """Fill `out` (frames x channels, float32). Runs on the audio thread."""
        self._drain_commands()
        frames = len(out)
        done = 0
        while done < frames:  # a host may ask for more than one buffer's worth
            n = min(frames - done, self.max_frames)
            block = self._block[:n]
            self._swap_if_faded()
            if self._seek_to is not None and self.dsp.read_head.track is not None:
                self.dsp.read_head.pos = self.dsp.motion.groove_pos = self._seek_to
                self._seek_to = None
            self._glide(n)
            block = self.chain.process(block)
            head = self.dsp.read_head
            if head.ended and head.track is not None:
                self.events.put(("ended", head.track.id))
                head.load(None)
            out[done:done + n] = block[:, None]
            done += n
        self._level = max(float(out.max(initial=0.0)), -float(out.min(initial=0.0)), self._level * 0.9)

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
            elif kind == "speed":
                self.dsp.motion.target = arg
            elif kind == "seek":
                self._seek_to = arg * self.sample_rate  # applied once a track is on
            elif kind == "param":
                stage, name, value = arg
                if isinstance(getattr(getattr(self.dsp.settings, stage), name), int):  # counts jump
                    self.dsp.configure(replace_param(self.dsp.settings, stage, name, int(value)))
                else:
                    self._glides[(stage, name)] = value

    def _glide(self, n: int) -> None:
        """Move live-changed parameters a step toward their targets: no zipper noise."""
        if not self._glides:
            return
        step = 1.0 - float(np.exp(-n / (GLIDE_SECONDS * self.sample_rate)))
        settings = self.dsp.settings
        for (stage, name), target in list(self._glides.items()):
            now = getattr(getattr(settings, stage), name)
            value = now + (target - now) * step
            if abs(target - value) <= 1e-4 * max(1.0, abs(target)):
                value = target
                del self._glides[(stage, name)]
            settings = replace_param(settings, stage, name, value)
        self.dsp.configure(settings)

    def _swap_if_faded(self) -> None:
        head = self.dsp.read_head
        idle = head.track is None
        if self._pending is not None and (idle or self.fader.value == 0.0):
            track, settings, spin_up = self._pending
            self._pending = None
            self.dsp.configure(settings)
            self.dsp.motion.reset(spin_up)
            head.load(track)
            self.fader.set(1.0)
        elif self._wants_stop and (idle or self.fader.value == 0.0):
            head.load(None)
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

