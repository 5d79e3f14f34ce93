"""How a new disc joins the collection: today a finished live cut becomes `<data_dir>/discs/<id>/`
with disc.yaml, the recording (a hard link to the archived cut.wav, a copy where links are not
possible) and scan.png, the fresh x-ray blank with the groove just cut. The folder is built
under a temporary name and renamed into place, so the library never sees half a disc; `check`
validates it like the curated ones. The scan is drawn by the screen side (`draw_scan`)."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Dict

import numpy as np
import yaml

from ..core.geometry import DiscGeometry
from ..lathe.archive import AUDIO, GROOVE, META

DrawScan = Callable[[np.ndarray, float, Path], None]  # (groove trace, diameter in cm, PNG to write)


def disc_from_cut(cut_folder: Path, discs_dir: Path, disc: DiscGeometry, draw_scan: DrawScan) -> Path:
    """The disc folder for the archived cut in `cut_folder`; returns it. OSError, ValueError or
    yaml.YAMLError when the cut's files are not what the archive writes."""
    meta = yaml.safe_load((cut_folder / META).read_text(encoding="utf-8"))
    groove = np.load(cut_folder / GROOVE)
    final = discs_dir / cut_folder.name
    tmp = discs_dir / f".{cut_folder.name}.part"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        os.link(cut_folder / AUDIO, tmp / "audio.wav")
    except OSError:
        shutil.copy2(cut_folder / AUDIO, tmp / "audio.wav")
    draw_scan(groove, disc.diameter_cm, tmp / "scan.png")
    (tmp / "disc.yaml").write_text("# A live cut, made by the kiosk. Edit freely; `make check` validates it.\n"
                                   + yaml.safe_dump(disc_yaml(meta, disc), allow_unicode=True, sort_keys=False),
                                   encoding="utf-8")
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    return final


def disc_yaml(meta: Dict[str, Any], disc: DiscGeometry) -> Dict[str, Any]:
    """What a curator would have written for this cut."""
    started = dt.datetime.fromisoformat(meta["started"])
    title, performer = meta.get("title") or "", meta.get("performer") or ""
    when_ru, when_en = started.strftime("%d.%m.%Y %H:%M"), started.strftime("%d %b %Y, %H:%M")
    return {
        "title": {"ru": title or "Живая запись", "en": title or "Live cut"},
        "artist": {"ru": performer or "Исполнитель выставки", "en": performer or "The exhibition's performer"},
        "year": started.year,
        "city": {"ru": "Здесь, на выставке", "en": "Here, at the exhibition"},
        "body_part": {"ru": "чистая плёнка", "en": "blank film"},
        "caption": {"ru": f"Вырезано вживую на рентгеновской плёнке {when_ru}, на глазах у публики.",
                    "en": f"Cut live onto x-ray film on {when_en}, in front of the audience."},
        "rpm": disc.rpm, "diameter_cm": disc.diameter_cm, "order": 1000,
        "condition": {"eccentricity_mm": 0.4, "crackle_per_second": 1.0, "scratches": 0, "wear": 0.0, "warp": 0.1},
    }
