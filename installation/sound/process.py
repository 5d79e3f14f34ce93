"""The audio engine in a process of its own, so nothing the main loop does can starve it.

Drawing at 1080p and the DSP would otherwise share one interpreter lock: a long C call on the
main thread (a big blit, a regex) holds the lock, the audio callback cannot run, and the
sound drops out. Here the main process keeps `EngineProcess`, which offers the engine's
interface (play_file, stop, seek, set_speed, set_param, set_volume; speed, rpm,
position_seconds, level, playing_id, underruns; events), and a spawned child runs the real
`AudioEngine` and is the only process that touches the sound card.

- Commands go down a multiprocessing Queue: `put` never blocks the main loop, even when the
  child hangs.
- What the main loop reads (position, level, speed, rpm, underruns, errors, the child's
  callback count) sits in shared memory, written by the child every 10 ms, so a read is one
  array lookup.
- Events (a side ended, the disc on the platter) and the child's log records come back up a
  second Queue; a reader thread logs the records from this process, into kiosk.log.
- A watchdog thread restarts a child that has died or whose callbacks have stopped for
  `stall_seconds`, and sends it what it needs to carry on: volume, live changes, the disc
  and where the stylus was. The sound comes back on its own.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from multiprocessing import shared_memory
from pathlib import Path
from typing import Optional

import numpy as np

from .settings import CUT_PARAMS, AudioConfig, DspConfig, check_live_param, replace_param

log = logging.getLogger(__name__)

# shared memory slots (float64)
BLOCKS, POSITION, LEVEL, SPEED, RPM, UNDERRUNS, ERRORS, READY, RATE, NULL, RENDER_P50, RENDER_P99 = range(12)
SLOTS = 16
TICK = 0.01  # the child's loop: commands in, status out
PROCESS_NAME = "bonemusic-audio"
RT_PRIORITY = 10  # SCHED_FIFO, low among real-time tasks: the sound before the picture on a shared core
NICE = -10  # the fallback where real time is not allowed
BACKOFF = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # seconds before the 1st, 2nd... quick restart in a row
STEADY = 60.0  # a child that ran this long resets the back-off


class EngineProcess:
    def __init__(self, cfg: AudioConfig, dsp: DspConfig, stall_seconds: float = 2.0):
        self.cfg = cfg
        self.dsp_cfg = dsp  # with the performer's live changes, for a restarted child
        self.stall_seconds = stall_seconds
        self.sample_rate = cfg.sample_rate
        self.device_name = "starting"
        self.events: "queue.SimpleQueue[tuple]" = queue.SimpleQueue()  # ("ended", id) for the main loop
        self.restarts = 0
        self.playing_id: Optional[str] = None
        self._ctx = mp.get_context("spawn")  # a clean interpreter: no pygame, no threads of ours
        self._shm = shared_memory.SharedMemory(create=True, size=SLOTS * 8)
        self._status = np.ndarray((SLOTS,), dtype=np.float64, buffer=self._shm.buf)
        self._status[:] = 0.0
        self._send_lock = threading.Lock()
        self._disc: Optional[tuple] = None  # (id, path, settings) of the last play_file
        self._volume = cfg.master_volume
        self._speed = (1.0, False)  # (ratio, by hand), replayed to a restarted sound process
        self._running = False
        self._child = None
        self._threads: list = []
        self._underruns_before = self._errors_before = 0.0  # of children that have died
        self._quick_restarts = 0  # in a row, each within STEADY of its start: backs off
        self._next_spawn = 0.0

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._running = True
        self._spawn()
        for target, name in ((self._watch, "audio-watchdog"), (self._read_events, "audio-events")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _spawn(self) -> None:
        self._status[:] = 0.0
        self._commands = self._ctx.Queue()
        self._replies = self._ctx.Queue()
        self._child = self._ctx.Process(target=child_main, name="bone-music-audio", daemon=True,
                                        args=(self._commands, self._replies, self._shm.name, self.cfg, self.dsp_cfg,
                                              os.getpid()))
        self._child.start()
        self._spawned = time.monotonic()
        self._last_blocks, self._last_progress = -1.0, self._spawned
        self._send("volume", self._volume)
        self._send("speed", self._speed)
        if self._disc is not None:
            self._send("play_file", self._disc)

    def close(self) -> None:
        self._running = False
        for thread in self._threads:
            thread.join(timeout=2)
        self._stop_child()
        self._shm.close()
        self._shm.unlink()

    def _stop_child(self) -> None:
        child = self._child
        if child is None:
            return
        self._send("close", None)
        self._child = None
        child.join(timeout=3)
        if child.is_alive():
            child.kill()
            child.join(timeout=2)
        for q in (self._commands, self._replies):
            q.close()
            q.cancel_join_thread()

    @property
    def pid(self) -> Optional[int]:
        return self._child.pid if self._child is not None else None

    @property
    def alive(self) -> bool:
        return self._child is not None and self._child.is_alive() and self._status[READY] > 0

    # -- the watchdog --------------------------------------------------------------------
    def _watch(self) -> None:
        while self._running:
            time.sleep(0.1)
            self.check(time.monotonic())

    def check(self, now: float) -> None:
        """Restart the child if it has died, or if its callbacks stopped for stall_seconds."""
        child = self._child
        if not self._running:
            return
        if child is None:  # waiting out the back-off
            if now >= self._next_spawn:
                self._spawn()
            return
        blocks = float(self._status[BLOCKS])
        if blocks != self._last_blocks:
            self._last_blocks, self._last_progress = blocks, now
        if not child.is_alive():
            why = f"exited (code {child.exitcode})"
        elif now - self._last_progress > max(self.stall_seconds, 10.0 if self._status[READY] == 0 else 0.0):
            why = f"stalled (no sound for {now - self._last_progress:.1f} s)"
        else:
            return
        self.restarts += 1
        self._underruns_before += float(self._status[UNDERRUNS])
        self._errors_before += float(self._status[ERRORS])
        position = float(self._status[POSITION])
        self._quick_restarts = self._quick_restarts + 1 if now - self._spawned < STEADY else 1
        wait = BACKOFF[min(self._quick_restarts, len(BACKOFF)) - 1]
        log.error("audio: the sound process %s; starting it again%s (restart %d)", why,
                  f" in {wait:g} s" if wait else "", self.restarts)
        if child.is_alive():
            child.kill()
        child.join(timeout=2)
        self._child = None
        if self._disc is not None and self.playing_id == self._disc[0]:
            self._disc = (*self._disc[:3], position)  # carry on where the stylus was
        self._next_spawn = now + wait
        if not wait:
            self._spawn()

    def _read_events(self) -> None:
        while self._running:
            try:
                kind, *args = self._replies.get(timeout=0.2)
            except (queue.Empty, EOFError, OSError, ValueError):
                continue
            if kind == "log":
                level, text = args
                log.log(level, "%s", text)
            elif kind == "playing":
                self.playing_id = args[0]
            elif kind == "ready":
                self.device_name, self.sample_rate = args[0], int(args[1])
            elif kind == "device":
                self.device_name = args[0]
            else:
                self.events.put((kind, *args))

    # -- control: the engine's interface -------------------------------------------------------
    def _send(self, kind: str, arg) -> None:
        with self._send_lock:
            try:
                self._commands.put((kind, arg))
            except (ValueError, OSError):  # closed while restarting: the restart sends the state again
                pass

    def play_file(self, track_id: str, path: Path, settings: Optional[DspConfig] = None,
                  spin_up: bool = True) -> None:
        self._disc = (track_id, Path(path), settings or self.dsp_cfg, 0.0)
        self._send("play_file", self._disc)

    def stop(self) -> None:
        self._disc = None
        self._send("stop", None)

    def seek(self, seconds: float) -> None:
        self._send("seek", float(seconds))

    def set_speed(self, ratio: float, hand: bool = False) -> None:
        ratio = float(ratio)
        if not np.isfinite(ratio):
            raise ValueError(f"speed: expected a finite number, got {ratio!r}")
        self._speed = (ratio, bool(hand))
        self._send("speed", self._speed)

    def set_volume(self, value: float) -> None:
        self._volume = min(1.0, max(0.0, float(value)))
        self._send("volume", self._volume)

    def set_param(self, stage: str, name: str, value: float) -> None:
        """Checked here, so the performer's mistake is answered at once; applied in the child."""
        value = check_live_param(self.dsp_cfg, stage, name, value)
        self.dsp_cfg = replace_param(self.dsp_cfg, stage, name, value)
        if self._disc is not None and (stage, name) in CUT_PARAMS:
            track_id, path, settings, at = self._disc
            self._disc = (track_id, path, replace_param(settings, stage, name, value), at)
        self._send("param", (stage, name, value))

    # -- what the main loop reads -------------------------------------------------------------
    @property
    def position_seconds(self) -> float:
        return float(self._status[POSITION])

    @property
    def level(self) -> float:
        return float(self._status[LEVEL])

    @property
    def speed(self) -> float:
        return float(self._status[SPEED])

    @property
    def rpm(self) -> float:
        return float(self._status[RPM]) or 78.0

    @property
    def underruns(self) -> int:
        return int(self._underruns_before + self._status[UNDERRUNS])

    @property
    def errors(self) -> int:
        return int(self._errors_before + self._status[ERRORS])

    @property
    def blocks(self) -> int:
        return int(self._status[BLOCKS])

    def render_times(self) -> tuple:
        """Median and p99 of the child's recent callback durations, in seconds."""
        return float(self._status[RENDER_P50]), float(self._status[RENDER_P99])

    @property
    def is_null(self) -> bool:
        return bool(self._status[NULL])


