"""The disc emulation at playback: the stages that play a cut groove (sound/cut.py) as a
bone-music disc on a turntable, re-targetable per disc. The engine puts them at the head of
its Chain.

Order follows the physics: the platter turns (Motion), the off-centre hole modulates the
groove speed (Wow), the stylus reads the groove (ReadHead), the uneven film and the motor
add their part (Surface), and the stylus loses the top where the groove runs slowly
(GrooveLoss). The cutter and the film's noise are already in the groove.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from .groove_loss import GrooveLoss
from .readhead import ReadHead
from .settings import DspConfig, ReadHeadSettings
from .surface import Hum, Surface
from .transport import Motion, Transport
from .wow import Wow

SECTIONS = {"hum": "surface"}  # a stage whose settings live under another name in config.yaml


class DiscEmulation:
    def __init__(self, cfg: DspConfig, transport: Transport, max_frames: int):
        self.motion = Motion(transport, cfg.motion, cfg.groove)
        self.read_head = ReadHead(transport, _head(cfg), max_frames)
        self.by_name: Dict[str, Any] = {"motion": self.motion, "read_head": self.read_head}
        if cfg.enabled:
            self.by_name.update(wow=Wow(transport, cfg.wow), surface=Surface(transport, cfg.surface),
                                groove=GrooveLoss(transport, cfg.groove), hum=Hum(transport, cfg.surface))
            order: Tuple[str, ...] = ("motion", "wow", "read_head", "surface", "groove", "hum")
        else:
            order = ("motion", "read_head")
        self.settings = cfg
        # each with process(block); the player may put compiled.FusedDisc, one loop of them all, in their place
        self.stages: List[Any] = [self.by_name[name] for name in order]

    def configure(self, settings: DspConfig) -> None:
        """Apply a disc's settings (or a live change) to the stages whose part of them changed:
        a glide of one parameter recomputes one stage, not all of them, every block."""
        previous, self.settings = self.settings, settings
        for name, stage in self.by_name.items():
            if name == "motion":
                if (previous.motion, previous.groove) != (settings.motion, settings.groove):
                    stage.configure(settings.motion, settings.groove)
            elif name == "read_head":
                if _head(previous) != _head(settings):
                    stage.configure(_head(settings))
            else:
                section = SECTIONS.get(name, name)
                if getattr(previous, section) != getattr(settings, section):
                    stage.configure(getattr(settings, section))


def _head(settings: DspConfig) -> ReadHeadSettings:
    """The plain chain reads the source as it is: no adjacent-groove echo either."""
    return settings.read_head if settings.enabled else ReadHeadSettings(echo_db=-120.0)

