"""The screens by name: the one place a scene's name is spelled.

Each screen is a class in scenes/ (one module each), named here by its import path without
importing it, so the config, the OSC table and the command line can list the scenes without
loading pygame. Adding a screen: its module in scenes/, one row here."""
from __future__ import annotations

import importlib

SCENES = {
    "attract": "scenes.attract:AttractScene",
    "carousel": "scenes.carousel:CarouselScene",
    "player": "scenes.player:PlayerScene",
    "live_cut": "scenes.live_cut:LiveCutScene",
    "closed": "scenes.closed:ClosedScene",
}


def scene_class(name: str) -> type:
    module, _, cls = SCENES[name].partition(":")
    return getattr(importlib.import_module(module), cls)
