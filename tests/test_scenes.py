"""Scene logic on a real (dummy-driver) pygame surface: taps, track ends, idle time-out."""
from __future__ import annotations

import dataclasses

import pygame
import pytest

from conftest import ROOT
from installation.config import load_config
from installation.content.library import load_library
from installation.kiosk import Kiosk
from installation.scene import TRACK_ENDED
from installation.service.play_counts import PlayCounts


@pytest.fixture
def kiosk(tmp_path):
    pygame.display.init()
    pygame.font.init()
    cfg = load_config(ROOT / "config.yaml")
    screen = pygame.display.set_mode((800, 500))
    k = Kiosk(cfg, load_library(ROOT / "assets"), screen, counts=PlayCounts(tmp_path))
    k.switch("attract")
    return k


def finger(x=0.5, y=0.5, touch_id=1):
    return pygame.event.Event(pygame.FINGERDOWN, touch_id=touch_id, finger_id=0, x=x, y=y, dx=0, dy=0, pressure=1)


def click(pos=(400, 250), touch=False):
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=touch)


def test_a_touchscreen_tap_counts_once(kiosk):
    # what SDL sends for one finger on a touchscreen: the finger, then a mouse click made from it
    kiosk.step(1 / 60, events=[finger(), click(touch=True)])
    assert kiosk.scene.name == "player" and kiosk.scene.disc.id == kiosk.library.discs[0].id
    kiosk.step(1 / 60, events=[finger(), click(touch=True)])
    assert kiosk.scene.disc.id == kiosk.library.discs[1].id
    assert kiosk.counts.counts == {kiosk.library.discs[0].id: 1, kiosk.library.discs[1].id: 1}


def test_plain_mouse_click_works_too(kiosk):
    kiosk.step(1 / 60, events=[click()])
    assert kiosk.scene.name == "player"


def test_track_end_moves_to_the_next_disc_and_wraps(kiosk):
    kiosk.step(1 / 60, events=[click()])
    discs = kiosk.library.discs
    for i in range(len(discs)):
        current = kiosk.scene.disc.id
        kiosk.step(1 / 60, events=[pygame.event.Event(TRACK_ENDED, disc_id=current)])
    assert kiosk.scene.disc.id == discs[0].id
    # an end reported for a disc no longer playing changes nothing
    kiosk.step(1 / 60, events=[pygame.event.Event(TRACK_ENDED, disc_id=discs[3].id)])
    assert kiosk.scene.disc.id == discs[0].id


def test_idle_visitor_returns_to_attract_on_the_same_disc(kiosk):
    kiosk.step(1 / 60, events=[click(), click()])
    disc = kiosk.scene.disc.id
    for _ in range(int(kiosk.cfg.kiosk.idle_seconds * 10) + 2):
        kiosk.step(0.1, events=[])
    assert kiosk.scene.name == "attract" and kiosk.scene.disc.id == disc


def test_attract_advances_discs(kiosk):
    first = kiosk.scene.disc.id
    for _ in range(int(kiosk.cfg.kiosk.attract_disc_seconds * 10) + 1):
        kiosk.step(0.1, events=[])
    assert kiosk.scene.disc.id == kiosk.library.discs[1].id != first


def test_quit_chord(kiosk):
    kiosk.step(1 / 60, events=[pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=pygame.KMOD_LCTRL)])
    assert kiosk.running, "ctrl+q alone is not the chord"
    kiosk.step(1 / 60, events=[pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q,
                                                  mod=pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT)])
    assert not kiosk.running


def test_empty_library_shows_a_message_not_a_crash(kiosk, tmp_path):
    kiosk.library = dataclasses.replace(kiosk.library, discs=[])
    kiosk.switch("attract")
    kiosk.step(1 / 60, events=[click()])
    assert kiosk.scene.name == "attract"
    # the message is drawn: bright text in the middle band, where an empty frame is dark background
    w, h = kiosk.screen.get_size()
    middle = pygame.surfarray.array3d(kiosk.screen)[:, h // 2 - 10: h // 2 + 60].max(axis=2)
    assert (middle > 150).sum() > 400
    assert pygame.surfarray.array3d(kiosk.screen)[:, : h // 4].max() < 60, "and nothing else above it"
