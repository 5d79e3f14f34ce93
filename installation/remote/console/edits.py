"""A disc's texts, order and hiding edited in the console: written into the curator's own
disc.yaml with ruamel.yaml's round trip (their comments, key order and quoting kept), validated
by the loader `check` uses before anything is written, the previous file kept as disc.yaml.bak,
the new one written atomically."""
from __future__ import annotations

import io
import math
import shutil
from pathlib import Path
from typing import Any, Dict

from ruamel.yaml import YAML

from ...content.library import DiscInfo
from ...core.files import read_regular
from ...core.yamlconf import ConfigError, decoded, load_dataclass
from ...service.atomic import write_atomic
from .uploads import Refused

TEXTS = ("title", "artist", "caption", "story")  # each {"ru": ..., "en": ...}
MAX_TEXT = 4000


def _checked(changes: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in changes.items():
        if key in TEXTS:
            if not isinstance(value, dict) or not set(value) <= {"ru", "en"} or \
                    not all(isinstance(v, str) and len(v) <= MAX_TEXT for v in value.values()):
                raise Refused(400, f"{key}: {{\"ru\": text, \"en\": text}}, each at most {MAX_TEXT} characters")
            out[key] = {lang: text.strip() for lang, text in value.items()}
            if key != "story" and "ru" in out[key] and not out[key]["ru"]:
                raise Refused(400, f"{key}.ru: Russian is the show's own language: it may not be empty")
        elif key == "order":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value != int(value):
                raise Refused(400, "order: a whole number")
            out[key] = int(value)
        elif key == "hidden":
            if not isinstance(value, bool):
                raise Refused(400, "hidden: true or false")
            out[key] = value
        else:
            raise Refused(400, f"{key}: not something the console edits ({', '.join(TEXTS)}, order, hidden)")
    return out


def edit_disc_yaml(path: Path, changes: Dict[str, Any]) -> None:
    """Apply `changes` to the disc.yaml at `path`; Refused (nothing written) with the loader's
    lines when the result would not load."""
    changes = _checked(changes)
    yaml = YAML()  # round trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # a long caption stays on its line, as the curator wrote it
    try:
        document = yaml.load(decoded(read_regular(path, 5 * 2 ** 20), path))
    except (OSError, ConfigError, ValueError) as exc:
        raise Refused(422, f"{path.name}: cannot read it: {exc}")
    for key, value in changes.items():
        if key in TEXTS and isinstance(document.get(key), dict):
            for lang, text in value.items():
                document[key][lang] = text
        else:
            document[key] = value
    out = io.StringIO()
    yaml.dump(document, out)
    text = out.getvalue()
    try:
        load_dataclass(path, DiscInfo, text)
    except ConfigError as exc:
        raise Refused(422, "the edit would not load", exc.problems)
    shutil.copy2(path, path.with_name(path.name + ".bak"))
    write_atomic(path, text)
