"""The screens of the kiosk, one module each, registered here by name: the one place a scene's
name is spelled. The table names classes without importing them, so the config and the OSC
address table can list the scenes without loading pygame."""
from __future__ import annotations

import importlib

SCENES = {
    "attract": "scenes.attract:AttractScene",
    "player": "scenes.player:PlayerScene",
}


def scene_class(name: str) -> type:
    module, _, cls = SCENES[name].partition(":")
    return getattr(importlib.import_module(module), cls)
