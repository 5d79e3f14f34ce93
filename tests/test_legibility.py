"""Read from two metres: every line a visitor reads, on every supported screen, in every visitor's
scene, measured from the rendered pixels — capitals at least 5 mm tall at `display.dpi`, body
text at 7:1 contrast against what is behind it, everything else at 4.5:1 (WCAG AAA / AA)."""
from __future__ import annotations

import dataclasses
import itertools
from functools import lru_cache

import numpy as np
import pygame
import pytest

from installation.app.kiosk import Kiosk
from installation.config.composed import load_config
from installation.content.library import load_library
from installation.screen.layout import CAP_EM, READ_CAP_MM, SIZES
from installation.screen.palette import INK
from installation.screen.text import font, record_text

from conftest import ROOT, VISITORS, sizes_for_the_fast_run, visitor_frames

_c = np.arange(256) / 255.0
LINEAR = np.where(_c <= 0.03928, _c / 12.92, ((_c + 0.055) / 1.055) ** 2.4)  # sRGB 0..255 -> linear light


def luminance(rgb) -> np.ndarray:
    """WCAG 2 relative luminance of sRGB colours (..., 3) in 0..255."""
    return LINEAR[np.asarray(rgb, dtype=np.uint8)] @ np.array([0.2126, 0.7152, 0.0722])


def contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


@lru_cache(maxsize=None)
def cap_height_px(size: int, face: str = "regular") -> int:
    """A capital's height as drawn: the rows of a rendered "Н" at least half covered by ink."""
    glyph = font(size, face).render("Н", True, (255, 255, 255), (0, 0, 0))
    ink = pygame.surfarray.array3d(glyph)[:, :, 0]
    return int((ink.max(axis=0) >= 128).sum())


def line_contrast(pixels: np.ndarray, rect: pygame.Rect) -> float:
    """The text's ink against the ground right round it, both read from the frame: the ground is
    the line's box edge (its brightest tenth, so a light spot behind the words counts), the ink
    the pixel inside that differs from the ground the most."""
    box = luminance(pixels[rect.left:rect.right, rect.top:rect.bottom])
    edge = np.concatenate([box[0], box[-1], box[:, 0], box[:, -1]])
    ground = float(np.percentile(edge, 90)) if box.max() > np.median(edge) else float(np.percentile(edge, 10))
    ink = box.max() if box.max() > np.median(edge) else box.min()
    return contrast(float(ink), ground)


def test_the_fonts_capitals_are_as_tall_as_the_layout_assumes():
    pygame.font.init()
    for size in (20, 26, 29, 35, 50, 80):
        assert abs(cap_height_px(size) - CAP_EM * size) <= 1.0, size
        assert abs(cap_height_px(size, "bold") - CAP_EM * size) <= 1.0, size


@pytest.fixture(scope="module")
def setup():
    pygame.display.init()
    pygame.font.init()
    return load_config(ROOT / "config.yaml"), load_library(ROOT / "assets")


@pytest.mark.parametrize("size", sizes_for_the_fast_run(SIZES),
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_line_a_visitor_reads_is_5_mm_tall_and_stands_out(setup, size):
    cfg, library = setup
    screen = pygame.Surface(size)
    kiosk = Kiosk(cfg, dataclasses.replace(library, discs=list(library.discs)), screen)
    mm = cfg.display.dpi / 25.4
    problems, lines, seen = [], 0, set()
    for scene, disc, flip in itertools.product(VISITORS, library.discs, (False, True)):
        if scene in ("closed", "live_cut") and disc is not library.discs[0]:
            continue
        languages = tuple(reversed(cfg.content.languages)) if flip else cfg.content.languages
        for what in visitor_frames(kiosk, scene, disc.id):
            kiosk.show.languages = languages
            with record_text() as drawn:
                kiosk.show.scene.draw(screen)
            pixels = pygame.surfarray.pixels3d(screen)  # (a view: no copy of the frame)
            where = f"{size} {scene} {disc.id} {languages[0]} {what}"
            assert drawn, where
            for line in drawn:
                lines += 1
                if (line.text, line.size, line.color, tuple(line.rect)) in seen:
                    continue  # the same line in the same place on another frame
                seen.add((line.text, line.size, line.color, tuple(line.rect)))
                cap = cap_height_px(line.size) / mm
                if cap < READ_CAP_MM - 0.1:
                    problems.append(f"{where}: {line.text!r} capitals {cap:.1f} mm")
                need = 7.0 if line.color == INK else 4.5
                ratio = line_contrast(pixels, line.rect.clip(screen.get_rect()))
                if ratio < need:
                    problems.append(f"{where}: {line.text!r} contrast {ratio:.1f}:1, under {need}:1")
            del pixels  # (the view locks the frame)
    assert lines > 100
    assert not problems, "\n".join(problems[:20])
