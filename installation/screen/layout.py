"""Where things go on any screen: landscape 16:9 and 16:10, portrait, 4:3.

Sizes come from the screen's physical size (`display.dpi`): every line a visitor reads has
capitals at least 5 mm tall (read from two metres) and a touch target is never under 9 mm;
where the screen has pixels to spare, text grows with it. Pure arithmetic on (width, height):
tests check every supported size without drawing, and measure the drawn text's pixels."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Tuple

import pygame

MIN_TARGET_MM = 9.0  # the smallest touch target a finger finds without looking
READ_CAP_MM = 5.0  # the smallest capital read from two metres (body text, captions, labels)
CAP_EM = 0.729  # DejaVu Sans: a capital's height per pixel of font size (1493/2048; test_layout measures it)
MIN_COLUMN_EM = 16.0  # the words' column is never narrower than this many font sizes
MEASURE_EM = 22.0  # a column of text is at most this many font sizes wide (about 40 letters)
ARM_REACH = 0.62  # the tonearm's pivot and its base reach this far from the disc's centre (x diameter)
SIZES = ((1920, 1080), (2560, 1080), (1280, 800), (1080, 1920), (800, 1280), (1024, 768))  # supported, tested


@dataclass(frozen=True)
class Typography:
    """Font sizes in pixels."""

    title: int
    heading: int
    body: int
    small: int
    target: int  # a touch target's side


def font_px(cap_mm: float, dpi: float) -> int:
    """The font size whose capitals are `cap_mm` tall at `dpi`."""
    return int(math.ceil(cap_mm * dpi / 25.4 / CAP_EM))


def typography(size: Tuple[int, int], dpi: float) -> Typography:
    short = min(size)
    mm = dpi / 25.4

    def px(cap_mm: float, share: float) -> int:  # never under its capital's millimetres; more where there is room
        return max(font_px(cap_mm, dpi), int(round(short * share)))

    target = max(int(round(MIN_TARGET_MM * mm)), int(round(min(max(13.0 * mm, short * 0.07), short * 0.1))))
    return Typography(title=px(1.6 * READ_CAP_MM, 0.046), heading=px(1.2 * READ_CAP_MM, 0.032),
                      body=px(READ_CAP_MM, 0.027), small=px(READ_CAP_MM, 0.021), target=target)


@dataclass(frozen=True)
class PlayerLayout:
    portrait: bool
    disc_center: Tuple[int, int]
    disc_diameter: int
    text: pygame.Rect  # title, story: everything written
    columns: int  # the stories side by side, one per language (2, on a wide screen) or one under the other
    progress: pygame.Rect  # the bar; the time is written under it
    controls: Dict[str, pygame.Rect]  # "back", "play", "language"


def player_layout(size: Tuple[int, int], dpi: float) -> PlayerLayout:
    w, h = size
    t = typography(size, dpi)
    margin = max(12, int(min(w, h) * 0.035))
    gap = t.target // 3
    if w >= h:  # landscape: the disc on the left, its tonearm, then the words and controls
        room = w - 3 * margin - MIN_COLUMN_EM * t.body  # what the disc and its arm may take of the width
        d = int(min(h - 2 * margin, w * 0.5, room / (0.5 + ARM_REACH)))
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
    columns = 2 if text.width >= 2 * MEASURE_EM * t.body + t.body else 1
    return PlayerLayout(portrait, center, d, text, columns, progress, controls)


@dataclass(frozen=True)
class AttractLayout:
    disc_center: Tuple[int, int]
    disc_diameter: int
    band: pygame.Rect  # titles and the call to action, never over the disc
    lines: int  # the disc's facts and the call to action each take this many lines (2 on a narrow screen)


def attract_layout(size: Tuple[int, int], dpi: float) -> AttractLayout:
    w, h = size
    t = typography(size, dpi)
    lines = 2 if w < h else 1  # (text never shrinks below its millimetres: on a narrow screen it wraps)
    band_h = int(t.title * 1.3 + lines * (t.body * 1.25 + t.heading * 1.25) + t.heading * 0.35 + t.small)
    margin = max(10, int(min(w, h) * 0.03))
    d = int(min(w - 2 * margin, h - band_h - 3 * margin))
    top = max(margin, (h - (d + margin + band_h)) // 2)  # the disc and its titles together, centred
    band = pygame.Rect(0, top + d + margin, w, band_h)
    return AttractLayout((w // 2, top + d // 2), d, band, lines)


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


@dataclass(frozen=True)
class LiveCutLayout:
    blank_center: Tuple[int, int]
    blank_diameter: int
    words: pygame.Rect  # the demo, the countdown, the lathe's state


def live_cut_layout(size: Tuple[int, int], dpi: float) -> LiveCutLayout:
    """The blank on the lathe on the left and the words beside it; on a portrait screen, under it."""
    w, h = size
    margin = max(12, int(min(w, h) * 0.04))
    if w >= h:
        d = int(min(h * 0.84, w * 0.5))
        center = (int(min(w * 0.3, h * 0.5 + 20)), h // 2)
        x = int(center[0] + d / 2 + margin)
        return LiveCutLayout(center, d, pygame.Rect(x, int(h * 0.08), w - x - margin, int(h * 0.84)))
    d = int(min(w - 2 * margin, h * 0.42))
    center = (w // 2, margin + d // 2)
    top = center[1] + d // 2 + margin
    return LiveCutLayout(center, d, pygame.Rect(margin, top, w - 2 * margin, h - top - margin))
