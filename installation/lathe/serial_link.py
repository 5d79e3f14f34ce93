"""The serial port, shared by both wire protocols: open, read what is there, write, reopen.

Reads never block (the lathe thread polls 50 times a second); a pulled cable or a port that
vanished is noticed here, logged once, and retried every few seconds, while the controller
sees the silence and makes the lathe safe."""
from __future__ import annotations

import logging
import threading
from typing import Any, Optional

log = logging.getLogger(__name__)

REOPEN_SECONDS = 2.0
MAX_BUFFER = 4096  # bytes of unterminated garbage kept at most


class SerialLink:
    def __init__(self, port: str, baud: int):
        self.port, self.baud = port, baud
        self._serial: Optional[Any] = None  # a serial.Serial while the port is open
        self._next_open = 0.0
        self._said_down = False
        self.buffer = b""
        self._lock = threading.Lock()  # an e-stop is written from the thread that received it

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def ensure_open(self, now: float) -> bool:
        if self._serial is not None:
            return True
        if now < self._next_open:
            return False
        self._next_open = now + REOPEN_SECONDS
        import serial

        try:
            self._serial = serial.serial_for_url(self.port, baudrate=self.baud, timeout=0, write_timeout=0.2)
        except (serial.SerialException, OSError, ValueError) as exc:
            if not self._said_down:
                log.error("lathe: cannot open %s (%s); retrying every %.0f s", self.port, exc, REOPEN_SECONDS)
                self._said_down = True
            return False
        log.info("lathe: %s open at %d baud", self.port, self.baud)
        self._said_down = False
        self.buffer = b""
        return True

    def read(self) -> bytes:
        """Whatever has arrived, appended to `buffer` (b"" when nothing or the port is gone)."""
        if self._serial is None:
            return b""
        try:
            data = self._serial.read(self._serial.in_waiting or 1)
        except Exception as exc:  # SerialException, OSError (EIO when the other end went away)
            self._lost(exc)
            return b""
        self.buffer = (self.buffer + data)[-MAX_BUFFER:]
        return data

    def write(self, data: bytes) -> bool:
        if self._serial is None:
            return False
        try:
            with self._lock:
                self._serial.write(data)
            return True
        except Exception as exc:
            self._lost(exc)
            return False

    def _lost(self, exc: Exception) -> None:
        log.error("lathe: lost %s (%s)", self.port, exc)
        self._said_down = True
        self.close()

    def close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except Exception:
                pass
        self._serial = None
