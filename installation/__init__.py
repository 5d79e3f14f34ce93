"""Bone Music kiosk. Its folders are its layers, top to bottom (docs/architecture.md): app/ (the
commands and the kiosk shell), screen/ (pygame), config/, show/ (the parts the loop hosts),
remote/ (OSC), lathe/, content/, sound/, core/, service/; the screens are in scenes/."""
import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# Before pygame is imported (it would name the window after sys.argv[0]): a class that
# window managers, kiosk rules and `xdotool search --class bone-music` can find.
os.environ.setdefault("SDL_VIDEO_X11_WMCLASS", "bone-music")
# Textures turned and scaled by SDL's renderer are sampled smoothly, not pixel by pixel.
os.environ.setdefault("SDL_RENDER_SCALE_QUALITY", "linear")

__version__ = "0.2.0"


def tune_threads() -> None:
    """Hand the GIL over every 1 ms instead of 5: the audio callback and the OSC thread
    (encoder streams at 1 kHz) wait less behind the drawing loop."""
    import sys

    sys.setswitchinterval(0.001)
