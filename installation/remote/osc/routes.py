"""The OSC address space: one table of address -> arguments -> handler.

Adding an address is one row here. The server maps every row into python-osc's Dispatcher,
checks the sender's role and the arguments against the row, then calls the row's handler
with itself and the checked message. A handler posts a command to the main loop's bus,
feeds the encoder tracker, sets a sound parameter or replies; it raises ValueError to refuse
(the server logs and counts it). `python -m installation osc-map` prints the table and
docs/osc.md is written from it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple

from ...core.commands import (
    Command,
    DemoRequest,
    PlayCurrent,
    PlayDisc,
    Presence,
    Proximity,
    RunSelfTest,
    SetVolume,
    ShowOverlay,
    ShowScene,
    Stop,
)
from ...core.registry import SCENES
from ...sound.port import SetParam, Sound
from ...sound.turntable import Turntable
from ..actions import command_for
from ..gallery.settings import NAME
from .messages import message
from .settings import OscConfig


@dataclass(frozen=True)
class Arg:
    name: str
    type: type  # str, int or float (ints are accepted for floats, 0/1 floats and T/F for flags)
    lo: Optional[float] = None
    hi: Optional[float] = None
    choices: tuple = ()

    def check(self, value):
        """The value converted to this argument's type; ValueError with a message otherwise."""
        if self.type is str:
            if not isinstance(value, str):
                raise ValueError(f"{self.name}: expected a string, got {value!r}")
            if self.choices and value not in self.choices:
                raise ValueError(f"{self.name}: must be one of {', '.join(self.choices)}; got {value!r}")
            return value
        if isinstance(value, bool):  # T/F: for a 0/1 flag only, never for a level or an angle
            if self.type is not int or (self.lo, self.hi) != (0, 1):
                raise ValueError(f"{self.name}: expected a number, got {'T' if value else 'F'}")
            value = int(value)
        if not isinstance(value, (int, float)) or not math.isfinite(value):  # NaN, inf: not here
            raise ValueError(f"{self.name}: expected a number, got {value!r}")
        if self.type is int:
            if value != int(value):
                raise ValueError(f"{self.name}: expected a whole number, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise ValueError(f"{self.name}: must be between {self.lo:g} and {self.hi:g}, got {value!r}")
        return value

    def describe(self) -> str:
        kind = {str: "s", int: "i", float: "f"}[self.type]
        if self.choices:
            return f"<{self.name}:{kind} {'|'.join(self.choices)}>"
        if self.lo is not None:
            return f"<{self.name}:{kind} {self.lo:g}..{self.hi:g}>"
        return f"<{self.name}:{kind}>"


@dataclass(frozen=True)
class Incoming:
    """One message that passed the role and argument checks."""

    address: str
    values: tuple
    sender: Tuple[str, int]


class OscContext(Protocol):
    """What a handler may use of the server (remote/osc/server.py provides it)."""

    cfg: OscConfig
    turntable: Turntable  # the encoder's readings go to its tracker
    sound: Optional[Sound]
    lathe: Any  # the lathe station (lathe/station.py), or None when lathe.enabled is false
    gallery: Any  # this box on the gallery's broker (remote/gallery/link.py), or None

    def post(self, command: Command, address: str) -> None: ...

    def reply(self, target: Tuple[str, int], messages: List[bytes]) -> None: ...

    def reply_later(self, target: Tuple[str, int], messages: List[bytes]) -> None: ...

    def status_messages(self) -> List[bytes]: ...


Handler = Callable[[OscContext, Incoming], None]
NO_LATHE = "no lathe on this kiosk (lathe.enabled is false in config.yaml)"


@dataclass(frozen=True)
class Route:
    pattern: str  # python-osc Dispatcher pattern; * matches one part
    args: Tuple[Arg, ...]
    effect: str
    handler: Handler
    variadic: bool = False  # any arguments (ping echoes them)
    button: bool = False  # a control surface's button: 1 on press (acted on), 0 on release (ignored)
    any_role: bool = False  # every configured role may send it (the e-stop), whatever its prefixes

    def describe(self) -> str:
        address = self.pattern.replace("/dsp/*/*", "/dsp/<stage>/<param>").replace("/gallery/*/", "/gallery/<box>/")
        return " ".join([address.replace("*", "<n>"), *(a.describe() for a in self.args),
                         *(["[args...]"] if self.variadic or self.button else [])])


# -- handlers ------------------------------------------------------------------------------
def posts(make: Callable[..., Command]) -> Handler:
    """A handler that posts `make(*values)` to the main loop's command bus."""
    def handler(osc: OscContext, m: Incoming) -> None:
        osc.post(make(*m.values), m.address)
    return handler


def _turntable(act: Callable[[OscContext, float], None]) -> Handler:
    """Only the configured /turntable/<n> drives the platter."""
    def handler(osc: OscContext, m: Incoming) -> None:
        number = m.address.split("/")[2]
        if not number.isdigit() or int(number) != osc.cfg.turntable:
            raise ValueError(f"turntable {number!r} is not the one configured (osc.turntable: {osc.cfg.turntable})")
        act(osc, m.values[0])
    return handler


def _dsp(osc: OscContext, m: Incoming) -> None:
    if osc.sound is None:
        raise ValueError("no audio engine")
    _, _, stage, param = m.address.split("/", 3)
    osc.sound.apply(SetParam(stage, param, m.values[0]))


def _ping(osc: OscContext, m: Incoming) -> None:
    osc.reply(m.sender, [message("/pong", *m.values)])


def _status(osc: OscContext, m: Incoming) -> None:
    osc.reply(m.sender, osc.status_messages())


def _lathe(kind: str, **params) -> Handler:
    """A request to the lathe station, carried out on its thread; a refusal is answered to the
    sender as /lathe/refusal s (and kept in /lathe/status)."""
    def handler(osc: OscContext, m: Incoming) -> None:
        if osc.lathe is None:
            osc.reply(m.sender, [message("/lathe/refusal", f"{kind}: {NO_LATHE}")])
            raise ValueError(NO_LATHE)
        osc.lathe.request(kind, f"OSC {m.address} from {m.sender[0]}",
                          refused=lambda why: osc.reply_later(m.sender, [message("/lathe/refusal", why)]), **params)
    return handler


def _lathe_status(osc: OscContext, m: Incoming) -> None:
    if osc.lathe is None:
        osc.reply(m.sender, [message("/lathe/refusal", f"status: {NO_LATHE}")])
        raise ValueError(NO_LATHE)
    osc.reply(m.sender, lathe_messages(osc.lathe.view))


def _gallery(action: str, *names: str) -> Handler:
    """The same action to another box of the gallery, or to all (/gallery/<box|all>/<action>),
    over the broker: from the box whose user may command (the console's), as its page does."""
    def handler(osc: OscContext, m: Incoming) -> None:
        box = m.address.split("/")[2]
        why = ("this box is not on a gallery broker (gallery.enabled: false)" if osc.gallery is None else
               "the gallery's broker is gone: not sent" if not osc.gallery.connected else "")
        if why:
            osc.reply(m.sender, [message("/gallery/refusal", f"{action} to {box}: {why}")])
            raise ValueError(why)
        if not NAME.fullmatch(box):
            raise ValueError(f"{box!r} is not a box's id (letters, digits, - and _) nor all")
        body = dict(zip(names, m.values))
        command_for(action, body, "")  # (a bad argument is said here, not at every box)
        osc.gallery.command(box, action, body)
    return handler


def lathe_messages(view: Any) -> List[bytes]:
    return [message("/lathe/state", str(view.state)), message("/lathe/reason", view.reason),
            message("/lathe/armed", int(view.armed)), message("/lathe/rpm", float(view.rpm or 0.0)),
            message("/lathe/radius", float(view.radius_mm or 0.0)),
            message("/lathe/temperature", float(view.stylus_c or 0.0)), message("/lathe/level", float(view.level)),
            message("/lathe/left", float(view.seconds_left)), message("/lathe/refusal", view.refusal)]


FLAG: Dict[str, Any] = dict(lo=0, hi=1)
ROUTES: Tuple[Route, ...] = (
    Route("/sensor/presence", (Arg("zone", str), Arg("present", int, **FLAG)),
          "someone in a zone (1) or gone (0); presence wakes the kiosk from attract, and while anyone is "
          "present it does not go back to attract", posts(lambda zone, here: Presence(zone, bool(here)))),
    Route("/sensor/proximity", (Arg("zone", str), Arg("metres", float, 0.0, 100.0)),
          "distance of the nearest visitor; ramps the volume when osc.proximity_volume is enabled",
          posts(Proximity)),
    Route("/turntable/*/angle", (Arg("degrees", float, -1e6, 1e6),),
          "absolute platter angle, wraps at 360; streamed up to 1 kHz it becomes the platter speed: "
          "pitch follows, a hold stops the sound, backwards scratches; the disc on screen turns with it",
          _turntable(lambda osc, degrees: osc.turntable.encoder.angle(degrees))),
    Route("/turntable/*/rpm", (Arg("rpm", float, -300.0, 300.0),),
          "platter speed from encoders that report rpm instead of angles",
          _turntable(lambda osc, rpm: osc.turntable.encoder.set_rpm(rpm))),
    Route("/turntable/*/touch", (Arg("touch", int, **FLAG),), "a hand is on the platter (1) or not (0)",
          _turntable(lambda osc, on: osc.turntable.encoder.touch(bool(on)))),
    Route("/kiosk/scene", (Arg("name", str, choices=tuple(SCENES)),), "show that screen",
          posts(ShowScene)),
    Route("/kiosk/disc", (Arg("id", str),),
          "play that disc (its folder name; Cyrillic is fine) to the end of its side", posts(PlayDisc)),
    Route("/kiosk/play", (), "play the disc on screen (from attract: the one shown)", posts(PlayCurrent),
          button=True),
    Route("/kiosk/stop", (), "stop the sound and return to attract", posts(Stop), button=True),
    Route("/kiosk/volume", (Arg("level", float, 0.0, 1.0),), "master volume", posts(SetVolume)),
    Route("/kiosk/status", (),
          "reply to the sender: /status/scene s, /status/disc s, /status/position f, /status/level f, "
          "/status/speed f, /status/underruns i, /status/dropped i, /status/rejected i, /status/uptime i "
          "(whole seconds: a 32-bit float would lose seconds after months), /status/selftest s (ok, or the problems)",
          _status, button=True),
    Route("/kiosk/ping", (), "reply /pong to the sender, with the same arguments", _ping, variadic=True),
    Route("/kiosk/selftest", (), "check sound, content, free disk and the lathe now; the result in /status/selftest, "
          "the log and the overlay", posts(lambda: RunSelfTest("asked for over OSC")), button=True),
    Route("/kiosk/overlay", (), "show the technician's overlay for a minute (again: hide it)", posts(ShowOverlay),
          button=True),
    Route("/dsp/*/*", (Arg("value", float),),
          "live change of a sound parameter, e.g. /dsp/cutter/lowpass_hz 4000: range-checked, glides "
          "(stages and ranges: docs/dsp.md)", _dsp),
    Route("/lathe/arm", (), "arm the lathe for the demo on now; it prepares once confirmed at the lathe "
          "(lathe.confirm_key or the lathe's button); any /lathe/ request refused is answered /lathe/refusal s "
          "(what and why)", _lathe("arm"), button=True),
    Route("/lathe/force", (), "arm outside any demo window (still needs the confirmation at the lathe)",
          _lathe("arm", force=True), button=True),
    Route("/lathe/start", (), "lower the cutter and cut (from ready)", _lathe("start"), button=True),
    Route("/lathe/stop", (), "end the cut cleanly, or abort a preparation", _lathe("stop"), button=True),
    Route("/lathe/estop", (), "emergency stop: lift, mute, stop the carriage, spin down; every role may send it",
          _lathe("estop"), button=True, any_role=True),
    Route("/lathe/reset", (), "back to idle after done, aborted or a fault (once every interlock is clear)",
          _lathe("reset"), button=True),
    Route("/lathe/status", (), "reply /lathe/state s, reason s, armed i, rpm f, radius f, temperature f, "
          "level f, left f (seconds on the side), refusal s", _lathe_status, button=True),
    Route("/demo/start", (), "start the current demo now (a missed one too)", posts(lambda: DemoRequest("start")),
          button=True),
    Route("/demo/postpone", (Arg("minutes", float, 1.0, 24 * 60.0),), "move the current or next demo later",
          posts(lambda minutes: DemoRequest("postpone", minutes))),
    Route("/demo/cancel", (), "cancel the current or next demo", posts(lambda: DemoRequest("cancel")), button=True),
    Route("/gallery/*/disc", (Arg("id", str),),
          "another box of the gallery (its id), or every box (all), plays that disc: sent over the gallery's "
          "broker, which takes commands from the console's user only (docs/gallery.md); "
          "a refusal here is answered /gallery/refusal s", _gallery("disc", "id")),
    Route("/gallery/*/scene", (Arg("name", str, choices=tuple(SCENES)),), "another box, or all, shows that screen",
          _gallery("scene", "name")),
    Route("/gallery/*/volume", (Arg("level", float, 0.0, 1.0),), "another box's master volume, or all's",
          _gallery("volume", "level")),
    Route("/gallery/*/stop", (), "another box, or all, back to attract", _gallery("stop"), button=True),
    Route("/gallery/*/selftest", (), "another box, or all, tests itself", _gallery("selftest"), button=True),
)
# what the sound process serves on osc.encoder_port (encoder_port.py): the encoder's own rows
ENCODER_ROUTES: Tuple[Route, ...] = tuple(r for r in ROUTES if r.pattern.startswith("/turntable/"))


def osc_map() -> str:
    width = max(len(r.describe()) for r in ROUTES)
    lines = ["OSC addresses of the Bone Music kiosk (default port 9000; roles in config.yaml osc.roles)", ""]
    lines += [f"{r.describe():<{width}}  {r.effect}" for r in ROUTES]
    lines += ["", "[args...]: buttons may send 1 (press: acted on) or 0 (release: ignored); ping echoes them."]
    return "\n".join(lines)