class _ToParent(logging.Handler):
    """The child's log records, sent up to be written by the main process."""

    def __init__(self, replies):
        super().__init__()
        self.replies = replies

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            self.replies.put(("log", record.levelno, text))
        except Exception:  # logging must never take the sound down
            pass


def child_main(commands, replies, shm_name: str, cfg: AudioConfig, dsp: DspConfig, parent: int) -> None:
    """The child: the real engine, its device, and a 10 ms loop of commands in, status out."""
    from .engine import AudioEngine

    try:  # what `top` and `ps -o comm` show a technician (Linux keeps 15 characters)
        with open("/proc/self/comm", "w") as comm:
            comm.write(PROCESS_NAME)
    except OSError:
        pass

    root = logging.getLogger()
    root.handlers[:] = [_ToParent(replies)]
    root.setLevel(logging.INFO)
    _raise_priority()
    shm = shared_memory.SharedMemory(name=shm_name)  # spawned children share the parent's resource tracker
    status = np.ndarray((SLOTS,), dtype=np.float64, buffer=shm.buf)
    engine = AudioEngine(cfg, dsp)
    engine.start()
    status[RATE], status[NULL], status[READY] = engine.sample_rate, float(engine.is_null), 1.0
    replies.put(("ready", engine.device_name, engine.sample_rate))
    playing = None
    next_times = 0.0
    try:
        while True:
            batch = []
            try:
                batch.append(commands.get(timeout=TICK))
                while True:
                    batch.append(commands.get_nowait())
            except queue.Empty:
                pass
            except (EOFError, OSError):
                return  # the parent has gone
            for kind, arg in batch:
                if kind == "close":
                    return
                _apply(engine, kind, arg)
            status[BLOCKS], status[POSITION], status[LEVEL] = engine.blocks, engine.position_seconds, engine.level
            status[SPEED], status[RPM] = engine.speed, engine.rpm
            status[UNDERRUNS], status[ERRORS] = engine.underruns, engine.errors
            status[NULL], status[RATE] = float(engine.is_null), engine.sample_rate
            while not engine.events.empty():
                replies.put(engine.events.get_nowait())
            if time.monotonic() >= next_times:  # percentiles of the callback's cost, twice a second
                status[RENDER_P50], status[RENDER_P99] = engine.render_times()
                next_times = time.monotonic() + 0.5
            if engine.playing_id != playing:
                playing = engine.playing_id
                replies.put(("playing", playing))
            if os.getppid() != parent:  # orphaned (whoever adopted it): the kiosk is gone
                return
    finally:
        engine.close()
        del status
        shm.close()


def _raise_priority() -> None:
    """Before the audio threads exist (they inherit it): real-time scheduling where allowed (root,
    or LimitRTPRIO in the systemd unit), else a better nice value, else say so once."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(RT_PRIORITY))
        return
    except (OSError, AttributeError):
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, 0, NICE)
    except OSError as exc:
        log.info("audio: running at normal priority (%s); allow real time with LimitRTPRIO=%d", exc, RT_PRIORITY)


def _apply(engine, kind: str, arg) -> None:
    try:
        if kind == "play_file":
            track_id, path, settings, at = arg
            engine.play_file(track_id, path, settings)
            if at:
                engine.seek(at)
        elif kind == "stop":
            engine.stop()
        elif kind == "seek":
            engine.seek(arg)
        elif kind == "speed":
            engine.set_speed(*arg)
        elif kind == "volume":
            engine.set_volume(arg)
        elif kind == "param":
            engine.set_param(*arg)
    except ValueError as exc:  # checked in the parent already: only a bug lands here
        log.error("audio: %s %r refused: %s", kind, arg, exc)
