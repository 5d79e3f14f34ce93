"""Bone Music kiosk engine: config, content, audio, display; screens live in `scenes/`."""
import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# Before pygame is imported (it would name the window after sys.argv[0]): a class that
# window managers, kiosk rules and `xdotool search --class bone-music` can find.
os.environ.setdefault("SDL_VIDEO_X11_WMCLASS", "bone-music")

__version__ = "0.1.0"


def tune_threads() -> None:
    """Hand the GIL over every 1 ms instead of 5: the audio callback and the OSC thread
    (encoder streams at 1 kHz) wait less behind the drawing loop."""
    import sys

    sys.setswitchinterval(0.001)
