"""The `lathe_guide` backend: the command set of the open-source DIY lathe controller in
dn784533/lathe_guide (Arduino sketch Linear_Rail_Stepper_Controller), learnt from its
behaviour and written anew, so a lathe built on it works unchanged.

What that controller does: it moves the cutter carriage on a stepper. Commands are a letter
and a number, each ended by the next non-digit (we send a newline):
  R<rpm x 100>  the turntable's speed, e.g. R7800 (it sets the feed rate, it drives no motor)
  T<lines/cm>   groove pitch in whole lines per centimetre, e.g. T39
  C0 stop the carriage   C1 feed toward the centre   C2 feed outward
  C3/C4 wind in/out fast   C5 return to step 0 ("home")   C6 make here step 0
  E  emergency stop: the stepper is released at once
Every ~33 ms, and at once when the carriage stops, it reports `<steps L0 H0>`: full steps
from step 0 toward the centre, and its outer (L) and inner (H) limit switches.

What it does not do: run the platter (its own controller, with a knob), lower or lift the
cutter (by hand), measure rpm or temperature over the wire, acknowledge commands, or stop
by itself when the host dies (the inner limit switch stops the carriage). So with this
backend the platter speed and the lift interlocks are the operator's, and the kiosk says so.
"""
from __future__ import annotations

import logging
import re

from .machine import Capabilities, LatheStatus
from .serial_link import SerialLink
from .settings import LatheConfig

log = logging.getLogger(__name__)

REPORT = re.compile(rb"<(-?\d{1,9})L([01])H([01])>")


class LatheGuideLathe:
    name = "lathe_guide"
    capabilities = Capabilities(heater=False, notes=(
        "start the platter at speed with its own controller",
        "lower the cutter by hand when the cut starts; lift it when it ends",
        "power the controller on with the cutter at the start of the side: that is step 0"))

    def __init__(self, cfg: LatheConfig, link: SerialLink | None = None):
        self.cfg = cfg
        self.link = link or SerialLink(cfg.port, cfg.baud)
        self._status = LatheStatus()
        self.sent: list = []  # the last commands, for the log and tests

    def _send(self, command: str) -> None:
        self.sent = (self.sent + [command])[-50:]
        self.link.write(command.encode("ascii") + b"\n")

    def connect(self, now: float) -> None:
        if self.link.ensure_open(now):
            self._send(f"R{round(self.cfg.rpm * 100)}")

    def home(self) -> None:
        self._send("C5")

    def spin_up(self, rpm: float) -> None:
        self._send(f"R{round(rpm * 100)}")  # the feed follows it; the platter is the operator's

    def heat(self, celsius: float) -> None:
        pass

    def set_pitch(self, lines_per_inch: float) -> None:
        per_cm = max(1, round(lines_per_inch / 2.54))
        if abs(per_cm * 2.54 - lines_per_inch) > 0.5:
            log.info("lathe_guide takes whole lines per cm: %g LPI is cut at %d/cm (%.1f LPI)",
                     lines_per_inch, per_cm, per_cm * 2.54)
        self._send(f"T{per_cm}")

    def lower(self) -> None:
        pass

    def feed(self, on: bool) -> None:
        self._send("C1" if on else "C0")

    def lift(self) -> None:
        pass

    def spin_down(self) -> None:
        self._send("C0")

    def estop(self) -> None:
        self._send("E")

    def modulate(self, level: float) -> None:
        pass

    def close(self) -> None:
        self.link.close()

    def status(self) -> LatheStatus:
        return self._status

    def poll(self, now: float) -> None:
        if not self.link.ensure_open(now):
            return
        self.link.read()
        buffer = self.link.buffer
        last_end = 0
        for m in REPORT.finditer(buffer):
            steps, lo, hi = int(m.group(1)), m.group(2) == b"1", m.group(3) == b"1"
            radius = self.cfg.outer_radius_mm - steps / self.cfg.steps_per_mm
            self._status = LatheStatus(at=now, rpm=None, radius_mm=radius,
                                       feeding=self._status.feeding, outer_limit=lo, inner_limit=hi)
            last_end = m.end()
        if last_end:
            self.link.buffer = buffer[last_end:]
        elif len(buffer) > 64 and b"<" not in buffer[-32:]:
            self.link.buffer = b""  # noise with no report in it
