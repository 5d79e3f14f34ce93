"""The `serial` backend: our line protocol (docs/lathe-protocol.md) over pyserial.

Every command carries a sequence number and is acknowledged (`12 OK` / `12 ERR why`); one
without an answer in `ack_timeout_seconds` is sent once more with the same number (the
firmware re-acknowledges a number it has done), then counts as a fault. The lathe reports
its status at least 10 times a second; the host sends PING every 250 ms, and the firmware
makes itself safe when the host falls silent for a second, so a kiosk that dies mid-cut
leaves the cutter lifted and the platter stopped."""
from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from typing import Any, Dict, Optional

from .machine import Capabilities, LatheStatus
from .serial_link import SerialLink
from .settings import LatheConfig

log = logging.getLogger(__name__)

PING_SECONDS = 0.25
FLAGS = {"cut": "cutter_down", "feed": "feeding", "estop": "estop", "guard": "guard_open", "in": "inner_limit",
         "out": "outer_limit", "ok": "confirm"}
NUMBERS = {"rpm": "rpm", "r": "radius_mm", "t": "stylus_c"}
COUNTS = {"wd": "watchdog_trips"}


@dataclass
class _Pending:
    seq: int
    line: bytes
    sent: float
    tries: int = 1


def parse_status(line: str, at: float) -> Optional[LatheStatus]:
    """`S rpm=78.02 r=114.95 t=60.1 cut=1 ...` -> LatheStatus; None if it does not parse.
    A field left out means the lathe has no such sensor (rpm, t) or the input is off."""
    parts = line.split()
    if not parts or parts[0] != "S":
        return None
    values: Dict[str, Any] = {"at": at}
    try:
        for part in parts[1:]:
            key, _, value = part.partition("=")
            if key in NUMBERS:
                values[NUMBERS[key]] = float(value)
            elif key in COUNTS:
                values[COUNTS[key]] = int(value)
            elif key in FLAGS and value in ("0", "1"):
                values[FLAGS[key]] = value == "1"
            else:
                return None
    except ValueError:
        return None
    return LatheStatus(**values)


class SerialLathe:
    name = "serial"
    capabilities = Capabilities()

    def __init__(self, cfg: LatheConfig, link: Optional[SerialLink] = None):
        self.cfg = cfg
        self.link = link or SerialLink(cfg.port, cfg.baud)
        self._seq = 0
        self._pending: Dict[int, _Pending] = {}
        self._status = LatheStatus()
        self._fault = ""
        self._last_sent = -1e9
        self._now = 0.0
        self._lock = threading.RLock()  # the station's thread and an e-stop from another one
        self.garbled = 0  # lines that did not parse (a noisy cable shows here)
        self.errors: list = []  # ERR replies, newest last

    # -- commands ----------------------------------------------------------------------------
    def connect(self, now: float) -> None:
        self._now = now
        if self.link.ensure_open(now):
            self._send("HELLO")

    def home(self) -> None:
        self._fault = ""
        self._send("HOME")

    def spin_up(self, rpm: float) -> None:
        self._send(f"SPIN {rpm:.2f}")

    def heat(self, celsius: float) -> None:
        self._send(f"HEAT {celsius:.1f}")

    def set_pitch(self, lines_per_inch: float) -> None:
        self._send(f"PITCH {lines_per_inch:.1f}")

    def lower(self) -> None:
        self._send("LOWER")

    def feed(self, on: bool) -> None:
        self._send(f"FEED {int(on)}")

    def lift(self) -> None:
        self._send("LIFT")

    def spin_down(self) -> None:
        self._send("STOP")

    def estop(self) -> None:
        self._send("ESTOP")

    def release_estop(self) -> None:
        self._fault = ""
        self._send("RESET")

    def modulate(self, level: float) -> None:
        pass  # the head is driven by the audio itself

    def close(self) -> None:
        self.link.close()

    def status(self) -> LatheStatus:
        return dataclasses.replace(self._status, fault=self._fault) if self._fault else self._status

    # -- the wire ------------------------------------------------------------------------------
    def _send(self, command: str) -> None:
        with self._lock:
            self._seq = self._seq % 9999 + 1
            line = f"{self._seq} {command}\n".encode("ascii")
            self._pending[self._seq] = _Pending(self._seq, line, self._now)
            self._last_sent = self._now
            self.link.write(line)

    def poll(self, now: float) -> None:
        with self._lock:
            self._poll(now)

    def _poll(self, now: float) -> None:
        self._now = now
        if not self.link.ensure_open(now):
            return
        self.link.read()
        *lines, self.link.buffer = self.link.buffer.split(b"\n")
        for raw in lines:
            self._line(raw.decode("ascii", "replace").strip(), now)
        for p in list(self._pending.values()):
            if now - p.sent < self.cfg.ack_timeout_seconds:
                continue
            if p.tries >= 2:
                del self._pending[p.seq]
                self._fault = f"the lathe did not acknowledge {p.line.decode().strip()!r}"
                log.error("lathe: %s", self._fault)
            else:
                p.tries, p.sent = p.tries + 1, now
                self.link.write(p.line)
        if now - self._last_sent >= PING_SECONDS:
            self._send("PING")

    def _line(self, line: str, now: float) -> None:
        if not line or line.startswith("#"):
            return  # firmware's own remarks
        status = parse_status(line, now)
        if status is not None:
            self._status = status
            return
        seq, _, rest = line.partition(" ")
        if seq.isdigit() and (rest == "OK" or rest.startswith("ERR")):
            pending = self._pending.pop(int(seq), None)
            if rest == "OK" and self._fault.startswith("the lathe did not acknowledge"):
                self._fault = ""  # it answers again (a cable put back)
            if rest.startswith("ERR") and pending is not None:
                why = rest[3:].strip() or "no reason given"
                self.errors = (self.errors + [why])[-20:]
                log.error("lathe refused %r: %s", pending.line.decode().strip(), why)
                if not pending.line.endswith(b"PING\n"):
                    self._fault = f"the lathe refused {pending.line.decode().split(' ', 1)[1].strip()!r}: {why}"
            return
        self.garbled += 1
        if self.garbled in (1, 10, 100, 1000):
            log.warning("lathe: %d garbled line(s) from %s, e.g. %r", self.garbled, self.link.port, line[:60])
