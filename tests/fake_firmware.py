"""Firmware stand-ins on the far end of a real pseudo-terminal (os.openpty): our line protocol
(docs/lathe-protocol.md) and lathe_guide's, each driving a SimulatedLathe whose physics run
`speedup` times faster than the wall clock so a side is cut in seconds."""
from __future__ import annotations

import os
import select
import threading
import time
import tty

from installation.lathe.settings import LatheConfig
from installation.lathe.simulated import SimulatedLathe


class PtyFirmware:
    """The common part: a pty pair, a thread reading the host and stepping the machine."""

    def __init__(self, cfg: LatheConfig, speedup: float = 20.0):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.sim = SimulatedLathe(cfg)
        self.speedup = speedup
        self.received: list = []
        self.unplugged = False  # no bytes either way, as a pulled cable
        self.silent = False  # still listens, says nothing
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._buf = b""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def sim_time(self) -> float:
        return (time.monotonic() - self._t0) * self.speedup

    def write(self, data: bytes) -> None:
        if not self.unplugged and not self.silent:
            try:
                os.write(self.master, data)
            except OSError:
                pass

    def _run(self) -> None:
        self.sim.connect(self.sim_time())
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.01)
            if ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    data = b""
                if not self.unplugged:
                    self._buf += data
                    self.on_bytes()
            self.sim.poll(self.sim_time())
            self.on_tick(time.monotonic())

    def on_bytes(self) -> None: ...

    def on_tick(self, now: float) -> None: ...

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


class OurFirmware(PtyFirmware):
    """docs/lathe-protocol.md, including the host watchdog: no line for 1 s -> make safe."""

    HOST_TIMEOUT = 1.0

    def __init__(self, cfg: LatheConfig, speedup: float = 20.0, garble_every: int = 0):
        self.garble_every = garble_every
        self.sent_lines = 0
        self.last_host = time.monotonic()
        self.watchdog_tripped_at = None
        self.watchdog_trips = 0
        self.done: dict = {}
        self._next_status = 0.0
        super().__init__(cfg, speedup)

    def say(self, line: str) -> None:
        self.sent_lines += 1
        data = line.encode() + b"\n"
        if self.garble_every and self.sent_lines % self.garble_every == 0:
            data = bytes(b ^ 0x5A for b in data[:-1]) + b"\n"  # line noise
        self.write(data)

    def on_bytes(self) -> None:
        *lines, self._buf = self._buf.split(b"\n")
        for raw in lines:
            self.last_host = time.monotonic()
            self.received.append(raw.decode())
            seq, _, rest = raw.decode().partition(" ")
            if seq in self.done:
                self.say(f"{seq} OK")  # a resend of what was done: acknowledge again
                continue
            cmd, _, arg = rest.partition(" ")
            s = self.sim
            actions = {"HELLO": lambda: None, "PING": lambda: None, "HOME": s.home, "LOWER": s.lower,
                       "LIFT": s.lift, "STOP": s.spin_down, "ESTOP": s.estop, "RESET": s.release_estop,
                       "SPIN": lambda: s.spin_up(float(arg)), "HEAT": lambda: s.heat(float(arg)),
                       "PITCH": lambda: s.set_pitch(float(arg)), "FEED": lambda: s.feed(arg == "1")}
            if cmd not in actions:
                self.say(f"{seq} ERR unknown command {cmd}")
                continue
            actions[cmd]()
            self.done = {seq: True, **{k: v for k, v in list(self.done.items())[:50]}}
            self.say(f"{seq} OK")

    def on_tick(self, now: float) -> None:
        if now - self.last_host > self.HOST_TIMEOUT and (self.sim.cutter_down or self.sim.target_rps):
            self.sim.lift()
            self.sim.feed(False)
            self.sim.spin_down()
            self.watchdog_tripped_at = now
            self.watchdog_trips += 1
        if now >= self._next_status:
            self._next_status = now + 0.05
            st = self.sim.status()
            r = f" r={st.radius_mm:.3f}" if st.radius_mm is not None else ""
            self.say(f"S rpm={st.rpm:.3f}{r} cut={int(st.cutter_down)} feed={int(st.feeding)} "
                     f"estop={int(st.estop)} guard={int(st.guard_open)} in={int(st.inner_limit)} "
                     f"out={int(st.outer_limit)} ok={int(st.confirm)} wd={self.watchdog_trips}")


class GuideFirmware(PtyFirmware):
    """lathe_guide's Linear_Rail_Stepper_Controller as seen from the wire: letter+number
    commands (a number ends at the next non-digit), `<steps L0 H0>` reports every ~33 ms."""

    def __init__(self, cfg: LatheConfig, speedup: float = 20.0, steps_per_mm: float = 200.0):
        self.cfg = cfg
        self.steps = 0.0  # toward the centre from step 0
        self.motion = 0  # 0 stopped, 1 feeding in, 5 going home
        self.rpm100, self.lpcm = 3333, 72
        self.steps_per_mm = steps_per_mm
        self._letter = None
        self._number = 0
        self._last = None
        self._next_report = 0.0
        super().__init__(cfg, speedup)

    def on_bytes(self) -> None:
        for byte in self._buf:
            ch = chr(byte)
            if ch.isdigit():
                self._number = self._number * 10 + int(ch)
                continue
            self._finish_number()
            self._letter = ch if ch in "CRT" else None
            if ch == "E":
                self.motion = 0
                self.received.append("E")
        self._buf = b""

    def _finish_number(self) -> None:
        letter, n = self._letter, self._number
        self._number = 0
        if letter is None:
            return
        self.received.append(f"{letter}{n}")
        if letter == "R":
            self.rpm100 = n
        elif letter == "T":
            self.lpcm = n
        elif letter == "C":
            self.motion = {0: 0, 1: 1, 5: 5, 6: 0}.get(n, self.motion)
            if n == 6:
                self.steps = 0.0
        self._letter = None

    def inner_limit(self) -> bool:
        return self.cfg.outer_radius_mm - self.steps / self.steps_per_mm <= self.cfg.inner_radius_mm - 2.0

    def on_tick(self, now: float) -> None:
        t = self.sim_time()
        dt = 0.0 if self._last is None else t - self._last
        self._last = t
        if self.motion == 1:  # rpm/60 revolutions a second, 1/lpcm cm each
            self.steps += self.rpm100 / 100 / 60 / self.lpcm * 10 * self.steps_per_mm * dt
            if self.inner_limit():
                self.motion = 0
        elif self.motion == 5:
            self.steps = max(0.0, self.steps - 5 * self.steps_per_mm * dt)
            if self.steps == 0:
                self.motion = 0
        if now >= self._next_report:
            self._next_report = now + 0.033
            self.write(f"<{int(self.steps)}L{int(self.steps <= 0)}H{int(self.inner_limit())}>".encode())
