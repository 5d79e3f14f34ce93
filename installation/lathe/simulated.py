"""A lathe in software: what the kiosk uses with no lathe attached, in tests and for rehearsals.

A small physical model, stepped by the clock it is polled with (so an accelerated clock runs
it faster): a heavy platter that reaches its speed through a motor with limited torque, a
carriage that moves in one groove pitch per revolution while feeding, a stylus heater that
warms toward its target, and the switches and buttons around it (guard, e-stop, confirm)
that a test or a rehearsal can press. The groove itself is traced by the station (trace.py).
"""
from __future__ import annotations

import math
from typing import Optional

from .machine import Capabilities, LatheStatus
from .settings import LatheConfig

MOTOR_SECONDS = 1.2  # time constant of the platter reaching its speed (inertia against torque)
HEATER_SECONDS = 8.0  # of the stylus warming
AMBIENT_C = 22.0
HOME_MM_PER_S = 8.0  # the carriage winding out to its start
INNER_STOP_MM = 2.0  # the physical end stop lies this far inside the configured inner radius


class SimulatedLathe:
    name = "simulated"
    capabilities = Capabilities()

    def __init__(self, cfg: LatheConfig):
        self.cfg = cfg
        self._last: Optional[float] = None
        self.rev_per_s = 0.0
        self.turns = 0.0
        self.target_rps = 0.0
        self.radius_mm: Optional[float] = None
        self.home_target: Optional[float] = None
        self.stylus_c = AMBIENT_C
        self.heater_c = 0.0
        self.cutter_down = self.feeding = False
        self.lines_per_inch = cfg.lines_per_inch
        self.level = 0.0
        self.latched_estop = False
        # the world around the machine, set by tests and the rehearsal keys
        self.guard_open = False
        self.estop_button = False
        self.confirm_button = False
        self.silent = False  # stops reporting, as a lathe whose cable was pulled
        self.heater_runaway = False
        self._status = LatheStatus()

    # -- commands ----------------------------------------------------------------------------
    def connect(self, now: float) -> None:
        self._last = now

    def home(self) -> None:
        self.feeding = False
        self.home_target = self.cfg.outer_radius_mm
        if self.radius_mm is None:
            self.radius_mm = self.cfg.outer_radius_mm + 5.0  # parked just outside the disc

    def spin_up(self, rpm: float) -> None:
        if not self.latched_estop:
            self.target_rps = rpm / 60.0

    def heat(self, celsius: float) -> None:
        self.heater_c = celsius

    def set_pitch(self, lines_per_inch: float) -> None:
        self.lines_per_inch = lines_per_inch

    def lower(self) -> None:
        if not self.latched_estop:
            self.cutter_down = True

    def feed(self, on: bool) -> None:
        self.feeding = on and not self.latched_estop

    def lift(self) -> None:
        self.cutter_down = False

    def spin_down(self) -> None:
        self.target_rps = 0.0
        self.heater_c = 0.0

    def estop(self) -> None:
        self.latched_estop = True
        self.cutter_down = self.feeding = False
        self.target_rps, self.heater_c = 0.0, 0.0

    def release_estop(self) -> None:
        self.latched_estop = False

    def modulate(self, level: float) -> None:
        self.level = float(level)

    def close(self) -> None:
        self.estop()

    # -- the physics --------------------------------------------------------------------------
    def poll(self, now: float) -> None:
        dt = 0.0 if self._last is None else min(max(now - self._last, 0.0), 1.0)
        self._last = now
        self.rev_per_s += (self.target_rps - self.rev_per_s) * (1.0 - math.exp(-dt / MOTOR_SECONDS))
        if abs(self.rev_per_s - self.target_rps) < 1e-4:
            self.rev_per_s = self.target_rps
        turned = self.rev_per_s * dt
        self.turns += turned
        heat_to = AMBIENT_C + (400.0 if self.heater_runaway else max(0.0, self.heater_c - AMBIENT_C))
        self.stylus_c += (heat_to - self.stylus_c) * (1.0 - math.exp(-dt / HEATER_SECONDS))
        if self.home_target is not None and self.radius_mm is not None:
            step = HOME_MM_PER_S * dt
            gap = self.home_target - self.radius_mm
            self.radius_mm = self.home_target if abs(gap) <= step else self.radius_mm + math.copysign(step, gap)
            if self.radius_mm == self.home_target:
                self.home_target = None
        stop = self.cfg.inner_radius_mm - INNER_STOP_MM
        if self.feeding and self.radius_mm is not None and self.home_target is None:
            self.radius_mm = max(stop, self.radius_mm - turned * 25.4 / self.lines_per_inch)
            if self.radius_mm <= stop:
                self.feeding = False  # the end stop halts the carriage
        if not self.silent:
            self._status = LatheStatus(
                at=now, rpm=self.rev_per_s * 60.0, radius_mm=self.radius_mm,
                stylus_c=self.stylus_c if self.cfg.stylus_temperature_c > 0 or self.heater_runaway else None,
                cutter_down=self.cutter_down, feeding=self.feeding, estop=self.estop_button or self.latched_estop,
                guard_open=self.guard_open,
                inner_limit=self.radius_mm is not None and self.radius_mm <= stop + 1e-6,
                outer_limit=self.radius_mm is not None and self.radius_mm >= self.cfg.outer_radius_mm + 5.0,
                confirm=self.confirm_button)

    def status(self) -> LatheStatus:
        return self._status
