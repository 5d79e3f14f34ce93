"""The audio engine in a process of its own, so nothing the main loop does can starve it.

Drawing at 1080p and the DSP would otherwise share one interpreter lock: a long C call on the
main thread (a big blit, a regex) holds the lock, the audio callback cannot run, and the
sound drops out. Here the main process keeps `EngineProcess`, which offers the same `Sound`
port as the engine (port.py: `apply(command)`, `status()`, `events`), and a spawned child runs
the real `AudioEngine` and is the only process that touches the sound card.

- Commands (the port's own dataclasses) go down a multiprocessing Queue: `put` never blocks
  the main loop, even when the child hangs.
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

import dataclasses
import logging
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from multiprocessing import shared_memory
from typing import Any, Dict, Optional

import numpy as np

from ..service.vitals import rss_mb
from .grooves import with_param
from .port import (
    DeviceChanged,
    Hold,
    PlayFile,
    SetParam,
    SetSpeed,
    SetVolume,
    SoundCommand,
    SoundEvent,
    SoundStatus,
    Stop,
    checked,
)
from .settings import CUT_PARAMS, AudioConfig, DspConfig, replace_param

log = logging.getLogger(__name__)

# shared memory slots (float64)
(BLOCKS, POSITION, LEVEL, SPEED, RPM, UNDERRUNS, ERRORS, READY, RATE, NULL, RENDER_P50, RENDER_P99, LOADING,
 GROOVES_MB, RSS_MB, PLATTER_AT, PLATTER_TURNS, PLATTER_REV, PLATTER_TOUCHED) = range(19)
SLOTS = 20
TICK = 0.01  # the child's loop: commands in, status out
PROCESS_NAME = "bonemusic-audio"
RT_PRIORITY = 10  # SCHED_FIFO, low among real-time tasks: the sound before the picture on a shared core
NICE = -10  # the fallback where real time is not allowed
BACKOFF = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # seconds before the 1st, 2nd... quick restart in a row
STEADY = 60.0  # a child that ran this long resets the back-off
CLOSE = "close"  # the one message down the queue that is not a command: the child ends


class EngineProcess:
    """The `Sound` port, served by an `AudioEngine` in a spawned child."""

    def __init__(self, cfg: AudioConfig, dsp: DspConfig, stall_seconds: float = 2.0, encoder: Any = None):
        """`encoder`: the turntable's encoder port, served in the child (remote/osc/encoder_port.py's
        EncoderPort: `start(engine)` listens), so that the main loop's frames never delay it."""
        self.cfg = cfg
        self.encoder = encoder
        self.dsp_cfg = dsp  # with the performer's live changes, for a restarted child
        self.stall_seconds = stall_seconds
        self.events: "queue.SimpleQueue[SoundEvent]" = queue.SimpleQueue()  # Ended for the main loop
        self.restarts = 0
        self._device = "starting"
        self._playing: Optional[str] = None
        self._ctx = mp.get_context("spawn")  # a clean interpreter: no pygame, no threads of ours
        self._shm = shared_memory.SharedMemory(create=True, size=SLOTS * 8)
        self._status = np.ndarray((SLOTS,), dtype=np.float64, buffer=self._shm.buf)
        self._status[:] = 0.0
        self._send_lock = threading.Lock()
        # what a restarted child is sent to carry on: the disc, the volume, the platter's speed
        self._replay: Dict[type, SoundCommand] = {SetVolume: SetVolume(cfg.master_volume), SetSpeed: SetSpeed(1.0)}
        self._replay_lock = threading.Lock()  # the main loop's apply() and the watchdog's restart both use it
        # A hand on the platter as a child is restarted: the new child anchors the hand where the
        # stylus was, so the hand's later turns are counted from the turns it had then.
        self._hold_base = 0.0
        self._running = False
        self._child: Optional[Any] = None  # a multiprocessing process while the sound runs
        self._threads: list = []
        self._before = (0.0, 0.0)  # underruns and errors of children that have died
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
        self._child = self._ctx.Process(target=child_main, name=PROCESS_NAME, daemon=True,
                                        args=(self._commands, self._replies, self._shm.name, self.cfg, self.dsp_cfg,
                                              os.getpid(), self.encoder))
        self._child.start()
        self._spawned = time.monotonic()
        self._last_blocks, self._last_progress, self._ready_seen = -1.0, self._spawned, False
        with self._replay_lock:  # (a disc chosen as the watchdog restarts the child: "dictionary changed size")
            replay = [self._rebased(c) for c in self._replay.values()]
        for command in replay:
            self._send(command)

    def _rebased(self, command: SoundCommand) -> SoundCommand:
        """A hand's turns as the child counts them: from where the hand was when it was started."""
        return Hold(command.turns - self._hold_base) if isinstance(command, Hold) else command

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
        self._send(CLOSE)
        self._child = None
        child.join(timeout=3)
        if child.is_alive():
            child.kill()
            child.join(timeout=2)
        self._let_go_queues()

    def _let_go_queues(self) -> None:
        """The queues of a child that is gone: what they still hold is dropped. Their feeder
        threads may wait on a pipe that nobody reads any more (a stalled child's, filled): joined
        at exit, as multiprocessing does by default, they would hang the kiosk for ever."""
        for q in (self._commands, self._replies):
            q.close()
            q.cancel_join_thread()

    @property
    def reads_encoder(self) -> bool:
        """The child serves the encoder's port: the platter's angle is in the status."""
        return self.encoder is not None

    @property
    def pid(self) -> Optional[int]:
        return self._child.pid if self._child is not None else None

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
        blocks, ready = float(self._status[BLOCKS]), self._status[READY] != 0
        if blocks != self._last_blocks or ready != self._ready_seen:  # (blocks are due once its device is open,
            self._last_blocks, self._last_progress, self._ready_seen = blocks, now, ready  # however long that took)
        if not child.is_alive():
            why = f"exited (code {child.exitcode})"
        elif now - self._last_progress > max(self.stall_seconds, 10.0 if self._status[READY] == 0 else 0.0):
            why = f"stalled (no sound for {now - self._last_progress:.1f} s)"
        else:
            return
        self.restarts += 1
        self._before = (self._before[0] + float(self._status[UNDERRUNS]), self._before[1] + float(self._status[ERRORS]))
        position = float(self._status[POSITION])
        self._quick_restarts = self._quick_restarts + 1 if now - self._spawned < STEADY else 1
        wait = BACKOFF[min(self._quick_restarts, len(BACKOFF)) - 1]
        log.error("audio: the sound process %s; starting it again%s (restart %d)", why,
                  f" in {wait:g} s" if wait else "", self.restarts)
        if child.is_alive():
            child.kill()
        child.join(timeout=2)
        self._child = None
        with self._send_lock:  # (no command goes into a queue being let go; the restart sends the state again)
            self._let_go_queues()
        with self._replay_lock:
            disc = self._replay.get(PlayFile)
            if isinstance(disc, PlayFile) and self._playing == disc.track_id:  # carry on where the stylus was
                self._replay[PlayFile] = dataclasses.replace(disc, at=position)
                held = self._replay.pop(Hold, None)  # (after the disc: the new child's hand takes hold there)
                if isinstance(held, Hold):
                    self._hold_base, self._replay[Hold] = held.turns, held
        self._next_spawn = now + wait
        if not wait:
            self._spawn()

    def _read_events(self) -> None:
        while self._running:
            try:
                kind, *args = self._replies.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):  # let go with its child: the next child's comes
                time.sleep(0.05)
                continue
            if kind == "log":
                level, text, site = args
                log.log(level, "%s", text, extra={"site": tuple(site)})  # the child's own line, for PerMinute
            elif kind == "playing":
                self._playing = args[0]
            elif kind == "event":
                event = args[0]
                if isinstance(event, DeviceChanged):
                    self._device = event.name
                self.events.put(event)
            elif kind == "ready":
                self._device = args[0]

    # -- the port ----------------------------------------------------------------------------
    def apply(self, command: SoundCommand) -> None:
        """Checked here, so the performer's mistake is answered at once; carried out in the child."""
        c = checked(command, self.dsp_cfg)
        with self._replay_lock:
            if isinstance(c, SetParam):
                self.dsp_cfg = replace_param(self.dsp_cfg, c.stage, c.name, c.value)
                disc = self._replay.get(PlayFile)
                if isinstance(disc, PlayFile) and (c.stage, c.name) in CUT_PARAMS:
                    self._replay[PlayFile] = with_param(disc, c.stage, c.name, c.value)
            elif isinstance(c, Stop):
                self._replay.pop(PlayFile, None)
            elif isinstance(c, (PlayFile, SetVolume, SetSpeed, Hold)):
                self._replay[type(c)] = c
            if isinstance(c, (SetSpeed, PlayFile, Stop)):  # the hand lets go (a new disc: a new touch)
                self._replay.pop(Hold, None)
                self._hold_base = 0.0
            c = self._rebased(c)
        self._send(c)

    def _send(self, command: object) -> None:
        with self._send_lock:
            try:
                self._commands.put(command)
            except (ValueError, OSError):  # closed while restarting: the restart sends the state again
                pass

    def status(self) -> SoundStatus:
        s = self._status
        return SoundStatus(device=self._device, is_null=bool(s[NULL]), playing_id=self._playing,
                           position=float(s[POSITION]), level=float(s[LEVEL]), speed=float(s[SPEED]),
                           rpm=float(s[RPM]) or 78.0, underruns=int(self._before[0] + s[UNDERRUNS]),
                           errors=int(self._before[1] + s[ERRORS]), blocks=int(s[BLOCKS]), loading=bool(s[LOADING]),
                           grooves_mb=float(s[GROOVES_MB]), memory_mb=float(s[RSS_MB]),
                           render_p50=float(s[RENDER_P50]), render_p99=float(s[RENDER_P99]),
                           platter=(float(s[PLATTER_TURNS]), float(s[PLATTER_REV]), float(s[PLATTER_AT]))
                           if s[PLATTER_AT] else None, platter_touched=bool(s[PLATTER_TOUCHED]))


