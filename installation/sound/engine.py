"""The audio engine: owns the output stream, the groove being played and the playback chain.

Other threads talk to it only through its methods (`play`, `play_file`, `stop`,
`set_volume`, `set_speed`, `seek`, `set_param`), which check their input and put small
commands on a queue. The callback drains that queue, never blocks, never logs, never raises
and allocates no large arrays. If the chain throws anyway, that block is silent, the error
is counted and `maintain()` (the service thread, every 0.1 s) logs it and rebuilds the
chain where it was: the sound is back within a second. Output underflows are counted the
same way. With no usable audio device, or when the device goes (unplugged, the TV switched
off), it says so once, runs the very same callback on a paced null sink, so the show goes on,
and tries the device again every second: the sound is back within about a second of it.

Cut once, play many: a disc's audio is cut into a groove (cut.py) off the audio thread,
by the caller of `play` or by the loader thread for `play_file`, and kept in a cache bounded
in megabytes (audio.cache_mb).
"""
from __future__ import annotations

import dataclasses
import logging
import math
import queue
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from .chain import Chain
from .cut import cut
from .device import Heartbeat
from .emulation import DiscEmulation
from .loader import decode
from .output import Fader, Gain, Limiter
from .readhead import Track
from .settings import CUT_PARAMS, AudioConfig, DspConfig, check_live_param, cut_settings, replace_param
from .transport import Transport

