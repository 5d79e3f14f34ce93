"""Where things go on any screen: landscape 16:9 and 16:10, portrait, 4:3.

Sizes come from the screen's physical size (`display.dpi`), so text reads from 1.5 m and a
touch target is never under 9 mm, then are held within what the screen's pixels allow. Pure
arithmetic on (width, height): tests check every supported size without drawing."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

import pygame

MIN_TARGET_MM = 9.0  # the smallest touch target a finger finds without looking
ARM_REACH = 0.62  # the tonearm's pivot and its base reach this far from the disc's centre (x diameter)
SIZES = ((1920, 1080), (1280, 800), (1080, 1920), (800, 1280), (1024, 768))  # supported, tested


@dataclass(frozen=True)
class Typography:
    """Font sizes in pixels."""

    title: int
    heading: int
    body: int
    small: int
    target: int  # a touch target's side


def typography(size: Tuple[int, int], dpi: float) -> Typography:
    w, h = size
    short = min(w, h)
    mm = dpi / 25.4

    def px(millimetres: float, lo: float, hi: float) -> int:
        return int(round(min(max(millimetres * mm, short * lo), short * hi)))

    target = max(int(round(MIN_TARGET_MM * mm)), px(13.0, 0.07, 0.1))
    return Typography(title=px(11.0, 0.046, 0.06), heading=px(7.0, 0.032, 0.042), body=px(6.0, 0.027, 0.034),
                      small=px(4.5, 0.021, 0.027), target=target)


@dataclass(frozen=True)
class PlayerLayout:
    portrait: bool
    disc_center: Tuple[int, int]
    disc_diameter: int
    text: pygame.Rect  # title, story: everything written
    progress: pygame.Rect  # the bar; the time is written under it
    controls: Dict[str, pygame.Rect]  # "back", "play", "language"


def player_layout(size: Tuple[int, int], dpi: float) -> PlayerLayout:
    w, h = size
    t = typography(size, dpi)
    margin = max(12, int(min(w, h) * 0.035))
    gap = t.target // 3
    if w >= h:  # landscape: the disc on the left, its tonearm, then the words and controls
        d = int(min(h - 2 * margin, w * 0.5))
        center = (margin + d // 2, h // 2)
        x = margin + d // 2 + int(d * ARM_REACH) + margin
        col = pygame.Rect(x, margin, w - x - margin, h - 2 * margin)
        portrait = False
    else:  # portrait: the disc (and the arm at its right) above, the words below
        d = int(min((w - 2 * margin) / (1.0 + 2 * (ARM_REACH - 0.5)), h * 0.46))
        center = (w // 2, margin + d // 2)
        col = pygame.Rect(margin, margin + d + margin, w - 2 * margin, h - d - 3 * margin)
        portrait = True
    controls_y = col.bottom - t.target
    names = ("back", "play", "language")
    controls = {name: pygame.Rect(col.x + i * (t.target + gap), controls_y, t.target, t.target)
                for i, name in enumerate(names)}
    progress_y = controls_y - gap - t.small * 2
    progress = pygame.Rect(col.x, progress_y, col.width, max(4, t.small // 3))
    text = pygame.Rect(col.x, col.y, col.width, progress_y - gap - col.y)
    return PlayerLayout(portrait, center, d, text, progress, controls)


@dataclass(frozen=True)
class AttractLayout:
    disc_center: Tuple[int, int]
    disc_diameter: int
    band: pygame.Rect  # titles and the call to action, never over the disc


def attract_layout(size: Tuple[int, int], dpi: float) -> AttractLayout:
    w, h = size
    t = typography(size, dpi)
    band_h = int(t.title * 1.3 + t.body * 1.4 + t.heading * 1.6 + t.small)
    margin = max(10, int(min(w, h) * 0.03))
    d = int(min(w - 2 * margin, h - band_h - 3 * margin))
    top = max(margin, (h - (d + margin + band_h)) // 2)  # the disc and its titles together, centred
    band = pygame.Rect(0, top + d + margin, w, band_h)
    return AttractLayout((w // 2, top + d // 2), d, band)


@dataclass(frozen=True)
class CarouselLayout:
    center: Tuple[int, int]  # where the chosen disc sits
    diameter: int  # of the chosen disc; its neighbours are smaller
    spacing: int  # pixels between disc centres
    caption: pygame.Rect


def carousel_layout(size: Tuple[int, int], dpi: float) -> CarouselLayout:
    w, h = size
    t = typography(size, dpi)
    caption_h = int(t.title * 1.3 + t.body * 2.8 + t.target * 0.6)
    margin = max(10, int(min(w, h) * 0.03))
    d = int(min(h - caption_h - 3 * margin, w * (0.42 if w >= h else 0.62)))
    center = (w // 2, margin + (h - caption_h - 2 * margin) // 2)
    caption = pygame.Rect(margin, h - caption_h - margin, w - 2 * margin, caption_h)
    return CarouselLayout(center, d, int(d * 0.78), caption)