class _ToParent(logging.Handler):
    """The child's log records, sent up to be written by the main process."""

    def __init__(self, replies):
        super().__init__()
        self.replies = replies

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            self.replies.put(("log", record.levelno, text, (record.pathname, record.lineno)))
        except Exception:  # logging must never take the sound down
            pass


def child_main(commands, replies, shm_name: str, cfg: AudioConfig, dsp: DspConfig, parent: int,
               encoder: Any = None) -> None:
    """The child: the real engine, its device, and a 10 ms loop of commands in, status out."""
    from .engine import AudioEngine

    try:  # what `top` and `ps -o comm` show a technician (Linux keeps 15 characters)
        with open("/proc/self/comm", "w") as comm:
            comm.write(PROCESS_NAME)
    except OSError:
        pass
    # The kiosk ends its sound process itself, after the last frame: a SIGTERM for the whole group
    # (systemd's stop, a terminal's Ctrl+C, `timeout`) would only make its watchdog start another.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
    listener = None
    if encoder is not None:
        try:
            listener = encoder.start(engine)
            log.info("OSC: the turntable's encoder on %s:%d, read by the sound process", *listener.server.address[:2])
        except OSError as exc:
            log.error("OSC: cannot listen for the encoder (%s); it is read on the kiosk's own port only", exc)
    try:
        _serve(engine, commands, replies, status, parent, listener)
    finally:
        if listener is not None:
            listener.close()
        engine.close()
        del status
        shm.close()


