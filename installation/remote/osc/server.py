"""The OSC server: python-osc on its own thread, roles, validation, replies.

Handlers (one per row of routes.ROUTES) never touch pygame. Commands for the screen go on
the main loop's bounded command bus (a full bus drops and counts); encoder streams go to
the turntable's tracker, where only the latest value counts; sound parameters go straight to
the sound port, which is thread-safe. Anything malformed, unknown, out of role or out of range
is logged (at most once per 10 s per kind) and dropped, never acted on.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple

from pythonosc import osc_packet
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

from ...core.commands import Command, CommandBus
from ...sound.port import Sound
from ...sound.turntable import Turntable
from . import packets
from .messages import bundle, message
from .routes import ROUTES, Incoming, Route, lathe_messages
from .settings import OscConfig

log = logging.getLogger(__name__)


MAX_ADDRESS = 128  # characters: ours are under 30
MAX_WILDCARDS = 4  # pattern characters in one address, for a role that may use patterns at all
PATTERN_CHARS = frozenset("*?[]{}!,")
FUTURE_SECONDS = 10.0  # a bundle timed later than this is noted (once a minute), and carried out now
STUCK_SECONDS = 5.0  # the server's loop away from its socket this long counts as stuck
REPLY_ROOM = 2048  # bytes one request may earn in reply however small it is (a status and the lathe's)
REPLY_FACTOR = 2  # ...and at most this many times its own size beyond that: no amplifier
REPLY_BYTES_PER_SECOND = 32_000  # to any one address, replies and feedback together
MAX_DESTINATIONS = 256  # addresses whose reply budget is remembered


def shown(address: str) -> str:
    """An address as it may go into the log: cut short, anything unprintable escaped."""
    text = address[:MAX_ADDRESS] + ("..." if len(address) > MAX_ADDRESS else "")
    return text.encode("ascii", "backslashreplace").decode("ascii").replace("\n", "\\n")


class RateLimitedLog:
    """One line per kind of problem every `period` seconds, and once a minute a summary of
    everything dropped. Kinds are a fixed, small set (never a sender or an address), so a
    flood from forged senders or made-up addresses cannot grow the table or the log."""

    def __init__(self, period: float = 10.0, summary_every: float = 60.0):
        self.period, self.summary_every = period, summary_every
        self._last: Dict[str, float] = {}
        self._held: Dict[str, int] = {}
        self._dropped: Dict[str, int] = {}
        self._next_summary = time.monotonic() + summary_every

    def warning(self, kind: str, message: str, now: Optional[float] = None, period: Optional[float] = None,
                count: bool = True) -> None:
        now = time.monotonic() if now is None else now
        if count:
            self._dropped[kind] = self._dropped.get(kind, 0) + 1
        if now - self._last.get(kind, -1e9) >= (self.period if period is None else period):
            held = self._held.pop(kind, 0)
            log.warning("%s%s", message, f" (and {held} more like it)" if held else "")
            self._last[kind] = now
        else:
            self._held[kind] = self._held.get(kind, 0) + 1

    def summary(self, now: Optional[float] = None) -> None:
        """Once a minute: what was dropped since the last summary, by kind."""
        now = time.monotonic() if now is None else now
        if now < self._next_summary:
            return
        self._next_summary = now + self.summary_every
        if self._dropped:
            counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self._dropped.items(), key=lambda kv: -kv[1]))
            log.warning("OSC: dropped in the last %.0f s: %s", self.summary_every, counts)
            self._dropped.clear()


class ReplyBudget:
    """Bytes each destination may still be sent, refilled at `rate` a second up to a second's
    worth: a forged sender cannot turn the kiosk into a firehose at someone else."""

    def __init__(self, rate: float = REPLY_BYTES_PER_SECOND):
        self.rate = rate
        self._left: "OrderedDict[Tuple[str, int], Tuple[float, float]]" = OrderedDict()  # -> (bytes, when)

    def take(self, target: Tuple[str, int], size: int, now: float) -> bool:
        left, at = self._left.pop(target, (self.rate, now))
        left = min(self.rate, left + (now - at) * self.rate)
        ok = left >= size
        self._left[target] = (left - size if ok else left, now)
        while len(self._left) > MAX_DESTINATIONS:
            self._left.popitem(last=False)
        return ok


class _SafeDispatcher(Dispatcher):
    """python-osc's Dispatcher, with packet handling of our own. Before python-osc turns an
    incoming address into a regular expression, the sender's role and the address's shape are
    checked (a 53-byte address of stars would otherwise cost seconds of backtracking); every
    message is acted on at once, whatever its bundle's time tag says (python-osc before 1.9,
    the one Python 3.9 gets, sleeps until it; a box without a clock may be hours off the
    sender's); a message whose length is not a multiple of 4 is a truncated one; whatever
    breaks the parser is counted, never raised (packets.py has checked its structure first)."""

    def __init__(self, server: "OscServer"):
        super().__init__()
        self._owner = server

    def call_handlers_for_packet(self, data: bytes, client_address) -> list:
        owner, sender = self._owner, f"{client_address[0]}:{client_address[1]}"
        why = packets.problem(data)  # before python-osc: a bad bundle size would send it round for ever
        if why is not None:
            owner.reject("malformed", f"OSC packet from {sender} dropped: {why}")
            return []
        target = (client_address[0], client_address[1])
        owner.answering = (threading.get_ident(), target, {})
        try:
            self._dispatch_packet(data, client_address, sender)
        finally:
            owner.answer(len(data))
        return []  # never reply through python-osc: replies are explicit, one datagram per request

    def _dispatch_packet(self, data: bytes, client_address, sender: str) -> None:
        owner = self._owner
        try:
            messages = osc_packet.OscPacket(data).messages
        except Exception as exc:  # ParseError, struct.error, UnicodeDecodeError, IndexError from odd packets
            owner.reject("malformed", f"OSC packet from {sender} dropped: malformed ({type(exc).__name__})")
            return
        now = time.time()
        for timed in messages:
            msg = timed.message
            where = f"OSC {shown(msg.address)} from {sender}"
            problem = owner.screen(msg.address, client_address[0])
            if problem is not None:
                owner.reject(problem[0], f"{where} dropped: {problem[1]}")
            elif len(msg.dgram) % 4:
                owner.reject("malformed", f"{where} dropped: truncated (OSC messages are whole 4-byte words)")
            else:
                if timed.time > now + FUTURE_SECONDS:  # the sender's clock, or ours (a Pi without NTP yet)
                    owner.logs.warning("timetag", f"{where}: its bundle is timed {timed.time - now:.0f} s ahead; "
                                       f"carried out now (a time tag is a hint: the clocks may disagree)",
                                       period=60.0, count=False)
                self._dispatch(msg, client_address, where)

    def _dispatch(self, msg, client_address, where: str) -> None:
        owner = self._owner
        try:
            handlers = list(self.handlers_for_address(msg.address))
        except Exception:  # a pattern that is no regular expression
            handlers = []
        if not handlers:
            owner.reject("unknown", f"{where} dropped: the pattern matches no address")
        elif len(handlers) > 1:
            owner.reject("pattern", f"{where} dropped: the pattern matches {len(handlers)} addresses; name one")
        else:
            try:
                handlers[0].invoke(client_address, msg)
            except Exception as exc:  # a handler's bug must not print a traceback per packet
                owner.reject("malformed", f"{where} dropped: {type(exc).__name__}: {exc}")


class OscServer:
    """`status` is read for /kiosk/status and feedback: the main loop's latest published status."""

    def __init__(self, cfg: OscConfig, bus: CommandBus, sound: Optional[Sound] = None,
                 status: Callable[[], Dict] = dict, lathe=None, turntable: Optional[Turntable] = None,
                 routes: Tuple[Route, ...] = ROUTES, port: Optional[int] = None):
        """`routes` and `port`: another server of the same table's rows (the encoder's own port)."""
        self.cfg = cfg
        self.bus = bus
        self.sound = sound
        self.lathe = lathe
        self.gallery: Any = None  # this box's gallery link, once it is started (after OSC: app/cli.py)
        self.turntable = turntable or Turntable(sound, cfg.encoder_timeout_seconds, cfg.encoder_release_seconds)
        self.status = status
        self.started = time.monotonic()
        self.received = self.dropped = self.rejected = 0
        self.logs = RateLimitedLog()
        self.roles = [([ipaddress.ip_network(n, strict=False) for n in role.networks], role.prefixes,
                       role.patterns, role.replies) for role in cfg.roles.values()]
        self.budget = ReplyBudget()
        # (thread, sender, replies) of the datagram being handled: its answers go back in one datagram
        self.answering: Optional[Tuple[int, Tuple[str, int], Dict[bytes, None]]] = None
        self.unanswered = 0  # replies held back: no role of the sender's reads them, or over budget
        self.any_role = frozenset(r.pattern for r in routes if r.any_role)
        dispatcher = _SafeDispatcher(self)
        for route in routes:
            dispatcher.map(route.pattern, self._handle, route, needs_reply_address=True)
        dispatcher.set_default_handler(self._unknown, needs_reply_address=True)
        self.server = BlockingOSCUDPServer((cfg.host, cfg.port if port is None else port), dispatcher)
        self.server.service_actions = self._looped  # type: ignore[method-assign]  # called every poll
        self.server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # absorb bursts
        self.address = self.server.server_address
        self._thread: Optional[threading.Thread] = None
        self._loop_at = time.monotonic()  # when the server's loop last came back to its socket

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="osc-server", daemon=True)
        self._thread.start()
        log.info("OSC: listening on %s:%d", *self.address[:2])

    def close(self) -> None:
        """Stop serving; a thread stuck in a handler is left behind after a few seconds (it is a
        daemon: it ends with the process), so a quit never hangs on it."""
        if self._thread is not None:
            threading.Thread(target=self.server.shutdown, name="osc-shutdown", daemon=True).start()
            self._thread.join(timeout=STUCK_SECONDS / 2)
            if self._thread.is_alive():
                log.error("OSC: the server's thread is stuck; the kiosk goes on without waiting for it")
        self.server.server_close()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def responsive(self, now: float, patience: float = STUCK_SECONDS) -> bool:
        """The server's loop is alive and comes back to its socket: what the watchdog needs of it."""
        return self.alive and now - self._loop_at < patience

    def _looped(self) -> None:
        self._loop_at = time.monotonic()
        self.logs.summary(self._loop_at)

    # -- what handlers use -------------------------------------------------------------------
    def reply(self, target: Tuple[str, int], messages: List[bytes]) -> None:
        """Messages for `target`: to the sender of the datagram being handled, they wait to go
        back with the rest of its answers, once each (answer); to anyone else (feedback) now."""
        answering = self.answering
        if answering is not None and answering[0] == threading.get_ident() and answering[1] == target:
            answering[2].update(dict.fromkeys(messages))
            return
        self._send(target, bundle(messages))

    def reply_later(self, target: Tuple[str, int], messages: List[bytes]) -> None:
        """An answer that comes after its datagram was handled (a lathe refusal, from the
        station's thread): to a role that reads replies only, within the same budget."""
        if self.may_reply(target[0]):
            self._send(target, bundle(messages))

    def answer(self, request_bytes: int) -> None:
        """One datagram back per datagram in, only to a role that reads replies, and never more
        than REPLY_ROOM or REPLY_FACTOR times the request: a bundle of 3,000 /kiosk/status from a
        forged address earns one status, not 3,000."""
        if self.answering is None:
            return
        _, target, replies = self.answering
        self.answering, messages = None, list(replies)
        if not messages:
            return
        if not self.may_reply(target[0]):
            self.unanswered += 1
            self.logs.warning("unanswered", f"OSC: no reply to {target[0]}:{target[1]}: no role in osc.roles "
                                            f"with `replies: true` has that address")
            return
        room, kept = max(REPLY_ROOM, REPLY_FACTOR * request_bytes), []
        for m in messages:
            if len(m) + 4 > room:
                break
            room -= len(m) + 4
            kept.append(m)
        self._send(target, bundle(kept))

    def _send(self, target: Tuple[str, int], dgram: bytes) -> None:
        if not self.budget.take(target, len(dgram), time.monotonic()):
            self.unanswered += 1
            self.logs.warning("unanswered", f"OSC: replies to {target[0]}:{target[1]} held back: over "
                                            f"{REPLY_BYTES_PER_SECOND // 1000} KB a second")
            return
        try:
            self.server.socket.sendto(dgram, target)
        except OSError as exc:
            self.logs.warning("send", f"OSC: cannot send to {target[0]}:{target[1]}: {exc}")

    def may_reply(self, ip: str) -> bool:
        try:
            sender = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(replies and any(sender in net for net in nets) for nets, _, _, replies in self.roles)

    def post(self, command: Command, address: str) -> None:
        """A command for the main loop; a full bus drops it and says so (rate-limited)."""
        if not self.bus.post(command):
            self.logs.warning("queue", f"OSC {address}: main loop busy, message dropped")
            self.dropped += 1

    def status_messages(self) -> List[bytes]:
        s = self.status()
        return [message("/status/scene", str(s.get("scene", ""))),
                message("/status/disc", str(s.get("disc", ""))),
                message("/status/position", float(s.get("position", 0.0))),
                message("/status/level", abs(float(s.get("level", 0.0)))),  # (a peak: never -0.0)
                message("/status/speed", float(s.get("speed", 0.0))),
                message("/status/underruns", int(s.get("underruns", 0))),
                message("/status/dropped", int(self.dropped)),
                message("/status/rejected", int(self.rejected)),
                message("/status/uptime", int(time.monotonic() - self.started)),
                message("/status/selftest", str(s.get("selftest", "not run yet")))] + \
            (lathe_messages(self.lathe.view) if self.lathe is not None else [])

    # -- incoming ----------------------------------------------------------------------------
    def reject(self, kind: str, text: str) -> None:
        self.logs.warning(kind, text)
        self.rejected += 1  # after the log line: whoever sees the count can find the line

    def _unknown(self, client, address: str, *args) -> None:
        self.received += 1
        self.reject("unknown", f"OSC {address} from {client[0]}:{client[1]} dropped: no such address "
                               f"(`python -m installation osc-map` lists them)")

    def allowed(self, ip: str, address: str, pattern: bool = False) -> bool:
        try:
            sender = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(any(sender in net for net in nets) and (patterns or not pattern) and
                   (address.startswith(prefixes) or (address in self.any_role and not pattern))
                   for nets, prefixes, patterns, _ in self.roles)

    def screen(self, address: str, ip: str) -> Optional[Tuple[str, str]]:
        """(kind, why) if this address from this sender must be dropped before any matching."""
        if len(address) > MAX_ADDRESS:
            return "shape", f"address longer than {MAX_ADDRESS} characters"
        if not address.startswith("/") or not all(32 < ord(c) < 127 for c in address):
            return "shape", "an address is '/' and printable ASCII"
        wildcards = sum(c in PATTERN_CHARS for c in address)
        if not self.allowed(ip, address, pattern=wildcards > 0):
            if wildcards and self.allowed(ip, address):
                return "pattern", "this sender's role may not use address patterns (osc.roles: patterns)"
            return "role", "no role in osc.roles lets this sender use it"
        if wildcards > MAX_WILDCARDS:
            return "pattern", f"more than {MAX_WILDCARDS} pattern characters"
        return None

    def _handle(self, client, address: str, fixed: list, *args) -> None:
        self.received += 1
        route: Route = fixed[0]
        where = f"OSC {address} from {client[0]}:{client[1]}"
        if route.button:
            if args and not args[0]:
                return None  # a control surface's button released
            args = ()
        elif not route.variadic and len(args) != len(route.args):
            self.reject("arity", f"{where} dropped: expected {len(route.args)} argument(s) "
                                            f"{' '.join(a.describe() for a in route.args)}, got {len(args)}")
            return None
        try:
            values = args if route.variadic else tuple(a.check(v) for a, v in zip(route.args, args))
            route.handler(self, Incoming(address, tuple(values), (client[0], client[1])))
        except ValueError as exc:
            self.reject("value", f"{where} dropped: {exc}")
        return None  # python-osc would send a returned value back as a reply
