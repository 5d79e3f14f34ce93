"""Bone Music kiosk engine: config, content, audio, display; screens live in `scenes/`."""
import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

__version__ = "0.1.0"
