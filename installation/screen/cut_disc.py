"""The scan of a live cut made into a disc (show/intake.py builds the rest of its folder): the
fresh x-ray blank with the groove just cut, drawn from the traced groove."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pygame

from ..lathe.trace import GrooveTrace

SCAN_PX = 1200
FILM = (22, 30, 44)  # blue-black unexposed x-ray film


def render_blank(groove: np.ndarray, diameter_cm: float, size: int = SCAN_PX, seed: int = 0) -> pygame.Surface:
    """The film square with the groove spiral: brighter and wider where the cut was loud."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    r = np.hypot(xx - size / 2, yy - size / 2) / (size / 2)
    fog = 1.0 + 0.12 * np.exp(-r * r * 1.5) + rng.normal(0.0, 0.035, (size, size))  # base fog, grain
    rgb = np.clip(np.stack([fog * c for c in FILM], axis=-1), 0, 255).astype(np.uint8)
    surface = pygame.surfarray.make_surface(rgb.swapaxes(0, 1))
    px_per_mm = size / (diameter_cm * 10.0)
    if len(groove) > 1:
        groove = GrooveTrace.dense(groove)
        angle = groove[:, 0] * 2 * math.pi
        radius = groove[:, 1] * px_per_mm
        xs = (size / 2 + radius * np.sin(angle)).tolist()
        ys = (size / 2 - radius * np.cos(angle)).tolist()
        for i in range(1, len(groove)):
            level = float(groove[i, 2])
            shade = int(70 + 150 * min(1.0, level))
            pygame.draw.line(surface, (shade, shade + 8, min(255, shade + 24)), (xs[i - 1], ys[i - 1]),
                             (xs[i], ys[i]), 1 + int(level > 0.5))
    return surface


def draw_scan(groove: np.ndarray, diameter_cm: float, path: Path) -> None:
    """The scan of a disc just cut (show/intake.py asks for it), written as a PNG."""
    pygame.image.save(render_blank(groove, diameter_cm, seed=len(groove)), str(path))
