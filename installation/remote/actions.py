"""What the technician's remote controls may ask of a box, by name: the web console's actions and
the gallery's commands share this one table (docs/console.md, docs/gallery.md)."""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional

from ..core.commands import Command, PlayDisc, Quit, RunSelfTest, SetVolume, ShowScene, Stop
from ..core.registry import SCENES


def _volume(body: Dict[str, Any], who: str) -> Command:
    level = float(body["level"])
    if not (math.isfinite(level) and 0.0 <= level <= 1.0):
        raise ValueError("level is 0..1")
    return SetVolume(level)


def _scene(body: Dict[str, Any], who: str) -> Command:
    if body.get("name") not in SCENES:
        raise ValueError(f"name is one of {', '.join(SCENES)}")
    return ShowScene(str(body["name"]))


ACTIONS: Dict[str, Callable[[Dict[str, Any], str], Command]] = {
    "selftest": lambda body, who: RunSelfTest(f"asked for {who}"),
    "volume": _volume,
    "disc": lambda body, who: PlayDisc(str(body["id"])),
    "scene": _scene,
    "stop": lambda body, who: Stop(),
    "restart": lambda body, who: Quit(f"restart asked for {who}"),
}


def command_for(name: str, body: Dict[str, Any], who: str) -> Optional[Command]:
    """The command an action names, None for no such action; ValueError/KeyError/TypeError for a
    bad argument. `who` says where it came from ("in the console from 192.168.1.20")."""
    make = ACTIONS.get(name)
    return make(body, who) if make is not None else None
