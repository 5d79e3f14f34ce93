"""Logging to stderr (journald under systemd) and to a rotating file in the data directory."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(data_dir: Path | None = None, verbose: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for h in list(root.handlers):
        root.removeHandler(h)
    stderr = logging.StreamHandler()
    stderr.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(stderr)
    if data_dir is not None:
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            fh = logging.handlers.RotatingFileHandler(Path(data_dir) / "kiosk.log", maxBytes=2_000_000,
                                                      backupCount=5, encoding="utf-8")
            fh.setFormatter(logging.Formatter(FORMAT))
            root.addHandler(fh)
        except OSError as exc:
            root.warning("%s: cannot write the log file there (%s); logging to stderr only", data_dir, exc)