CLEAN = DspConfig(enabled=False)  # read head only: the source as it is
GLIDE_SECONDS = 0.08  # live parameter changes reach their value in a few of these
GLIDE_GRID = 64  # frames: glides step on this absolute grid, whatever the block size
RETRY_SECONDS = 1.0  # a missing device is tried this often (a rescan costs ~30 ms here)

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
        self._threads: list = []
        self._null_thread: Optional[threading.Thread] = None
        self._null_running = False
        self._lost_at: Optional[float] = None  # when the device went (or the start found none)
        self._next_retry = 0.0
        self._retry_failures = 0
        self._heartbeat = Heartbeat()  # the callback's, as the service thread last saw it
        self._running = False
        self._level = 0.0  # output peak, decaying: for the performer's meters
        self.blocks = 0  # callbacks so far: a heartbeat that stops when the stream does
        self.render_seconds = np.zeros(4096)  # how long each of the last callbacks took (a ring)
        self.underruns = 0  # output underflows reported by the device (or a late null sink)
        self.errors = 0  # blocks the chain could not render
        self._error: Optional[BaseException] = None  # the last one, for maintain() to log
        self._broken = False
        self._failed_track: Optional[Track] = None  # the disc on the platter at the last failure
        self._failed_at = 0.0
        self._logged_underruns = 0
        self._next_underrun_log = 0.0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio-loader")
        self._grooves: "OrderedDict[tuple, Track]" = OrderedDict()
        self._playing: Optional[_Playing] = None  # what is on the platter, for re-cuts
        self._serial = 0  # of the latest play request: a late decode never overrides a newer one
        self._build()

    def _build(self) -> None:
        self.transport = Transport(self.sample_rate, self.max_frames)
        self.dsp = DiscEmulation(self.dsp_cfg, self.transport, self.max_frames)
        self.fader = Fader(self.sample_rate, self.max_frames, self.cfg.fade_seconds)
        self.volume = Gain(self.cfg.master_volume, self.sample_rate, self.max_frames)
        self.limiter = Limiter(self.dsp_cfg.output.limiter_threshold, self.max_frames, self.sample_rate)
        self.chain = Chain([*self.dsp.stages, self.fader, self.volume, self.limiter])
        self._block = np.zeros(self.max_frames, dtype=np.float32)
        self._pending: Optional[Tuple[Track, DspConfig, bool]] = None
        self._wants_stop = False
        self._seek_to: Optional[float] = None
        self._glides: dict = {}  # (stage, param) -> target
        self._frames = 0  # rendered since the chain was built: the glide grid

    # -- thread-safe control -----------------------------------------------------------
    def play(self, track: Track, settings: Optional[DspConfig] = None, spin_up: bool = True) -> None:
        """Cut `track` with `settings` for its disc (see settings.for_disc), in this thread,
        and fade to it; the platter starts from rest when the chain emulates one and `spin_up`."""
        settings = settings or self.dsp_cfg
        self._serial += 1
        self._playing = _Playing(track.id, None, track, settings)
        self._queue_play(self._cut(track, settings), settings, spin_up)

    def play_file(self, track_id: str, path: Path, settings: Optional[DspConfig] = None,
                  spin_up: bool = True) -> None:
        """Like `play`, with the decoding and cutting done on the loader thread (the main loop
        never waits); a decode error is logged, naming the file."""
        settings = settings or self.dsp_cfg
        self._serial += 1
        serial = self._serial

        def load() -> None:
            groove = self._grooves.get((track_id, cut_settings(settings)))
            source = None
            if groove is None:
                source = decode(path, self.sample_rate, track_id)
                groove = self._cut(source, settings)
            if serial == self._serial:  # nobody asked for another disc meanwhile
                self._playing = _Playing(track_id, path, source, settings)
                self._queue_play(groove, settings, spin_up)

        self._submit(load, f"{path}: cannot play audio")

    def seek(self, seconds: float) -> None:
        """Put the stylus `seconds` into the side (the groove radius follows)."""
        self.commands.put(("seek", _finite(seconds, "seek")))

    def set_speed(self, ratio: float, hand: bool = False) -> None:
        """Platter speed as a ratio of nominal: 1 plays, 0 holds, negative pulls back. The motor
        reaches it at its slew; a `hand` on the platter (a finger on the touch screen) moves it
        almost at once."""
        self.commands.put(("speed", (_finite(ratio, "speed"), bool(hand))))

    def set_param(self, stage: str, name: str, value: float) -> None:
        """A live change (the performer's OSC): range-checked here. A playback parameter glides
        in the callback; one that was cut into the groove re-cuts the disc in the background and
        the new groove takes over where the stylus is."""
        value = check_live_param(self.dsp_cfg, stage, name, value)
        if (stage, name) not in CUT_PARAMS:
            self.commands.put(("param", (stage, name, value)))
            return
        self.dsp_cfg = replace_param(self.dsp_cfg, stage, name, value)
        serial = self._serial

        def recut() -> None:
            playing = self._playing
            if playing is None or serial != self._serial:
                return
            if playing.source is None:  # it came from the cache: decode again
                playing.source = decode(playing.path, self.sample_rate, playing.id)
            playing.settings = replace_param(playing.settings, stage, name, value)
            groove = self._cut(playing.source, playing.settings)
            if serial == self._serial:
                self.commands.put(("swap", (groove, playing.settings)))

        self._submit(recut, f"dsp.{stage}.{name}: cannot re-cut the disc")

    def stop(self) -> None:
        self._serial += 1
        self._playing = None
        self.commands.put(("stop", None))

    def set_volume(self, value: float) -> None:
        self.commands.put(("volume", min(1.0, max(0.0, _finite(value, "volume")))))

    def _queue_play(self, groove: Track, settings: DspConfig, spin_up: bool) -> None:
        self.commands.put(("play", (groove, settings, spin_up and self.dsp_cfg.enabled)))

    def _cut(self, source: Track, settings: DspConfig) -> Track:
        key = (source.id, cut_settings(settings))
        groove = self._grooves.get(key)
        if groove is None:
            groove = cut(source, settings, self.sample_rate)
            self._grooves[key] = groove
            # bounded in megabytes (audio.cache_mb); the disc just cut always stays
            while len(self._grooves) > 1 and sum(g.nbytes for g in self._grooves.values()) > self.cfg.cache_mb * 1e6:
                self._grooves.popitem(last=False)
        self._grooves.move_to_end(key)
        return groove

    def _submit(self, work, what: str) -> None:
        def run() -> None:
            try:
                work()
            except Exception as exc:  # soundfile's errors name no file: `what` does
                log.error("%s: %s", what, exc)
        self._pool.submit(run)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until queued decodes and re-cuts are done (tests and offline renders)."""
        self._pool.submit(lambda: None).result(timeout)

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

    @property
    def latency_frames(self) -> int:
        """How late the output is behind the stylus (the limiter's look-ahead)."""
        return self.limiter.latency

    def live_value(self, stage: str, name: str) -> float:
        """A sound parameter as it is now (mid-glide after a live change)."""
        if (stage, name) in CUT_PARAMS:
            return getattr(getattr(self.dsp_cfg, stage), name)
        return getattr(getattr(self.dsp.settings, stage), name)

    # -- the callback body --------------------------------------------------------------
    def render(self, out: np.ndarray) -> None:
        """Fill `out` (frames x channels, float32). Runs on the audio thread; never raises."""
        started = time.perf_counter()
        if self._broken:
            out.fill(0.0)
        else:
            try:
                self._render(out)
                if not math.isfinite(float(out.sum())):  # a NaN would stay in every filter's state
                    raise FloatingPointError("the chain produced NaN or infinite samples")
            except Exception as exc:  # a bug must cost one silent block, not the sound for good
                out.fill(0.0)
                self.errors += 1
                self._error = exc
                self._broken = True
        self.render_seconds[self.blocks % len(self.render_seconds)] = time.perf_counter() - started
        self.blocks += 1

    def render_times(self) -> Tuple[float, float]:
        """Median and p99 of the recent callbacks' durations, in seconds (not for the audio thread)."""
        recent = self.render_seconds[: min(self.blocks, len(self.render_seconds))]
        if not len(recent):
            return 0.0, 0.0
        return float(np.median(recent)), float(np.percentile(recent, 99))

    def _render(self, out: np.ndarray) -> None:
        self._drain_commands()
        frames = len(out)
        done = 0
        while done < frames:  # a host may ask for more than one buffer's worth
            n = min(frames - done, self.max_frames)
            if self._glides:  # step on the absolute grid: the same sound for any block size
                to_grid = GLIDE_GRID - self._frames % GLIDE_GRID
                if to_grid == GLIDE_GRID:
                    self._glide()
                n = min(n, to_grid)
            block = self._block[:n]
            self._swap_if_faded()
            if self._seek_to is not None and self.dsp.read_head.track is not None:
                self.dsp.read_head.pos = self.dsp.motion.groove_pos = self._seek_to
                self._seek_to = None
            block = self.chain.process(block)
            head = self.dsp.read_head
            if head.ended and head.track is not None:
                self.events.put(("ended", head.track.id))
                head.load(None)
            out[done:done + n] = block[:, None]
            done += n
            self._frames += n
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
            elif kind == "swap":  # a re-cut groove of the disc on the platter: same place, new cut
                groove, settings = arg
                head = self.dsp.read_head
                if head.track is not None and head.track.id == groove.id:
                    head.track = groove
                    self.dsp.configure(dataclasses.replace(self.dsp.settings, cutter=settings.cutter,
                                                           surface=_keep_playback(self.dsp.settings, settings)))
            elif kind == "volume":
                self.volume.set(arg)
            elif kind == "speed":
                self.dsp.motion.target, self.dsp.motion.by_hand = arg
            elif kind == "seek":
                self._seek_to = arg * self.sample_rate  # applied once a track is on
            elif kind == "param":
                stage, name, value = arg
                if isinstance(getattr(getattr(self.dsp.settings, stage), name), int):  # counts jump
                    self.dsp.configure(replace_param(self.dsp.settings, stage, name, value))
                else:
                    self._glides[(stage, name)] = value

    def _glide(self) -> None:
        """Move live-changed parameters one grid step toward their targets: no zipper noise."""
        step = 1.0 - math.exp(-GLIDE_GRID / (GLIDE_SECONDS * self.sample_rate))
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

    # -- service (never the audio thread) -----------------------------------------------
    def maintain(self, now: Optional[float] = None) -> None:
        """Log what the callback could not, and mend it: called every 0.1 s by the service thread
        (and by hand offline). After an exception the chain is rebuilt where it was."""
        now = time.monotonic() if now is None else now
        if self._broken:
            error, head = self._error, self.dsp.read_head
            where = (head.track, head.pos, self.dsp.settings, self.volume.target)
            again = head.track is not None and head.track is self._failed_track and now - self._failed_at < 10.0
            if again:  # twice within seconds on the same disc: the disc itself breaks it
                log.error("audio: the disc %s breaks the sound chain again (%s: %s); taken off the platter",
                          head.track.id, type(error).__name__, error)
                self.events.put(("ended", head.track.id))
                where = (None, 0, *where[2:])
            else:
                log.error("audio: the sound chain failed (%s: %s); rebuilt, playing on from %.1f s",
                          type(error).__name__, error, where[1] / self.sample_rate,
                          exc_info=(type(error), error, error.__traceback__) if error else None)
            self._failed_track, self._failed_at = where[0], now
            self._build()
            track, pos, settings, volume = where
            self.dsp.configure(settings)
            self.dsp.motion.reset(False)
            self.dsp.read_head.load(track, pos)
            self.dsp.motion.groove_pos = pos
            self.fader.set(1.0)
            self.volume.set(volume)
            self._broken = False
        if self.underruns > self._logged_underruns and now >= self._next_underrun_log:
            log.warning("audio: %d output underruns (%d in all); raise audio.block_size if this repeats",
                        self.underruns - self._logged_underruns, self.underruns)
            self._logged_underruns = self.underruns
            self._next_underrun_log = now + 60.0

    def _service(self) -> None:
        while self._running:
            self.maintain()
            self.watch_device()
            time.sleep(0.1)

    # -- output ----------------------------------------------------------------------------
    def start(self) -> None:
        """Open the configured device; without one, play on a paced null sink and keep trying."""
        self._running = True
        try:
            self._start_stream()
        except Exception as exc:  # PortAudio missing, no device, unsupported rate...
            log.warning("no audio device (%s); running on a null sink, the show goes on silently "
                        "and the device is tried again every %g s", exc, RETRY_SECONDS)
            self._lost_at = time.monotonic()
            self._start_null()
        self._start_thread(self._service, "audio-service")

    def watch_device(self, now: Optional[float] = None) -> None:
        """Notice a device that stopped (unplugged, the TV switched off, the sound server gone):
        play on the null sink; and try the device again every RETRY_SECONDS until it is back.
        Called by the service thread (and by hand offline), never the audio thread."""
        now = time.monotonic() if now is None else now
        stream = self._stream
        if stream is not None:
            why = self._heartbeat.lost(now, self.blocks, stream.active)
            if why is None:
                return
            log.error("audio: the device %s %s (unplugged, switched off or its server gone); "
                      "playing on silently, trying it again every %g s", self.device_name, why, RETRY_SECONDS)
            self._stream = None
            self._close_quietly(stream)
            self._lost_at, self._next_retry = now, now + RETRY_SECONDS
            self._start_null()
            self.events.put(("device", self.device_name))
            return
        if self._lost_at is None or now < self._next_retry or not self._running:
            return
        self._next_retry = now + RETRY_SECONDS
        self._stop_null()
        try:
            from .device import rescan

            rescan()
            self._start_stream()
        except Exception as exc:
            self._start_null()
            if self._retry_failures == 0 or self._retry_failures % 600 == 0:  # then every 10 min or so
                log.info("audio: still no device (%s)", exc)
            self._retry_failures += 1
            return
        log.warning("audio: the device is back after %.1f s: %s", now - self._lost_at, self.device_name)
        self.events.put(("device", self.device_name))
        self._lost_at, self._retry_failures = None, 0

    def _start_thread(self, target, name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def _start_stream(self) -> None:
        try:
            import sounddevice as sd
        except OSError as exc:
            raise RuntimeError(f"{exc}; install it with: sudo apt-get install libportaudio2") from None
        from .device import register

        device = self.cfg.device
        if device is not None and device.isdigit():
            device = int(device)

        def callback(outdata, frames, time_info, status) -> None:
            if status.output_underflow:
                self.underruns += 1
            self.render(outdata)

        def open_at(rate: float):
            return sd.OutputStream(device=device, samplerate=rate, blocksize=self.cfg.block_size,
                                   channels=self.cfg.channels, dtype="float32", callback=callback,
                                   latency=self.cfg.latency_seconds)

        try:
            stream = open_at(self.sample_rate)
        except sd.PortAudioError:
            # Some devices take one rate only: use it, the loader resamples to whatever we run at.
            stream = open_at(sd.query_devices(device, "output")["default_samplerate"])
        register(stream)
        if int(stream.samplerate) != self.sample_rate:
            self.sample_rate = int(stream.samplerate)
            self._grooves.clear()
            self._build()
            playing = self._playing
            if playing is not None and playing.path is not None:  # cut again at the device's rate
                self.play_file(playing.id, playing.path, playing.settings, spin_up=False)
        self._heartbeat.opened(time.monotonic(), self.blocks)
        try:
            stream.start()
        except Exception:
            stream.close()
            raise
        self._stream = stream
        self.device_name = str(sd.query_devices(stream.device)["name"])
        log.info("audio: %s at %d Hz, %d-frame blocks", self.device_name, self.sample_rate, self.cfg.block_size)

    @staticmethod
    def _close_quietly(stream) -> None:
        try:
            stream.abort()
            stream.close()
        except Exception as exc:
            log.warning("audio: closing the lost device: %s", exc)

    def _start_null(self) -> None:
        self.device_name = "null sink"
        self._null_running = True
        self._null_thread = self._start_thread(self._null_loop, "null-sink")

    def _stop_null(self) -> None:
        self._null_running = False
        thread, self._null_thread = self._null_thread, None
        if thread is not None:
            thread.join(timeout=2)
            self._threads.remove(thread)

    def _null_loop(self) -> None:
        out = np.zeros((self.cfg.block_size, self.cfg.channels), dtype=np.float32)
        period = self.cfg.block_size / self.sample_rate
        deadline = time.perf_counter()
        while self._running and self._null_running:
            self.render(out)
            deadline += period
            delay = deadline - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -1.0:  # fell far behind (suspended machine): do not race to catch up
                deadline = time.perf_counter()
            elif delay < -period:  # a real device would have run dry here
                self.underruns += 1

    def close(self) -> None:
        self._running = False
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    @property
    def is_null(self) -> bool:
        return self._stream is None


@dataclasses.dataclass
class _Playing:
    id: str
    path: Optional[Path]  # None: handed over decoded (play)
    source: Optional[Track]  # None: its groove came from the cache
    settings: DspConfig


def _finite(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what}: expected a finite number, got {value!r}")
    return value


def _keep_playback(current: DspConfig, cut_with: DspConfig):
    """The surface settings after a re-cut: the cut's film, the playback's rumble, hum, wobble."""
    return dataclasses.replace(current.surface, **{f.name: getattr(cut_with.surface, f.name)
                                                   for f in dataclasses.fields(current.surface)
                                                   if ("surface", f.name) in CUT_PARAMS})
