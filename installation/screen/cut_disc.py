"""The film on the lathe: before a cut, the x-ray blank the live view turns (a scan of the film
really put on the lathe, `blank.jpg` or `blank.png` in the content folder, or else fresh film's
fog and grain); after it, the scan of the new disc (show/intake.py builds the rest of its
folder): that film with the groove just cut, drawn from the traced groove."""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Optional

import numpy as np
import pygame

from ..core.yamlconf import ConfigError
from ..lathe.trace import GrooveTrace
from .disc_art import DiscArt, build_disc_art, load_scan, scan_side, square

log = logging.getLogger(__name__)
SCAN_PX = 1200
FILM = (22, 30, 44)  # blue-black unexposed x-ray film
BLANK_NAMES = ("blank.jpg", "blank.png")


def film_on_lathe(content_dir: Path) -> Optional[Path]:
    """The scan of the x-ray the next cut goes onto, if the content folder has one."""
    return next((content_dir / name for name in BLANK_NAMES if (content_dir / name).is_file()), None)


def _film(blank: Optional[Path], size: int, seed: int) -> pygame.Surface:
    """The blank's film, `size` px square: its scan, or fresh film where there is none (or it
    will not decode: said once, the show goes on)."""
    if blank is not None:
        try:
            return square(load_scan(blank, size), size)
        except ConfigError as exc:
            log.error("%s; the live view shows fresh film instead", exc)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    r = np.hypot(xx - size / 2, yy - size / 2) / (size / 2)
    fog = 1.0 + 0.12 * np.exp(-r * r * 1.5) + rng.normal(0.0, 0.035, (size, size))  # base fog, grain
    rgb = np.clip(np.stack([fog * c for c in FILM], axis=-1), 0, 255).astype(np.uint8)
    return pygame.surfarray.make_surface(rgb.swapaxes(0, 1))


def blank_art(blank: Optional[Path], diameter_cm: float, diameter_px: int) -> DiscArt:
    """The blank as the live view shows it before the stylus touches: the film cut round, its
    centre hole burnt, no groove yet."""
    film = _film(blank, scan_side(diameter_px), 0)
    return build_disc_art(film, diameter_cm, diameter_px, eccentricity_mm=0.0, grooves_end_mm=diameter_cm * 10)


def render_blank(groove: np.ndarray, diameter_cm: float, size: int = SCAN_PX, seed: int = 0,
                 blank: Optional[Path] = None) -> pygame.Surface:
    """The film square with the groove spiral: brighter and wider where the cut was loud."""
    surface = _film(blank, size, seed)
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


def draw_scan(groove: np.ndarray, diameter_cm: float, path: Path, blank: Optional[Path] = None) -> None:
    """The scan of a disc just cut (show/intake.py asks for it), written as a PNG."""
    pygame.image.save(render_blank(groove, diameter_cm, seed=len(groove), blank=blank), str(path))
