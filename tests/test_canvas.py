"""The two ways of drawing a frame agree: SDL's renderer (textures turned by the renderer, the
words streamed on top) and the surface path (everything rotated by pygame), same scene,
same moment, compared pixel by pixel."""
from __future__ import annotations

import numpy as np
import pygame
import pytest

from installation.app.kiosk import Kiosk
from installation.config.composed import load_config
from installation.content.library import load_library
from installation.screen.canvas import RendererCanvas, SurfaceCanvas

from conftest import ROOT

SIZE = (960, 600)


@pytest.fixture(scope="module")
def canvases():
    from pygame._sdl2.video import Renderer, Window

    pygame.display.init()
    pygame.font.init()
    window = Window("test", size=SIZE)
    renderer = RendererCanvas(window, Renderer(window, accelerated=-1))
    yield renderer, SurfaceCanvas(pygame.Surface(SIZE))
    window.destroy()


def frame(canvas, scene: str, turns: float) -> np.ndarray:
    cfg = load_config(ROOT / "config.yaml")
    kiosk = Kiosk(cfg, load_library(ROOT / "assets"), canvas)
    kiosk.show.switch(scene, disc_id="vals-kisti")
    kiosk.show.scene.update(0.5)
    if hasattr(kiosk.show.scene, "platter"):
        kiosk.show.scene.platter.turns = turns
    kiosk.show.scene.turns = turns  # the carousel's
    kiosk.show.scene.draw(canvas.surface)
    return pygame.surfarray.array3d(canvas.snapshot()).astype(np.int16)


@pytest.mark.parametrize("scene", ["attract", "carousel", "player"])
def test_the_renderer_and_the_surface_draw_the_same_frame(canvases, scene):
    gpu, cpu = canvases
    a, b = frame(gpu, scene, 0.137), frame(cpu, scene, 0.137)
    diff = np.abs(a - b).max(axis=2)
    assert a.mean() > 20 and b.mean() > 20, "both drew something"
    assert diff.mean() < 3.0, f"mean difference {diff.mean():.2f} levels"
    assert (diff > 48).mean() < 0.02, f"{(diff > 48).mean():.3%} of pixels differ much (edges of turned pictures)"
    c = frame(cpu, scene, 0.387)  # and the comparison can tell a different moment apart
    assert np.abs(a - c).max(axis=2).mean() > diff.mean() * 2


def test_the_surface_path_presents_through_the_drivers_own_framebuffer(tmp_path):
    """SDL may present a window's surface through an OpenGL texture instead of the driver's
    framebuffer: on Mesa's software OpenGL that costs 10 ms a 1080p frame whatever was drawn.
    The kiosk asks for the driver's own (SDL_FRAMEBUFFER_ACCELERATION=0) unless the technician
    set the hint, before SDL's video starts."""
    import os
    import subprocess
    import sys

    code = ("import os; from installation.screen.display import init_video; init_video(); "
            "print(os.environ['SDL_FRAMEBUFFER_ACCELERATION'])")
    env = {k: v for k, v in os.environ.items() if k != "SDL_FRAMEBUFFER_ACCELERATION"}
    for given, expected in ((None, "0"), ("1", "1")):
        run_env = {**env, "SDL_VIDEODRIVER": "dummy", **({"SDL_FRAMEBUFFER_ACCELERATION": given} if given else {})}
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=run_env, capture_output=True, text=True,
                             timeout=60)
        assert out.stdout.split()[-1:] == [expected], out.stdout + out.stderr
