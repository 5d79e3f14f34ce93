"""The schedule — opening hours, closures, demos — edited in the console: written into the
technician's own config.yaml with ruamel.yaml's round trip (their comments, key order and
quoting kept), validated by `load_config` itself before anything is written, the previous file
kept as config.yaml.bak, the new one written atomically; in force at the kiosk's next frame."""
from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path
from typing import Any, Callable, Dict

from ruamel.yaml import YAML

from ...core.yamlconf import ConfigError
from ...service.atomic import write_atomic
from .uploads import Refused

SECTIONS = ("opening_hours", "demos")


Load = Callable[[Path], Any]  # config/composed.py load_config, given by the app (the config layer is above)


def schedule_of(cfg: Any) -> Dict[str, Any]:
    """The two sections as JSON: what the page's forms show."""
    return {"opening_hours": dataclasses.asdict(cfg.opening_hours), "demos": dataclasses.asdict(cfg.demos)}


def edit_schedule(config_path: Path, changes: Dict[str, Any], load_config: Load) -> Any:
    """Apply `changes` ({"opening_hours": {...}, "demos": {...}}, keys as in config.yaml; lists
    replaced whole) to config.yaml; the new Config, or Refused with load_config's lines."""
    if not isinstance(changes, dict) or not changes or not set(changes) <= set(SECTIONS):
        raise Refused(400, f"a JSON object with {' and/or '.join(SECTIONS)}")
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    text = config_path.read_text(encoding="utf-8")
    document = yaml.load(text) or {}
    for section, values in changes.items():
        if not isinstance(values, dict):
            raise Refused(400, f"{section}: an object of its keys")
        if section not in document or document[section] is None:
            document[section] = {}
        for key, value in values.items():
            document[section][key] = value
    out = io.StringIO()
    yaml.dump(document, out)
    trial = config_path.with_name(f".{config_path.name}.console")
    try:
        trial.write_text(out.getvalue(), encoding="utf-8")
        cfg = load_config(trial)  # exactly as the kiosk reads it at start
    except ConfigError as exc:
        raise Refused(422, f"{config_path.name} would not load", [p.replace(str(trial), str(config_path))
                                                                 for p in exc.problems])
    finally:
        trial.unlink(missing_ok=True)
    shutil.copy2(config_path, config_path.with_name(config_path.name + ".bak"))
    write_atomic(config_path, out.getvalue())
    object.__setattr__(cfg, "source", str(config_path))
    return cfg
