"""systemd's notify protocol (sd_notify), the few lines of it the kiosk needs.

Under `Type=notify` systemd waits for READY=1 (sent once the first frame is drawn), kills and
restarts the service when WATCHDOG=1 pings stop for `WatchdogSec`, and shows the last STATUS=
line in `systemctl status`. The main loop pings only while frames are drawn *and* the sound
is alive, so a hung loop or a dead sound both end in a restart. Without $NOTIFY_SOCKET (run
by hand, in tests) every call does nothing.
"""
from __future__ import annotations

import logging
import os
import socket
from typing import Optional

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ=os.environ):
        self.address = environ.get("NOTIFY_SOCKET", "")
        usec = environ.get("WATCHDOG_USEC", "")
        watchdog_pid = environ.get("WATCHDOG_PID", "")
        mine = not watchdog_pid or watchdog_pid == str(os.getpid())
        # ping at half the watchdog's period, as sd_watchdog_enabled(3) advises
        self.ping_every: Optional[float] = int(usec) / 2e6 if usec.isdigit() and int(usec) > 0 and mine else None
        self._sock: Optional[socket.socket] = None
        self._next_ping = 0.0
        self.sent = 0

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, *lines: str) -> bool:
        if not self.address:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sock.sendto("\n".join(lines).encode("utf-8"), target)
            self.sent += 1
            return True
        except OSError as exc:  # systemd restarted, the socket vanished: the show goes on
            log.warning("sd_notify to %s failed: %s", self.address, exc)
            return False

    def ready(self, status: str) -> None:
        self.send("READY=1", f"STATUS={status}")

    def status(self, text: str) -> None:
        self.send(f"STATUS={text}")

    def stopping(self, reason: str) -> None:
        self.send("STOPPING=1", f"STATUS=stopping: {reason}")

    def watchdog(self, now: float, alive: bool, status: str) -> None:
        """Ping (with the status line) when due and `alive`; silence otherwise, so systemd restarts us."""
        if self.ping_every is None or now < self._next_ping or not alive:
            return
        self._next_ping = now + self.ping_every
        self.send("WATCHDOG=1", f"STATUS={status}")
