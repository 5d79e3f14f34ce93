"""What a disc will look and sound like in the show, drawn and played offline: the screenshot
and render commands, and the console's preview of an upload before it is published (run in a
process of its own, so the kiosk's frames and sound never wait for it)."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import numpy as np

from ..config.composed import Config
from ..content.library import Condition, Disc, Library

PREVIEW_SECONDS = 10.0
PREVIEW_PICTURE, PREVIEW_SOUND = "picture.jpg", "sound.wav"
PREVIEW_TIMEOUT = 180.0  # seconds: a long FLAC on a small box is decoded and cut first
PREVIEW_NICE = 5  # below the show (frames and sound first), not so far below that a busy box never gets to it


def play_through(cfg: Config, audio_path: Path, condition: Condition, diameter_cm: float, rpm: float,
                 seconds: float = 0.0, progress: Optional[Callable[[float], None]] = None) -> Tuple[np.ndarray, int]:
    """`seconds` (0: all) of a file through the lathe-and-film chain as the kiosk plays it, at full
    volume without fades; the first channel and its sample rate. ValueError names the file."""
    from ..sound.engine import AudioEngine
    from ..sound.loader import decode
    from ..sound.offline import render
    from ..sound.settings import for_disc

    audio = dataclasses.replace(cfg.audio, fade_seconds=0.0, master_volume=1.0)
    engine = AudioEngine(audio, cfg.dsp)
    try:
        track = decode(audio_path, engine.sample_rate, audio_path.stem)
    except Exception as exc:  # soundfile's errors name no file
        raise ValueError(f"{audio_path}: cannot decode audio: {exc}") from exc
    engine.play(track, for_disc(cfg.dsp, condition, diameter_cm, rpm), spin_up=False)
    length = len(track) / engine.sample_rate
    return render(engine, min(seconds, length) if seconds else length, progress=progress), engine.sample_rate


def draw_frame(cfg: Config, library: Library, scene: str, disc_id: str, at: float, size: Tuple[int, int],
               words: bool = False):
    """One frame of `scene` `at` seconds in, on a surface of `size` (no display needed); with
    `words`, every line of text drawn and where."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    from ..screen.display import open_screen
    from ..screen.text import record_text
    from .kiosk import Kiosk

    screen = open_screen(cfg.display, windowed=True, size=size)
    kiosk = Kiosk(cfg, library, screen)
    kiosk.show.switch(scene, disc_id=disc_id)
    frame = 1.0 / cfg.display.fps
    steps = int(at / frame)
    for _ in range(steps):  # the same fixed steps the live loop would take
        if kiosk.show.scene is not None:
            kiosk.show.scene.update(frame)
        kiosk.show.now += frame
    with record_text() as drawn:
        kiosk.step(at - steps * frame, events=[])
    return screen, (drawn if words else [])


def preview(cfg: Config, disc: Disc, out: Path, seconds: float = PREVIEW_SECONDS) -> List[Path]:
    """The player's screen with `disc` on it (as JPEG) and `seconds` of its sound (WAV) in `out`."""
    import pygame
    import soundfile

    out.mkdir(parents=True, exist_ok=True)
    # the disc drawn after its spin-up, as a visitor sees it once the picture is built
    screen, _ = draw_frame(cfg, Library([disc], []), "player", disc.id, 3.0, cfg.display.size)
    picture, sound = out / PREVIEW_PICTURE, out / PREVIEW_SOUND
    pygame.image.save(screen, str(picture))
    info = disc.info
    samples, rate = play_through(cfg, disc.audio_path, info.condition, info.diameter_cm, info.rpm, seconds)
    soundfile.write(str(sound), samples, rate, subtype="PCM_16")
    return [picture, sound]


def preview_in_a_process(config_path: Path) -> Callable[[Path, Path], None]:
    """How the console asks for a preview: this module's command in a process of its own, niced
    (the kiosk's frames first), with a time limit. RuntimeError carries its last words."""
    def run(folder: Path, out: Path) -> None:
        command = [sys.executable, "-m", "installation", "--config", str(config_path), "preview", str(folder),
                   "--out", str(out)]
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=PREVIEW_TIMEOUT, env=env,
                                  preexec_fn=lambda: os.nice(PREVIEW_NICE))
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"the preview took more than {PREVIEW_TIMEOUT:g} s") from None
        if done.returncode != 0:
            raise RuntimeError((done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1])
    return run