def _serve(engine, commands, replies, status: np.ndarray, parent: int, encoder: Any = None) -> None:
    """Every TICK: the commands waiting, then the status and the events up to the parent."""
    playing, next_times = None, 0.0
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
        for command in batch:
            if command == CLOSE:
                return
            try:
                engine.apply(command)
            except ValueError as exc:  # checked in the parent already: only a bug lands here
                log.error("audio: %r refused: %s", command, exc)
        s = engine.status()
        status[BLOCKS], status[POSITION], status[LEVEL], status[SPEED], status[RPM] = \
            s.blocks, s.position, s.level, s.speed, s.rpm
        status[UNDERRUNS], status[ERRORS], status[NULL], status[RATE] = s.underruns, s.errors, float(s.is_null), \
            engine.sample_rate
        status[LOADING], status[GROOVES_MB] = float(s.loading), s.grooves_mb
        if encoder is not None:  # a silent encoder held or let go; the platter for the picture
            platter, touched = encoder.frame(time.perf_counter())
            status[PLATTER_TOUCHED] = float(touched)
            if platter is None:
                status[PLATTER_AT] = 0.0
            else:
                status[PLATTER_TURNS], status[PLATTER_REV], status[PLATTER_AT] = platter
        while not engine.events.empty():
            replies.put(("event", engine.events.get_nowait()))
        if time.monotonic() >= next_times:  # percentiles of the callback's cost, twice a second
            status[RENDER_P50], status[RENDER_P99] = s.render_p50, s.render_p99
            status[RSS_MB] = rss_mb()  # (its own memory, for the console: the parent need not know its pid)
            next_times = time.monotonic() + 0.5
        if s.playing_id != playing:
            playing = s.playing_id
            replies.put(("playing", playing))
        if os.getppid() != parent:  # orphaned (whoever adopted it): the kiosk is gone
            return


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
