"""A finished live cut becomes a disc like any other: `<data_dir>/discs/<id>/` with disc.yaml,
the recording (a hard link to the archived cut.wav, a copy where links are not possible) and
scan.png, the fresh x-ray blank with the groove just cut, drawn from the traced groove.
The folder is built under a temporary name and renamed into place, so the library never sees
half a disc; `check` validates it like the curated ones."""
from __future__ import annotations

import datetime as dt
import math
import os
import shutil
from pathlib import Path
from typing import Any, Dict

import numpy as np
import pygame
import yaml

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


def make_disc(cut_folder: Path, audio: Path, discs_dir: Path, meta: Dict[str, Any], groove: np.ndarray,
              diameter_cm: float = 24.0, rpm: float = 78.0) -> Path:
    """Build the disc folder for a finished cut; returns it."""
    started = dt.datetime.fromisoformat(meta["started"])
    title = meta.get("title") or ""
    performer = meta.get("performer") or ""
    disc_id = f"{cut_folder.name}"
    final = discs_dir / disc_id
    tmp = discs_dir / f".{disc_id}.part"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        os.link(audio, tmp / "audio.wav")
    except OSError:
        shutil.copy2(audio, tmp / "audio.wav")
    pygame.image.save(render_blank(groove, diameter_cm, seed=len(groove)), str(tmp / "scan.png"))
    when_ru, when_en = started.strftime("%d.%m.%Y %H:%M"), started.strftime("%d %b %Y, %H:%M")
    info = {
        "title": {"ru": title or "Живая запись", "en": title or "Live cut"},
        "artist": {"ru": performer or "Исполнитель выставки", "en": performer or "The exhibition's performer"},
        "year": started.year,
        "city": {"ru": "Здесь, на выставке", "en": "Here, at the exhibition"},
        "body_part": {"ru": "чистая плёнка", "en": "blank film"},
        "caption": {"ru": f"Вырезано вживую на рентгеновской плёнке {when_ru}, на глазах у публики.",
                    "en": f"Cut live onto x-ray film on {when_en}, in front of the audience."},
        "rpm": rpm, "diameter_cm": diameter_cm, "order": 1000,
        "condition": {"eccentricity_mm": 0.4, "crackle_per_second": 1.0, "scratches": 0, "wear": 0.0, "warp": 0.1},
    }
    (tmp / "disc.yaml").write_text("# A live cut, made by the kiosk. Edit freely; `make check` validates it.\n"
                                   + yaml.safe_dump(info, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    return final
