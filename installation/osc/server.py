"""The OSC server: python-osc on its own thread, roles, validation, and replies.

Handlers never touch pygame. Commands for the screen go through a bounded queue into the
main loop (a full queue drops and counts); encoder streams go to the PlatterTracker, where
only the latest value counts; sound parameters go straight to the audio engine, which is
thread-safe. Anything malformed, unknown, out of role or out of range is logged (at most
once per 10 s per kind) and dropped, never acted on.
"""
from __future__ import annotations

import ipaddress
import logging
import queue
import socket
import threading
import time
from typing import Any, Callable, Optional

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_server import BlockingOSCUDPServer

from ..config import OscConfig
from .routes import ROUTES, Route
from .turntable import PlatterTracker

log = logging.getLogger(__name__)


class RateLimitedLog:
    """One line per kind of problem every `period` seconds, with how many were held back."""

    def __init__(self, period: float = 10.0):
        self.period = period
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warning(self, kind: str, message: str) -> None:
        now = time.monotonic()
        if now - self._last.get(kind, -1e9) >= self.period:
            held = self._held.pop(kind, 0)
            log.warning("%s%s", message, f" (and {held} more like it)" if held else "")
            self._last[kind] = now
        else:
            self._held[kind] = self._held.get(kind, 0) + 1


class _SafeDispatcher(Dispatcher):
    """python-osc drops what it cannot parse; this also survives what breaks its parser."""

    def __init__(self, server: "OscServer"):
        super().__init__(strict_timing=False)  # a bundle from the future must not stall the thread
        self._owner = server

    def call_handlers_for_packet(self, data: bytes, client_address) -> list:
        try:
            super().call_handlers_for_packet(data, client_address)
        except Exception as exc:  # struct.error, UnicodeDecodeError, IndexError from odd packets
            self._owner.reject("malformed", f"OSC packet from {client_address[0]}:{client_address[1]} "
                                             f"dropped: malformed ({type(exc).__name__})")
        return []  # never reply through python-osc: replies are explicit


def message(address: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(address)
    for a in args:
        builder.add_arg(a)
    return builder.build().dgram


class OscServer:
    def __init__(self, cfg: OscConfig, commands: "queue.Queue[tuple]", engine=None,
                 status: Callable[[], dict] = dict, rpm: Callable[[], float] = lambda: 78.0):
        self.cfg = cfg
        self.commands = commands
        self.engine = engine
        self.status = status
        self.started = time.monotonic()
        self.received = self.dropped = self.rejected = 0
        self.logs = RateLimitedLog()
        self.tracker = PlatterTracker(self._apply_speed, rpm)
        self.roles = [([ipaddress.ip_network(n, strict=False) for n in role.networks], role.prefixes)
                      for role in cfg.roles.values()]
        dispatcher = _SafeDispatcher(self)
        for route in ROUTES:
            dispatcher.map(route.pattern, self._handle, route, needs_reply_address=True)
        dispatcher.set_default_handler(self._unknown, needs_reply_address=True)
        self.server = BlockingOSCUDPServer((cfg.host, cfg.port), dispatcher)
        self.server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # absorb bursts
        self.address = self.server.server_address
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="osc-server", daemon=True)
        self._thread.start()
        log.info("OSC: listening on %s:%d", *self.address[:2])

    def close(self) -> None:
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(timeout=2)
        self.server.server_close()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def send(self, target: tuple[str, int], messages: list[bytes]) -> None:
        for dgram in messages:
            try:
                self.server.socket.sendto(dgram, target)
            except OSError as exc:
                self.logs.warning(f"send:{target}", f"OSC: cannot send to {target[0]}:{target[1]}: {exc}")

    # -- incoming ----------------------------------------------------------------------------
    def reject(self, kind: str, text: str) -> None:
        self.rejected += 1
        self.logs.warning(kind, text)

    def _unknown(self, client, address: str, *args) -> None:
        self.received += 1
        self.reject("unknown", f"OSC {address} from {client[0]}:{client[1]} dropped: no such address "
                               f"(`python -m installation osc-map` lists them)")

    def allowed(self, ip: str, address: str) -> bool:
        try:
            sender = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(any(sender in net for net in nets) and address.startswith(prefixes)
                   for nets, prefixes in self.roles)

    def _handle(self, client, address: str, fixed: list, *args) -> None:
        self.received += 1
        route: Route = fixed[0]
        where = f"OSC {address} from {client[0]}:{client[1]}"
        if not self.allowed(client[0], address):
            self.reject(f"role:{client[0]}", f"{where} dropped: no role in osc.roles lets this sender use it")
            return None
        if not route.variadic and len(args) != len(route.args):
            self.reject(f"arity:{address}", f"{where} dropped: expected {len(route.args)} argument(s) "
                                            f"{' '.join(a.describe() for a in route.args)}, got {len(args)}")
            return None
        if route.variadic and route.kind != "ping" and args and not args[0]:
            return None  # a control surface's button released
        try:
            values = args if route.variadic else tuple(a.check(v) for a, v in zip(route.args, args))
            self._act(route, address, values, client)
        except ValueError as exc:
            self.reject(f"value:{address}", f"{where} dropped: {exc}")
        return None  # python-osc would send a returned value back as a reply

    def _act(self, route: Route, address: str, values: tuple, client) -> None:
        kind = route.kind
        if kind in ("angle", "rpm", "touch"):
            number = int(address.split("/")[2]) if address.split("/")[2].isdigit() else -1
            if number != self.cfg.turntable:
                raise ValueError(f"turntable {address.split('/')[2]!r} is not the one configured "
                                 f"(osc.turntable: {self.cfg.turntable})")
            if kind == "angle":
                self.tracker.angle(values[0])
            elif kind == "rpm":
                self.tracker.set_rpm(values[0])
            else:
                self.tracker.touch(bool(values[0]))
        elif kind == "dsp":
            if self.engine is None:
                raise ValueError("no audio engine")
            _, _, stage, param = address.split("/", 3)
            self.engine.set_param(stage, param, values[0])
        elif kind == "ping":
            self.send(client, [message("/pong", *values)])
        elif kind == "status":
            self.send(client, self.status_messages())
        elif kind == "reserved":
            raise ValueError("reserved for the live-cutting lathe, not in use yet")
        else:  # for the main loop
            if route.variadic:
                values = ()
            try:
                self.commands.put_nowait((kind, *values))
            except queue.Full:
                self.dropped += 1
                self.logs.warning("queue", f"OSC {address}: main loop busy, message dropped")

    def _apply_speed(self, ratio: float) -> None:
        if self.engine is not None:
            self.engine.set_speed(ratio)

    def status_messages(self) -> list[bytes]:
        s = self.status()
        return [message("/status/scene", str(s.get("scene", ""))),
                message("/status/disc", str(s.get("disc", ""))),
                message("/status/position", float(s.get("position", 0.0))),
                message("/status/level", float(s.get("level", 0.0))),
                message("/status/speed", float(s.get("speed", 0.0))),
                message("/status/dropped", int(self.dropped)),
                message("/status/rejected", int(self.rejected)),
                message("/status/uptime", float(time.monotonic() - self.started))]
