"""The OSC server: python-osc on its own thread, roles, validation, replies.

Handlers (one per row of routes.ROUTES) never touch pygame. Commands for the screen go on
the main loop's bounded command bus (a full bus drops and counts); encoder streams go to
the EncoderTracker, where only the latest value counts; sound parameters go straight to the
audio engine, which is thread-safe. Anything malformed, unknown, out of role or out of range
is logged (at most once per 10 s per kind) and dropped, never acted on.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

from pythonosc import osc_packet
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

from ..commands import Command, CommandBus
from .config import OscConfig
from .encoder import EncoderTracker
from .messages import message
from .routes import ROUTES, Incoming, Route

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
    """python-osc's Dispatcher, with packet handling of our own: every message is acted on at
    once (python-osc before 1.9, the one Python 3.9 gets, sleeps the server thread until a
    bundle's timetag), and whatever breaks the parser is counted and logged, never raised."""

    def __init__(self, server: "OscServer"):
        super().__init__()
        self._owner = server

    def call_handlers_for_packet(self, data: bytes, client_address) -> list:
        try:
            for timed_msg in osc_packet.OscPacket(data).messages:
                for handler in self.handlers_for_address(timed_msg.message.address):
                    handler.invoke(client_address, timed_msg.message)
        except Exception as exc:  # ParseError, struct.error, UnicodeDecodeError, IndexError from odd packets
            self._owner.reject("malformed", f"OSC packet from {client_address[0]}:{client_address[1]} "
                                             f"dropped: malformed ({type(exc).__name__})")
        return []  # never reply through python-osc: replies are explicit


class OscServer:
    """`status` is read for /kiosk/status and feedback: the main loop's latest published status."""

    def __init__(self, cfg: OscConfig, bus: CommandBus, engine=None,
                 status: Callable[[], Dict] = dict):
        self.cfg = cfg
        self.bus = bus
        self.engine = engine
        self.status = status
        self.started = time.monotonic()
        self.received = self.dropped = self.rejected = 0
        self.logs = RateLimitedLog()
        rpm = (lambda: engine.rpm) if engine is not None else (lambda: 78.0)
        self.tracker = EncoderTracker(self._apply_speed, rpm)
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

    # -- what handlers use -------------------------------------------------------------------
    def reply(self, target: Tuple[str, int], messages: List[bytes]) -> None:
        for dgram in messages:
            try:
                self.server.socket.sendto(dgram, target)
            except OSError as exc:
                self.logs.warning(f"send:{target}", f"OSC: cannot send to {target[0]}:{target[1]}: {exc}")

    def post(self, command: Command, address: str) -> None:
        """A command for the main loop; a full bus drops it and says so (rate-limited)."""
        if not self.bus.post(command):
            self.dropped += 1
            self.logs.warning("queue", f"OSC {address}: main loop busy, message dropped")

    def status_messages(self) -> List[bytes]:
        s = self.status()
        return [message("/status/scene", str(s.get("scene", ""))),
                message("/status/disc", str(s.get("disc", ""))),
                message("/status/position", float(s.get("position", 0.0))),
                message("/status/level", float(s.get("level", 0.0))),
                message("/status/speed", float(s.get("speed", 0.0))),
                message("/status/underruns", int(s.get("underruns", 0))),
                message("/status/dropped", int(self.dropped)),
                message("/status/rejected", int(self.rejected)),
                message("/status/uptime", float(time.monotonic() - self.started))]

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
        if route.button:
            if args and not args[0]:
                return None  # a control surface's button released
            args = ()
        elif not route.variadic and len(args) != len(route.args):
            self.reject(f"arity:{address}", f"{where} dropped: expected {len(route.args)} argument(s) "
                                            f"{' '.join(a.describe() for a in route.args)}, got {len(args)}")
            return None
        try:
            values = args if route.variadic else tuple(a.check(v) for a, v in zip(route.args, args))
            route.handler(self, Incoming(address, tuple(values), (client[0], client[1])))
        except ValueError as exc:
            self.reject(f"value:{address}", f"{where} dropped: {exc}")
        return None  # python-osc would send a returned value back as a reply

    def _apply_speed(self, ratio: float) -> None:
        if self.engine is not None:
            self.engine.set_speed(ratio)
