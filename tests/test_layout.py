"""Every supported screen size, every scene, every shipped disc, both language orders: no
text outside the screen, none cut short with an ellipsis, no two lines on top of each other,
the disc not clipped, touch targets at least 9 mm."""
from __future__ import annotations

import dataclasses
import itertools

import pygame
import pytest

from installation.app.kiosk import Kiosk
from installation.config.composed import load_config
from installation.content.library import load_library
from installation.screen.layout import MIN_TARGET_MM, SIZES, attract_layout, carousel_layout, player_layout
from installation.screen.text import record_text

from conftest import ROOT, VISITORS, sizes_for_the_fast_run, visitor_frames


@pytest.fixture(scope="module")
def setup():
    pygame.display.init()
    pygame.font.init()
    return load_config(ROOT / "config.yaml"), load_library(ROOT / "assets")


def overlaps(a: pygame.Rect, b: pygame.Rect) -> bool:
    return a.inflate(-2, -2).colliderect(b.inflate(-2, -2))


@pytest.mark.parametrize("size", sizes_for_the_fast_run(SIZES),
                         ids=lambda s: f"{s[0]}x{s[1]}")  # the 1080p sizes draw longest: `make test` has them
def test_no_text_clipped_truncated_or_overlapping(setup, size):
    cfg, library = setup
    screen = pygame.Surface(size)
    kiosk = Kiosk(cfg, dataclasses.replace(library, discs=list(library.discs)), screen)
    bounds = screen.get_rect()
    problems = []
    for scene, disc, flip in itertools.product(VISITORS, library.discs, (False, True)):
        if scene in ("closed", "live_cut") and disc is not library.discs[0]:
            continue
        kiosk.show.languages = tuple(reversed(cfg.content.languages)) if flip else cfg.content.languages
        for what in visitor_frames(kiosk, scene, disc.id):
            if flip:
                kiosk.show.languages = tuple(reversed(cfg.content.languages))
            with record_text() as drawn:
                kiosk.show.scene.draw(screen)
            where = f"{size} {scene} {disc.id} {kiosk.show.languages[0]} {what}"
            assert drawn, where
            for rect, text, *_ in drawn:
                if not bounds.contains(rect):
                    problems.append(f"{where}: {text!r} at {rect} leaves the screen")
                if "…" in text:
                    problems.append(f"{where}: {text!r} is cut short")
            for (r1, t1, *_), (r2, t2, *_) in itertools.combinations(drawn, 2):
                if overlaps(r1, r2):
                    problems.append(f"{where}: {t1!r} {r1} overlaps {t2!r} {r2}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_discs_and_targets_fit(setup, size):
    cfg, _ = setup
    bounds = pygame.Rect((0, 0), size)
    dpi = cfg.display.dpi
    p = player_layout(size, dpi)
    disc = pygame.Rect(0, 0, p.disc_diameter, p.disc_diameter)
    disc.center = p.disc_center
    assert bounds.contains(disc)
    assert p.disc_diameter >= 0.45 * min(size), "the disc as large as the layout allows"
    assert not disc.colliderect(p.text) and not any(disc.colliderect(c) for c in p.controls.values())
    for rect in p.controls.values():
        assert bounds.contains(rect) and rect.width >= MIN_TARGET_MM * dpi / 25.4
    a = attract_layout(size, dpi)
    disc = pygame.Rect(0, 0, a.disc_diameter, a.disc_diameter)
    disc.center = a.disc_center
    assert bounds.contains(disc) and not disc.colliderect(a.band), "the titles never cover the disc"
    c = carousel_layout(size, dpi)
    disc = pygame.Rect(0, 0, c.diameter, c.diameter)
    disc.center = c.center
    assert bounds.contains(disc) and not disc.colliderect(c.caption)
