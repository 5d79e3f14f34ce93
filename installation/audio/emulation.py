"""The disc emulation: the stages that make a file sound like a bone-music disc on a
turntable, re-targetable per disc. The engine puts them at the head of its Chain.

Order follows the physics: the platter turns (Motion), the off-centre hole modulates the
groove speed (Wow), the stylus reads (ReadHead), the sound is what the cutter cut (Cutter),
the film adds its noise (Surface), and the slow inner grooves lose the top (GrooveLoss).
"""
from __future__ import annotations

import dataclasses

from .groove import GrooveLoss
from .cutter import Cutter
from .readhead import ReadHead
from .settings import DspConfig, ReadHeadSettings
from .surface import Surface
from .transport import Motion, Transport
from .wow import Wow


class DiscEmulation:
    def __init__(self, cfg: DspConfig, transport: Transport, max_frames: int):
        self.motion = Motion(transport, cfg.motion, cfg.groove)
        self.read_head = ReadHead(transport, _head(cfg), max_frames)
        self.by_name: dict[str, object] = {"motion": self.motion, "read_head": self.read_head}
        if cfg.enabled:
            self.by_name.update(wow=Wow(transport, cfg.wow), cutter=Cutter(transport, cfg.cutter),
                                surface=Surface(transport, cfg.surface), groove=GrooveLoss(transport, cfg.groove))
            order = ("motion", "wow", "read_head", "cutter", "surface", "groove")
        else:
            order = ("motion", "read_head")
        self.stages = [self.by_name[name] for name in order]
        self.settings = cfg

    def configure(self, settings: DspConfig) -> None:
        """Apply a disc's settings (or a live change) to the stages whose part of them changed:
        a glide of one parameter recomputes one stage, not all six, every block."""
        previous, self.settings = self.settings, settings
        for name, stage in self.by_name.items():
            if name == "motion":
                if (previous.motion, previous.groove) != (settings.motion, settings.groove):
                    stage.configure(settings.motion, settings.groove)
            elif name == "read_head":
                if _head(previous) != _head(settings):
                    stage.configure(_head(settings))
            elif getattr(previous, name) != getattr(settings, name):
                stage.configure(getattr(settings, name))


def _head(settings: DspConfig) -> ReadHeadSettings:
    """The plain chain reads the source as it is: no adjacent-groove echo either."""
    return settings.read_head if settings.enabled else ReadHeadSettings(echo_db=-120.0)


def replace_param(settings: DspConfig, stage: str, name: str, value) -> DspConfig:
    part = dataclasses.replace(getattr(settings, stage), **{name: value})
    return dataclasses.replace(settings, **{stage: part})
