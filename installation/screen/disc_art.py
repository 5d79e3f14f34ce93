"""Turn an x-ray scan into a bone-music disc as it looks on the platter.

The film was cut round with scissors (a polygon-ish, irregular edge), the hole burned with
a cigarette (ragged, scorched, off-centre) and the grooves cut over the bones. The disc
turns about its hole, as on a real spindle, so the off-centre cut visibly wobbles. The
sheen is light from the room: it stays put while the disc turns under it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pygame

from ..core.files import open_regular
from ..core.yamlconf import ConfigError
from . import turning

HOLE_DIAMETER_MM = 7.0
UNGROOVED_INNER_MM = 38.0  # radius where the run-out ends
SCAN_OVERHANG = 1.04  # the scan reaches a little past the scissor-cut edge
GROOVE_PITCH_PX = 2.8  # the real 0.1 mm pitch is below a pixel; this reads as grooves and survives rotation


SCALE_STEP = 0.05  # scaled copies are made in steps of 5 %, and kept
KEY = (255, 0, 255)  # the clear part of a disc's opaque copy (keyed): never a colour of the film's


def scale_step(scale: float) -> int:
    """The 5 % step a scale is drawn at (the renderer draws the same sizes as the surface path)."""
    return max(1, round(min(scale, 1.0) / SCALE_STEP))


@dataclass
class DiscArt:
    surface: pygame.Surface  # SRCALPHA; the hole is at the exact centre of the surface
    sheen: pygame.Surface  # additive highlight, centred on the hole, never rotated
    shadow: pygame.Surface  # the lightbox is multiplied by it under the disc (white: untouched); never rotated
    turned: pygame.Surface  # the surface opaque, its clear part KEY: what is turned (keyed())
    reach: float = 0.0  # px from the hole to the film's farthest pixel (film_reach); 0: not known
    _scaled: dict = field(default_factory=dict, repr=False)  # step -> (surface, sheen, shadow, keyed, reach)

    def draw(self, target: pygame.Surface, center: tuple[float, float], turns: float,
             scale: float = 1.0, compiled: bool = True) -> pygame.Rect:
        """Blit at `center` (the spindle) after `turns` clockwise revolutions, `scale`d (in
        5 % steps: a carousel's discs reuse a few scaled copies instead of zooming every frame).
        The disc turned is its opaque, colour-keyed copy: copied, not blended (keyed()), by the
        compiled loop straight into the frame (turning.py) or, `compiled` false, by pygame: pixel
        for pixel the same."""
        surface, sheen, shadow, turned, reach = self._at(scale)
        offset = max(2, surface.get_width() // 60)
        at = (round(center[0]), round(center[1]))
        target.blit(shadow, shadow.get_rect(center=(at[0] + offset, at[1] + offset * 3 // 2)),
                    special_flags=pygame.BLEND_RGB_MULT)
        degrees = -360.0 * (turns % 1.0)  # pygame turns counter-clockwise
        if compiled and turning.can_turn_into(target, turned, degrees):
            rect = turning.turn_into(target, turned, degrees, at, reach or surface.get_width())
        else:
            rotated = pygame.transform.rotate(turned, degrees)
            rotated.set_colorkey(KEY)  # (and no RLE: rotate asks for it, and encoding a new surface a frame costs 2 ms)
            rect = rotated.get_rect(center=at)
            target.blit(rotated, rect)
        target.blit(sheen, sheen.get_rect(center=rect.center), special_flags=pygame.BLEND_RGB_ADD)
        return rect

    def _at(self, scale: float):
        step = scale_step(scale)
        if step * SCALE_STEP >= 1.0:
            return self.surface, self.sheen, self.shadow, self.turned, self.reach
        if step not in self._scaled:
            if len(self._scaled) >= 8:
                self._scaled.pop(next(iter(self._scaled)))
            size = max(2, int(self.surface.get_width() * step * SCALE_STEP))
            scaled = [pygame.transform.smoothscale(s, (size, size)) for s in (self.surface, self.sheen, self.shadow)]
            # (the film's reach shrinks with it; smoothscale's soft edge is within a pixel or two of it)
            reach = self.reach * size / self.surface.get_width() + 2.0 if self.reach else 0.0
            self._scaled[step] = (*scaled, keyed(scaled[0]), reach)
        return self._scaled[step]

    @property
    def nbytes(self) -> int:
        """Pixels held, with the scaled and keyed copies (the soak tells a filling cache from a leak)."""
        surfaces = [self.surface, self.sheen, self.shadow, self.turned] + [s for copy in list(self._scaled.values())
                                                                           for s in copy[:4]]
        return sum(s.get_bytesize() * s.get_width() * s.get_height() for s in surfaces)


def keyed(surface: pygame.Surface) -> pygame.Surface:
    """An opaque copy of a disc whose clear part is KEY: rotated and blitted as a colour key, it is
    copied, not blended (the alpha blend of a turned 1000 px disc is 2 ms of a frame's 16.7, the
    key's copy 0.3). The film is opaque on its lightbox; only the scissor-cut edge's anti-aliased
    pixels (0.3 % of them) go one way or the other, and nearest-neighbour turning hardly keeps them."""
    screen = pygame.display.get_surface()  # its pixel format: a key's blit is a copy only between equal formats
    out = pygame.Surface(surface.get_size(), 0, screen if screen is not None and screen.get_bitsize() == 32 else 32)
    film = surface.copy()
    film.set_alpha(None)  # blitted as a copy of its colours, not blended
    out.blit(film, (0, 0))
    del film
    px, key, rgb = pygame.surfarray.pixels2d(out), out.map_rgb(KEY), sum(out.get_masks()[:3])
    px[(px & rgb) == (key & rgb)] = out.map_rgb((KEY[0] - 1, KEY[1], KEY[2]))  # (off the key's colour)
    px[pygame.surfarray.pixels_alpha(surface) < 128] = key
    del px
    out.set_colorkey(KEY)
    return out


def film_reach(surface: pygame.Surface) -> float:
    """How far from the centre (the hole) the film reaches, in px, with a pixel to spare: keyed()'s
    film (alpha >= 128), whose farthest pixel lies at an end of some column."""
    film = pygame.surfarray.pixels_alpha(surface) >= 128
    w, h = film.shape
    columns = np.flatnonzero(film.any(axis=1))
    if not len(columns):
        return 0.0
    first = film[columns].argmax(axis=1)
    last = h - 1 - film[columns, ::-1].argmax(axis=1)
    x = columns + 0.5 - w / 2
    far = np.maximum(np.abs(first + 0.5 - h / 2), np.abs(last + 0.5 - h / 2))
    return float(np.sqrt((x * x + far * far).max())) + 1.5


def scan_side(diameter_px: int) -> int:
    """The scan's short side a disc drawn `diameter_px` wide uses (it is cover-cropped to this)."""
    return int(round(diameter_px * SCAN_OVERHANG))


def load_scan(path: Path, short_side: Optional[int] = None) -> pygame.Surface:
    """The scan decoded; ConfigError naming it when it is no image, or not a regular file.
    With `short_side`, a bigger scan comes back reduced to about that size, so a picture costs
    the decoded scan once and nothing of its size more (smoothscale would copy it to 32 bits)."""
    try:
        with open_regular(path) as fh:
            scan = pygame.image.load(fh, Path(path).name)
    except (pygame.error, OSError) as exc:
        raise ConfigError([f"{path}: cannot decode image: {exc}"]) from None
    return scan if short_side is None else _reduced(scan, short_side)


def _reduced(scan: pygame.Surface, short_side: int) -> pygame.Surface:
    """`scan` shrunk by a whole factor to no less than `short_side` on its short side, a band
    of rows at a time (smoothscale of the whole would first copy it all to 32 bits)."""
    w, h = scan.get_size()
    f = min(w, h) // max(1, short_side)
    if f < 2:
        return scan
    out = pygame.Surface((w // f, h // f), 0, 24)
    band = 16 * f
    strip = pygame.Surface((w // f * f, band), 0, 24)  # (8-bit scans too: smoothscale wants 24/32 bits)
    for y in range(0, h // f * f, band):
        rows = min(band, h // f * f - y)
        strip.blit(scan, (0, 0), pygame.Rect(0, y, w // f * f, rows))
        part = strip if rows == band else strip.subsurface((0, 0, strip.get_width(), rows))
        out.blit(pygame.transform.smoothscale(part, (w // f, rows // f)), (0, y // f))
    return out


def build_disc_art(scan: pygame.Surface, diameter_cm: float, diameter_px: int, seed: int = 0,
                   eccentricity_mm: float = 1.5, grooves_end_mm: float = UNGROOVED_INNER_MM) -> DiscArt:
    """`eccentricity_mm`: how far off the groove's centre the hole was burnt, as the sound has it;
    `grooves_end_mm`: the radius where this disc's music ends (its last groove, then smooth film
    to the run-out), so a finger dropping the needle finds the music where it sees grooves."""
    rng = np.random.default_rng(seed)
    px_per_mm = diameter_px / (diameter_cm * 10.0)
    radius = diameter_px / 2.0
    ecc = eccentricity_mm * px_per_mm
    ecc_angle = rng.uniform(0, 2 * math.pi)
    size = int(math.ceil(2 * (radius * SCAN_OVERHANG + ecc))) + 4
    size += size % 2
    c = size / 2.0
    disc_cx, disc_cy = c + ecc * math.cos(ecc_angle), c + ecc * math.sin(ecc_angle)

    # (Arrays of the picture's size are let go as soon as they are used: a build is the kiosk's peak.)
    rgb = _laid(scan, size, scan_side(diameter_px), disc_cx, disc_cy)
    xs = np.arange(size, dtype=np.float32)[:, None] + 0.5  # surfarray indexes [x, y]
    ys = np.arange(size, dtype=np.float32)[None, :] + 0.5
    rho = np.hypot(xs - disc_cx, ys - disc_cy)
    phi = np.arctan2(ys - disc_cy, xs - disc_cx)

    rgb *= _grooved(rho, radius, px_per_mm, rng, max(grooves_end_mm, UNGROOVED_INNER_MM))[..., None]
    hole_r, rim_w = HOLE_DIAMETER_MM / 2 * px_per_mm, max(1.2, radius * 0.006)
    near, hole_alpha, hole_rim = _burnt_hole(rgb, xs, ys, c, hole_r, rim_w, rng)

    # Scissor-cut edge: straight-ish cuts between jittered vertices.
    edge = _scissor_edge(phi, radius, rng)
    del phi
    alpha = np.clip(edge - rho + 0.5, 0.0, 1.0)
    alpha[near] *= hole_alpha
    # Rim light: the cut edge of the film catches the lightbox's glow, so the scissor line and
    # the burnt hole read against the dark background.
    rim = np.exp(-((edge - rho) / rim_w) ** 2) * 0.9
    rim[near] += hole_rim
    del edge, rho
    for channel, glow in enumerate((70, 92, 120)):
        rgb[..., channel] += rim * np.float32(glow)
    del rim

    surface = pygame.Surface((size, size), pygame.SRCALPHA, 32)
    np.clip(rgb, 0, 255, out=rgb)
    pygame.surfarray.blit_array(surface, rgb.astype(np.uint8))
    del rgb
    pygame.surfarray.pixels_alpha(surface)[:] = (alpha * 255).astype(np.uint8)
    return DiscArt(surface, _sheen(size, radius - ecc, hole_r), _shadow(alpha), keyed(surface), film_reach(surface))


def _grooved(rho: np.ndarray, radius: float, px_per_mm: float, rng, end_mm: float) -> np.ndarray:
    """The grooves' shading: fine rings with a louder/quieter banding, from the rim to the last
    groove at `end_mm` (a darker line), smooth film inside it."""
    inner = end_mm * px_per_mm
    outer = radius * 0.96
    band = np.sin(rho / (radius * 0.037) + rng.uniform(0, 6.28))
    band *= np.sin(rho / (radius * 0.011))
    band = 0.13 + 0.10 * (0.5 + 0.5 * band)
    band[(rho <= inner) | (rho >= outer)] = 0.0  # the groove's depth: nothing outside the grooved band
    band *= 0.5 + 0.5 * np.sin(2 * np.pi * rho / GROOVE_PITCH_PX)
    shade = 1.0 - band
    del band
    shade -= np.exp(-((rho - inner) / 1.5) ** 2) * 0.35
    shade -= np.exp(-((rho - outer) / 1.2) ** 2) * 0.25
    return shade


def _burnt_hole(rgb: np.ndarray, xs: np.ndarray, ys: np.ndarray, c: float, hole_r: float, rim_w: float, rng):
    """The hole burnt at the surface's centre (`c`, `c`): charred into `rgb` in place; (the square
    about it, the film's alpha there, the rim light there). Worked out in that square only: beyond
    it the char, the cut and the light are exactly nothing (over every pixel they were a third of
    a build)."""
    reach = int(math.ceil(max(2.8 * hole_r, 1.18 * hole_r + 7 * rim_w))) + 2  # (noise: |ragged| <= 1.18 hole_r)
    near = (slice(max(0, int(c) - reach), int(c) + reach),) * 2
    hrho, hphi = np.hypot(xs[near[0]] - c, ys[:, near[1]] - c), np.arctan2(ys[:, near[1]] - c, xs[near[0]] - c)
    ragged = hole_r * (1 + 0.18 * _angular_noise(hphi, rng, 9))
    _scorched(rgb[near], hrho, hphi, ragged, hole_r, rng)
    return near, np.clip(hrho - ragged + 0.5, 0.0, 1.0), np.exp(-((hrho - ragged) / rim_w) ** 2) * 0.5


def _scorched(rgb: np.ndarray, hrho: np.ndarray, hphi: np.ndarray, ragged: np.ndarray, hole_r: float,
              rng) -> None:
    """The burnt hole about the surface centre: ragged, with a charred, brown, rough rim (`rgb`
    darkened in place)."""
    scorch = np.clip(1.0 - (hrho - ragged) / (hole_r * 1.6), 0.0, 1.0) ** 1.5
    scorch *= 0.75 + 0.25 * _angular_noise(hphi, rng, 23)
    char = np.array([34, 20, 9], dtype=np.float32)
    rgb *= (1 - scorch)[..., None]
    rgb += char * scorch[..., None]


def _shadow(alpha: np.ndarray) -> pygame.Surface:
    """A soft shadow of the disc on the lightbox: its outline, blurred, a little below right; as
    what the lightbox is multiplied by (255 - the shadow's alpha), not as black with an alpha:
    the same pixels to a level, and a multiply is half the blend's time (0.36 ms a 950 px disc)."""
    size = alpha.shape[0]
    small = max(8, size // 12)
    mask = pygame.Surface((size, size), 0, 32)
    pygame.surfarray.pixels3d(mask)[:] = (255 - alpha * 150).astype(np.uint8)[..., None]
    return pygame.transform.smoothscale(pygame.transform.smoothscale(mask, (small, small)), (size, size))


def _sheen(size: int, radius: float, hole_r: float) -> pygame.Surface:
    """Two opposite soft highlights, the way a ceiling light lies on a grooved disc."""
    c = size / 2.0
    xs = np.arange(size, dtype=np.float32)[:, None] + 0.5 - c
    ys = np.arange(size, dtype=np.float32)[None, :] + 0.5 - c
    rho, phi = np.hypot(xs, ys), np.arctan2(ys, xs)
    lobes = np.cos(phi - math.radians(-55)) ** 2
    lobes = lobes ** 6
    reach = np.clip((radius * 0.9 - rho) / (radius * 0.12), 0, 1) * np.clip((rho - hole_r * 3) / (hole_r * 3), 0, 1)
    light = 70.0 * lobes * reach * (0.75 + 0.25 * np.sin(rho / 3.0))
    del rho, phi, lobes, reach
    sheen = pygame.Surface((size, size))
    value = np.clip(light, 0, 255).astype(np.uint8)
    del light
    pixels = pygame.surfarray.pixels3d(sheen)
    for channel, tint in enumerate((0.85, 0.92, 1.0)):  # a cool white, a channel at a time
        pixels[..., channel] = (value * tint).astype(np.uint8)
    del pixels  # (the view holds the surface locked)
    return sheen


def _scissor_edge(phi: np.ndarray, radius: float, rng: np.random.Generator) -> np.ndarray:
    n = int(rng.integers(28, 44))
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = radius * (1 - np.abs(rng.normal(0, 0.012, n)) - 0.004)
    angles = np.concatenate([angles[-1:] - 2 * np.pi, angles, angles[:1] + 2 * np.pi])
    radii = np.concatenate([radii[-1:], radii, radii[:1]])
    return np.interp(np.mod(phi, 2 * np.pi), angles, radii).astype(np.float32)


NOISE_TABLE = 8192  # samples of a turn: the noise read from them is within 1e-4 of its sum (test)


def _angular_noise(phi: np.ndarray, rng: np.random.Generator, harmonics: int) -> np.ndarray:
    """Smooth random function of angle in about [-1, 1]: its harmonics summed over a table of
    angles and read at `phi` (a sum over every pixel was a quarter of a disc's build)."""
    table = np.linspace(-np.pi, np.pi, NOISE_TABLE + 1)
    out = np.zeros_like(table)
    for k in range(1, harmonics + 1):
        out += rng.normal(0, 1.0 / k) * np.cos(k * table + rng.uniform(0, 2 * np.pi))
    out /= max(1e-6, float(np.abs(out).max()))
    return np.interp(phi, table, out).astype(phi.dtype)


def square(scan: pygame.Surface, side: int) -> pygame.Surface:
    """The scan's centre square at `side` px (a film is cut round from its middle)."""
    w, h = scan.get_size()
    s = min(w, h)
    crop = scan.subsurface(pygame.Rect((w - s) // 2, (h - s) // 2, s, s))
    if crop.get_bitsize() < 24:  # 8-bit greyscale scans: smoothscale wants 24/32 bits
        rgb = pygame.Surface(crop.get_size(), 0, 24)
        rgb.blit(crop, (0, 0))
        crop = rgb
    return pygame.transform.smoothscale(crop, (side, side))


def _laid(scan: pygame.Surface, size: int, side: int, cx: float, cy: float) -> np.ndarray:
    """The scan cover-cropped to a `side` square, laid with its centre on the disc's (`cx`, `cy`)
    in a `size` square of float RGB."""
    rgb = np.zeros((size, size, 3), dtype=np.float32)
    arr = pygame.surfarray.array3d(square(scan, side)).astype(np.float32)
    _paste(rgb, arr, int(round(cx - arr.shape[0] / 2)), int(round(cy - arr.shape[1] / 2)))
    return rgb


def _paste(dst: np.ndarray, src: np.ndarray, x0: int, y0: int) -> None:
    h, w = dst.shape[:2]
    sx0, sy0 = max(0, -x0), max(0, -y0)
    dx0, dy0 = max(0, x0), max(0, y0)
    dx1, dy1 = min(h, x0 + src.shape[0]), min(w, y0 + src.shape[1])
    dst[dx0:dx1, dy0:dy1] = src[sx0:sx0 + dx1 - dx0, sy0:sy0 + dy1 - dy0]
