"""The OSC address space: one table of address -> arguments -> what happens.

`python -m installation osc-map` prints it; docs/osc.md is written from it; the server maps
every row into python-osc's Dispatcher and checks arguments against it before acting.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional


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
        if isinstance(value, bool):
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
class Route:
    pattern: str  # python-osc Dispatcher pattern; * matches one part
    kind: str  # what the server does with it (see OscServer._act)
    args: tuple[Arg, ...]
    effect: str
    variadic: bool = False  # any arguments: ping echoes them; buttons send 1 on press, 0 on release

    def describe(self) -> str:
        address = self.pattern.replace("/dsp/*/*", "/dsp/<stage>/<param>").replace("/lathe/*", "/lathe/...")
        return " ".join([address.replace("*", "<n>"), *(a.describe() for a in self.args),
                         *(["[args...]"] if self.variadic else [])])


FLAG = dict(lo=0, hi=1)
ROUTES: tuple[Route, ...] = (
    Route("/sensor/presence", "presence", (Arg("zone", str), Arg("present", int, **FLAG)),
          "someone in a zone (1) or gone (0); presence wakes the kiosk from attract, and while anyone is "
          "present it does not go back to attract"),
    Route("/sensor/proximity", "proximity", (Arg("zone", str), Arg("metres", float, 0.0, 100.0)),
          "distance of the nearest visitor; ramps the volume when osc.proximity_volume is enabled"),
    Route("/turntable/*/angle", "angle", (Arg("degrees", float),),
          "absolute platter angle, wraps at 360; streamed up to 1 kHz it becomes the platter speed: "
          "pitch follows, a hold stops the sound, backwards scratches; the disc on screen turns with it"),
    Route("/turntable/*/rpm", "rpm", (Arg("rpm", float, -300.0, 300.0),),
          "platter speed from encoders that report rpm instead of angles"),
    Route("/turntable/*/touch", "touch", (Arg("touch", int, **FLAG),), "a hand is on the platter (1) or not (0)"),
    Route("/kiosk/scene", "scene", (Arg("name", str, choices=("attract", "player")),), "show that screen"),
    Route("/kiosk/disc", "disc", (Arg("id", str),), "play that disc (its folder name; Cyrillic is fine)"),
    Route("/kiosk/play", "play", (), "play the disc on screen (from attract: the one shown)", variadic=True),
    Route("/kiosk/stop", "stop", (), "stop the sound and return to attract", variadic=True),
    Route("/kiosk/volume", "volume", (Arg("level", float, 0.0, 1.0),), "master volume"),
    Route("/kiosk/status", "status", (),
          "reply to the sender: /status/scene s, /status/disc s, /status/position f, /status/level f, "
          "/status/speed f, /status/dropped i, /status/rejected i, /status/uptime f", variadic=True),
    Route("/kiosk/ping", "ping", (), "reply /pong to the sender, with the same arguments", variadic=True),
    Route("/dsp/*/*", "dsp", (Arg("value", float),),
          "live change of a sound parameter, e.g. /dsp/lathe/lowpass_hz 4000: range-checked, glides "
          "(stages and ranges: docs/dsp.md)"),
    Route("/lathe/*", "reserved", (), "reserved for the live-cutting lathe"),
)


def osc_map() -> str:
    width = max(len(r.describe()) for r in ROUTES)
    lines = ["OSC addresses of the Bone Music kiosk (default port 9000; roles in config.yaml osc.roles)", ""]
    lines += [f"{r.describe():<{width}}  {r.effect}" for r in ROUTES]
    lines += ["", "[args...]: buttons may send 1 (press: acted on) or 0 (release: ignored); ping echoes them."]
    return "\n".join(lines)
