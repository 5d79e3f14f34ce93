"""Procedural x-ray radiographs on blue-black film, for the shipped demo discs.

A projection radiograph shows how much each line of sight absorbs: air and lungs dark, soft
tissue a grey silhouette, bone bright, brightest where the beam runs along a bone's hard
outer wall (the cortex) and mottled inside, where the spongy bone's struts (trabeculae) are.
So each bone here has a cortex and a spongy interior (textured in develop()), long bones
flare into their ends, flat bones are plates with a rim, and the film adds its own fog,
grain, uneven exposure and handling scratches. Proportions follow the anatomy atlases'
standard views: a hand PA, a chest PA, a skull lateral, a knee AP, a lumbar spine lateral
and a pelvis AP. Deterministic for a given seed.
"""
from __future__ import annotations

import math
from typing import List, Sequence, Tuple

import numpy as np
from scipy.ndimage import gaussian_filter

SIZE = 1024
Point = Tuple[float, float]


class Film:
    def __init__(self, seed: int, size: int = SIZE):
        self.rng = np.random.default_rng(seed)
        self.size = size
        y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size  # 0..1 coordinates
        self.x, self.y = x, y
        self.cortex = np.zeros((size, size), np.float32)  # compact bone along the line of sight
        self.spongy = np.zeros((size, size), np.float32)  # cancellous bone (textured later)
        self.soft = np.zeros((size, size), np.float32)  # flesh
        self.metal = np.zeros((size, size), np.float32)

    # -- geometry ----------------------------------------------------------------------------
    def _segment(self, a: Point, b: Point):
        """Distance to segment a-b, and the position t (0..1) along it."""
        vx, vy = b[0] - a[0], b[1] - a[1]
        t = np.clip(((self.x - a[0]) * vx + (self.y - a[1]) * vy) / max(1e-9, vx * vx + vy * vy), 0, 1)
        return np.hypot(self.x - a[0] - t * vx, self.y - a[1] - t * vy), t

    def _ellipse(self, cx, cy, rx, ry, angle=0.0):
        ca, sa = math.cos(angle), math.sin(angle)
        u = ((self.x - cx) * ca + (self.y - cy) * sa) / rx
        v = (-(self.x - cx) * sa + (self.y - cy) * ca) / ry
        return np.sqrt(u * u + v * v)

    @staticmethod
    def _tube(d, r, wall):
        """A cylinder of radius r seen from the side: path length through its wall and its core."""
        inside = np.clip(r * r - d * d, 0, None)
        core_r = np.maximum(r - wall, 1e-4)
        core = np.sqrt(np.clip(core_r * core_r - d * d, 0, None))
        return (np.sqrt(inside) - core) / r, core / r

    # -- bones --------------------------------------------------------------------------------
    def long_bone(self, a: Point, b: Point, r: float, flare_a: float = 0.6, flare_b: float = 0.6,
                  wall: float = 0.3, weight: float = 1.0):
        """A shaft with a thick cortex flaring into spongy ends (epiphyses) at a and b."""
        d, t = self._segment(a, b)
        radius = r * (1 + flare_a * np.exp(-(t / 0.14) ** 2) + flare_b * np.exp(-((1 - t) / 0.14) ** 2))
        ends = np.maximum(np.exp(-(t / 0.16) ** 2), np.exp(-((1 - t) / 0.16) ** 2))
        shell, core = self._tube(d, radius, radius * (wall * (1 - 0.7 * ends) + 0.04))
        self.cortex += weight * 1.1 * shell
        self.spongy += weight * core * (0.35 + 0.65 * ends)

    def plate(self, cx, cy, rx, ry, angle=0.0, rim=0.18, weight=1.0):
        """A compact bone seen flat (carpal, vertebral body, patella): a bright rim, spongy inside."""
        q = self._ellipse(cx, cy, rx, ry, angle)
        body = np.sqrt(np.clip(1 - q * q, 0, None))
        self.spongy += weight * 0.8 * body
        self.cortex += weight * 0.9 * np.exp(-((q - 1 + rim / 2) / (rim / 2)) ** 2) * (q < 1.05)

    def rib(self, points: Sequence[Point], r: float, weight: float = 1.0):
        """A flat curved bone seen edge-on and face-on in turns: two bright margins."""
        d = np.full_like(self.x, 9.0)
        for a, b in zip(points[:-1], points[1:]):
            d = np.minimum(d, self._segment(a, b)[0])
        shell, core = self._tube(d, r, r * 0.35)
        self.cortex += weight * 0.9 * shell
        self.spongy += weight * 0.45 * core

    def void(self, cx, cy, rx, ry, angle=0.0, depth=1.0):
        """Where bone is thin or absent (a foramen, the orbit): less of everything."""
        q = self._ellipse(cx, cy, rx, ry, angle)
        keep = 1 - depth * np.clip((1.1 - q) / 0.25, 0, 1)
        self.cortex *= keep
        self.spongy *= keep

    def flesh(self, cx, cy, rx, ry, angle=0.0, weight=0.3):
        q = self._ellipse(cx, cy, rx, ry, angle)
        self.soft += weight * np.sqrt(np.clip(1 - q * q, 0, None))

    def flesh_along(self, points: Sequence[Point], r: float, weight=0.3):
        d = np.full_like(self.x, 9.0)
        for a, b in zip(points[:-1], points[1:]):
            d = np.minimum(d, self._segment(a, b)[0])
        self.soft = np.maximum(self.soft, weight * np.sqrt(np.clip(1 - (d / r) ** 2, 0, None)))

    def ring(self, cx, cy, rx, ry, angle=0.0):
        """A wedding ring: metal absorbs everything."""
        q = self._ellipse(cx, cy, rx, ry, angle)
        self.metal += np.exp(-((q - 1) / 0.18) ** 2)

    # -- film --------------------------------------------------------------------------------
    def develop(self) -> np.ndarray:
        """Return an RGB uint8 image (rows, cols, 3) as a blue-tinted radiograph."""
        rng = self.rng
        noise = rng.normal(0, 1, self.x.shape).astype(np.float32)
        lattice = gaussian_filter(noise, 1.3) - gaussian_filter(noise, 4.0)  # trabeculae: a fine mesh
        lattice = np.clip(0.5 + lattice / (3 * lattice.std()), 0, 1)
        d = (gaussian_filter(self.soft, 3.0) + self.cortex + self.spongy * (0.25 + 0.55 * lattice)
             + 3.0 * self.metal)
        d = gaussian_filter(d, 0.9)  # the focal spot's blur
        d += gaussian_filter(rng.normal(0, 1, d.shape).astype(np.float32), 60) * 1.2  # uneven exposure
        v = 1 - np.exp(-1.25 * np.clip(d, 0, None))  # film curve: absorption -> brightness
        v = 0.06 + 0.94 * v  # base fog: unexposed film is never black
        v += rng.normal(0, 0.03, v.shape)  # grain
        v *= 1 - 0.4 * np.hypot(self.x - 0.5, self.y - 0.5)  # the beam's falloff
        for _ in range(int(rng.integers(5, 10))):  # handling scratches, bright on the dark film
            x0, y0, x1, y1 = rng.uniform(0, 1, 4)
            dist = self._segment((x0, y0), (x1, y1))[0]
            v += rng.uniform(0.05, 0.14) * np.exp(-(dist * self.size / rng.uniform(0.7, 1.6)) ** 2)
        v = np.clip(v, 0, 1)
        base = np.array([6, 11, 26], np.float32)
        mid = np.array([58, 92, 136], np.float32)
        top = np.array([222, 234, 246], np.float32)
        t = v[..., None]
        rgb = np.where(t < 0.45, base + (mid - base) * (t / 0.45), mid + (top - mid) * ((t - 0.45) / 0.55))
        return np.clip(rgb, 0, 255).astype(np.uint8)


def _along(p: Point, q: Point, s: float) -> Point:
    return p[0] + (q[0] - p[0]) * s, p[1] + (q[1] - p[1]) * s


# -- body parts -------------------------------------------------------------------------------
def hand(seed: int) -> Film:
    """Left hand, PA: forearm, two rows of carpals, five metacarpals, the phalanges; a ring."""
    f = Film(seed)
    rng = f.rng
    f.flesh_along([(0.5, 1.1), (0.5, 0.72)], 0.19, 0.32)  # wrist and palm
    f.flesh(0.5, 0.6, 0.2, 0.17, 0, 0.32)
    f.long_bone((0.44, 1.12), (0.445, 0.80), 0.028, flare_a=0.1, flare_b=0.9)  # radius
    f.long_bone((0.565, 1.12), (0.555, 0.815), 0.019, flare_a=0.1, flare_b=0.5)  # ulna
    carpals = [(0.445, 0.765, 0.027, 0.021), (0.49, 0.77, 0.022, 0.02), (0.53, 0.772, 0.018, 0.018),
               (0.565, 0.765, 0.016, 0.016), (0.43, 0.72, 0.022, 0.02), (0.47, 0.715, 0.02, 0.022),
               (0.51, 0.712, 0.022, 0.024), (0.55, 0.718, 0.021, 0.023)]
    for cx, cy, rx, ry in carpals:
        f.plate(cx + rng.uniform(-0.002, 0.002), cy, rx, ry, rng.uniform(-0.4, 0.4))
    # digits: base on the carpals, direction, lengths of metacarpal and phalanges
    digits = [((0.425, 0.70), -0.75, (0.13, 0.10, 0.08)),  # thumb: metacarpal + two phalanges
              ((0.46, 0.69), -0.16, (0.20, 0.12, 0.075, 0.055)),
              ((0.50, 0.685), -0.03, (0.205, 0.135, 0.085, 0.06)),
              ((0.535, 0.69), 0.09, (0.19, 0.125, 0.08, 0.058)),
              ((0.565, 0.70), 0.22, (0.17, 0.10, 0.062, 0.05))]
    for k, (base, angle, lengths) in enumerate(digits):
        direction = (math.sin(angle), -math.cos(angle))
        start = base
        pts = [start]
        for j, length in enumerate(lengths):
            end = (start[0] + direction[0] * length * 0.92, start[1] + direction[1] * length * 0.92)
            r = (0.0125 if j == 0 else 0.0105 - 0.0018 * (j - 1)) * (1.15 if k == 0 else 1.0)
            f.long_bone(start, end, r, flare_a=0.55, flare_b=0.45 if j < len(lengths) - 1 else 0.25)
            start = (end[0] + direction[0] * 0.008, end[1] + direction[1] * 0.008)  # the joint's gap
            pts.append(start)
        f.flesh_along(pts, 0.032 if k else 0.036, 0.34)
        if k == 3:  # a wedding ring on the fourth finger's first phalanx
            c = _along(pts[1], pts[2], 0.45)
            f.ring(c[0], c[1], 0.02, 0.007, angle + math.pi / 2)
    return f


def ribcage(seed: int) -> Film:
    """Chest PA: dark lungs, ribs curving out and down from the spine, clavicles, the heart's shadow."""
    f = Film(seed)
    f.flesh(0.5, 0.58, 0.47, 0.5, 0, 0.5)  # the trunk
    f.flesh(0.5, 0.05, 0.2, 0.12, 0, 0.3)  # the neck
    for side in (-1, 1):  # the lungs hold air: much less in the way
        f.soft -= 0.38 * np.sqrt(np.clip(1 - f._ellipse(0.5 + side * 0.2, 0.5, 0.16, 0.3) ** 2, 0, None))
    f.flesh(0.56, 0.7, 0.17, 0.13, -0.3, 0.55)  # the heart, to the patient's left
    f.flesh(0.5, 0.45, 0.06, 0.35, 0, 0.3)  # the mediastinum
    f.flesh(0.5, 0.92, 0.42, 0.12, 0, 0.35)  # the diaphragm's domes and below
    for i in range(12):  # thoracic vertebrae behind it all
        y = 0.14 + i * 0.058
        f.plate(0.5, y, 0.03 + 0.0015 * i, 0.02 + 0.001 * i, 0, weight=0.6)
    for i in range(10):  # posterior ribs: from the spine out, up a little, then round and down
        y0 = 0.15 + i * 0.056
        span = 0.24 + 0.09 * math.sin(min(1.0, i / 5) * math.pi / 2)
        for side in (-1, 1):
            pts = [(0.5 + side * (0.03 + span * s), y0 - 0.03 * math.sin(math.pi * s * 0.9) + 0.16 * s ** 2.2)
                   for s in np.linspace(0, 1, 16)]
            f.rib(pts, 0.0105 + 0.0008 * i)
            # the anterior rib: fainter, from the side back down toward the sternum
            tip = pts[-1]
            front = [(tip[0] - side * 0.16 * s, tip[1] + 0.05 * s + 0.02 * s * s) for s in np.linspace(0, 1, 8)]
            f.rib(front, 0.008, weight=0.35)
    for side in (-1, 1):  # clavicles: a gentle S from the sternum to the shoulder
        pts = [(0.5 + side * (0.035 + 0.3 * s), 0.135 - 0.04 * math.sin(math.pi * s) + 0.02 * s) for s in
               np.linspace(0, 1, 14)]
        f.rib(pts, 0.016)
        f.plate(0.5 + side * 0.36, 0.2, 0.08, 0.13, side * 0.3, weight=0.35)  # scapula, faint
        f.long_bone((0.5 + side * 0.42, 0.16), (0.5 + side * 0.47, 0.5), 0.035, flare_a=1.2, flare_b=0.1)  # humerus
    return f


def _smooth(points: Sequence[Point], closed: bool = False, per_segment: int = 12) -> np.ndarray:
    """A Catmull-Rom curve through `points`: (n, 2) in 0..1 coordinates."""
    p = np.asarray(points, np.float64)
    p = np.vstack([p[-1], p, p[0], p[1]]) if closed else np.vstack([p[0], p, p[-1]])
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        for t in np.linspace(0, 1, per_segment, endpoint=False):
            out.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
                              + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3))
    out.append(p[-2] if not closed else p[1])
    return np.asarray(out)


def _normals(curve: np.ndarray) -> np.ndarray:
    d = np.gradient(curve, axis=0)
    n = np.stack([d[:, 1], -d[:, 0]], axis=1)
    return n / np.maximum(np.hypot(n[:, 0], n[:, 1]), 1e-9)[:, None]


class Drawing:
    """Strokes and filled shapes drawn at the film's resolution (pygame), softened: for the
    shapes the skull's bones are made of, which are not tubes and plates."""

    def __init__(self, film: Film):
        import pygame

        self.pygame, self.size = pygame, film.size

    def _canvas(self, draw) -> np.ndarray:
        pg = self.pygame
        surface = pg.Surface((self.size, self.size))
        surface.fill((0, 0, 0))
        draw(pg, surface)
        return pg.surfarray.array_red(surface).T.astype(np.float32) / 255.0

    def _px(self, curve: np.ndarray) -> list:
        return [(float(x * self.size), float(y * self.size)) for x, y in curve]

    def stroke(self, curve: np.ndarray, width: float, soft: float = 1.2) -> np.ndarray:
        """A line along `curve`, `width` (0..1 units) wide, its edges blurred by `soft` px."""
        w = max(1, int(round(width * self.size)))
        m = self._canvas(lambda pg, s: pg.draw.lines(s, (255, 255, 255), False, self._px(curve), w))
        return gaussian_filter(m, soft)

    def fill(self, curve: np.ndarray, soft: float = 2.0) -> np.ndarray:
        m = self._canvas(lambda pg, s: pg.draw.polygon(s, (255, 255, 255), self._px(curve)))
        return gaussian_filter(m, soft)


def skull(seed: int) -> Film:
    """Skull, lateral (facing left), as a radiologist's film shows it: the vault's two tables
    with the spongy diploe between them, thicker at the brow and the back; the sutures and the
    meningeal grooves; the floor of the skull stepping down in three fossae, the saddle of the
    sella, the dense petrous bone and the ear canal; the orbit's rim, the frontal and maxillary
    sinuses dark with air; the jaw's L with its condyle in front of the ear; teeth with crowns
    of enamel and roots in the bone; the neck's vertebrae; the scalp and the face's profile."""
    f = Film(seed)
    d = Drawing(f)
    rng = f.rng
    # the vault's outer surface, from the brow over the top to the back of the skull's base
    vault = _smooth([(0.165, 0.47), (0.15, 0.38), (0.18, 0.26), (0.27, 0.16), (0.4, 0.1), (0.55, 0.095),
                     (0.7, 0.13), (0.81, 0.22), (0.87, 0.34), (0.875, 0.45), (0.85, 0.54), (0.79, 0.6)])
    s = np.linspace(0, 1, len(vault))
    thick = 0.016 + 0.012 * np.exp(-(s / 0.12) ** 2) + 0.01 * np.exp(-((s - 0.88) / 0.1) ** 2)  # brow, occiput
    inner = vault + _normals(vault) * thick[:, None] * -1
    if np.mean(inner[:, 1]) < np.mean(vault[:, 1]):  # the normals' sense: inward is toward the centre
        inner = vault + _normals(vault) * thick[:, None]
    head = np.vstack([vault, _smooth([(0.75, 0.62), (0.55, 0.6), (0.3, 0.52)])])
    f.flesh(0.5, 0.42, 0.36, 0.32, -0.05, 0.28)  # the brain: soft tissue through the whole width
    scalp = _smooth([(0.14, 0.47), (0.125, 0.37), (0.155, 0.24), (0.26, 0.13), (0.4, 0.07), (0.56, 0.065),
                     (0.72, 0.1), (0.84, 0.2), (0.9, 0.34), (0.9, 0.47), (0.86, 0.58), (0.8, 0.7), (0.84, 0.98),
                     (0.56, 0.98), (0.5, 0.9), (0.3, 0.9), (0.14, 0.9), (0.1, 0.84), (0.11, 0.78), (0.085, 0.74),
                     (0.095, 0.7), (0.08, 0.66), (0.1, 0.62), (0.055, 0.58), (0.1, 0.5)], closed=True)
    f.soft += 0.32 * d.fill(scalp, 6.0)  # the scalp, the face's profile (nose, lips, chin) and the neck
    f.soft += 0.1 * d.fill(head, 8.0)
    # the tables: compact bone, brightest where the beam grazes them; the diploe between
    band = d.fill(np.vstack([vault, inner[::-1]]), 1.2)
    f.cortex += 1.1 * d.stroke(vault, 0.006) + 0.9 * d.stroke(inner, 0.005)
    f.spongy += 0.75 * band
    for a, b in (((0.36, 0.1), (0.41, 0.21)), ((0.77, 0.18), (0.84, 0.33))):  # the coronal and lambdoid sutures
        zig = [_along(a, b, t) for t in np.linspace(0, 1, 12)]
        zig = [(x + (0.006 if i % 2 else -0.006), y) for i, (x, y) in enumerate(zig)]
        line = d.stroke(_smooth(zig, per_segment=3), 0.003, 0.8)
        f.cortex *= 1 - 0.35 * line
        f.spongy *= 1 - 0.35 * line
    for start, bend in (((0.47, 0.5), 0.0), ((0.5, 0.48), 0.05)):  # the middle meningeal artery's grooves
        x, y = start
        pts = [(x, y)]
        for _ in range(9):
            x, y = x + rng.uniform(-0.01, 0.03) + bend, y - rng.uniform(0.03, 0.045)
            pts.append((x, y))
        f.cortex *= 1 - 0.25 * d.stroke(_smooth(pts), 0.004, 1.5)
    # the floor: the anterior fossa (the orbits' roofs), the sella turcica, the clivus down to the neck
    f.cortex += 0.7 * d.stroke(_smooth([(0.19, 0.46), (0.28, 0.43), (0.38, 0.44), (0.45, 0.47)]), 0.005)
    f.cortex += 0.4 * d.stroke(_smooth([(0.2, 0.47), (0.3, 0.455), (0.4, 0.465), (0.46, 0.48)]), 0.004)  # the other side
    sella = _smooth([(0.45, 0.47), (0.47, 0.495), (0.49, 0.505), (0.51, 0.495), (0.515, 0.465)])
    f.cortex += 1.0 * d.stroke(sella, 0.006)
    f.soft -= 0.12 * d.fill(_smooth([(0.44, 0.52), (0.52, 0.52), (0.52, 0.57), (0.45, 0.58)], closed=True), 5)  # sphenoid sinus
    f.spongy += 0.6 * d.stroke(_smooth([(0.515, 0.47), (0.55, 0.54), (0.6, 0.62), (0.62, 0.66)]), 0.03, 3)  # clivus
    petrous = _smooth([(0.54, 0.5), (0.7, 0.53), (0.74, 0.6), (0.62, 0.6)], closed=True)
    f.cortex += 0.9 * d.fill(petrous, 4.0)  # the petrous bone: the densest in the body
    f.spongy += 0.6 * d.fill(_smooth([(0.7, 0.58), (0.77, 0.57), (0.78, 0.65), (0.71, 0.66)], closed=True), 3)
    cells = rng.normal(0, 1, f.x.shape).astype(np.float32)
    cells = gaussian_filter(cells, 2.5) > 0.25  # the mastoid's air cells, a honeycomb
    f.spongy -= 0.45 * cells * d.fill(_smooth([(0.71, 0.59), (0.77, 0.58), (0.775, 0.64), (0.72, 0.65)], closed=True))
    f.void(0.67, 0.585, 0.014, 0.013, 0, 0.9)  # the ear canal...
    f.cortex += 0.5 * np.exp(-((f._ellipse(0.67, 0.585, 0.016, 0.015) - 1) / 0.12) ** 2)  # ...and its rim
    # the face: the orbit's rim, the frontal sinus behind the brow, the nose, the maxilla and its sinus
    f.cortex += 0.95 * d.stroke(_smooth([(0.175, 0.45), (0.235, 0.44), (0.27, 0.48), (0.265, 0.55), (0.23, 0.58)]), 0.008)
    f.cortex += 0.4 * d.stroke(_smooth([(0.18, 0.47), (0.2, 0.53), (0.225, 0.575)]), 0.004)
    sinus = _smooth([(0.17, 0.36), (0.2, 0.35), (0.215, 0.42), (0.18, 0.44)], closed=True)
    air = d.fill(sinus, 2.5)
    f.spongy *= 1 - 0.6 * air
    f.cortex *= 1 - 0.3 * air
    f.cortex += 0.5 * d.stroke(np.vstack([sinus, sinus[:1]]), 0.003, 1.0)
    f.cortex += 0.6 * d.stroke(_smooth([(0.165, 0.47), (0.14, 0.51), (0.11, 0.56)]), 0.006)  # the nasal bones
    f.cortex += 0.5 * d.stroke(_smooth([(0.12, 0.59), (0.14, 0.63), (0.155, 0.675)]), 0.007)  # the maxilla's front
    antrum = _smooth([(0.19, 0.565), (0.3, 0.56), (0.31, 0.615), (0.2, 0.625)], closed=True)
    f.soft -= 0.16 * d.fill(antrum, 4)  # the maxillary sinus: air
    f.cortex += 0.45 * d.stroke(np.vstack([antrum, antrum[:1]]), 0.004, 1.5)
    f.cortex += 0.55 * d.stroke(_smooth([(0.27, 0.55), (0.4, 0.555), (0.55, 0.56), (0.62, 0.57)]), 0.012, 2.5)  # zygomatic arch
    f.cortex += 0.8 * d.stroke(_smooth([(0.14, 0.63), (0.28, 0.625), (0.42, 0.62)]), 0.009)  # the hard palate
    f.cortex += 0.4 * d.stroke(_smooth([(0.43, 0.57), (0.435, 0.64), (0.44, 0.7)]), 0.006)  # the pterygoid plates
    # the jaw: its body, the angle, the ramus up to the condyle at the joint, the coronoid under the arch
    jaw = _smooth([(0.135, 0.76), (0.125, 0.82), (0.16, 0.865), (0.3, 0.86), (0.45, 0.835), (0.53, 0.8),
                   (0.56, 0.74), (0.58, 0.66), (0.6, 0.6), (0.63, 0.585), (0.62, 0.62), (0.57, 0.65),
                   (0.52, 0.61), (0.5, 0.58), (0.48, 0.62), (0.45, 0.72), (0.4, 0.76), (0.25, 0.775)], closed=True)
    f.spongy += 0.7 * d.fill(jaw, 2.0)
    f.cortex += 0.9 * d.stroke(_smooth([(0.135, 0.76), (0.125, 0.82), (0.16, 0.865), (0.3, 0.86), (0.45, 0.835),
                                        (0.53, 0.8), (0.56, 0.74), (0.58, 0.66), (0.6, 0.6)]), 0.013, 1.5)
    f.cortex += 0.5 * d.stroke(_smooth([(0.57, 0.65), (0.52, 0.61), (0.5, 0.58), (0.48, 0.62), (0.45, 0.72)]), 0.006)
    f.cortex += 0.35 * d.stroke(_smooth([(0.22, 0.83), (0.38, 0.82), (0.5, 0.76), (0.55, 0.66)]), 0.005)  # its canal's wall
    f.cortex += 0.6 * np.exp(-((f._ellipse(0.61, 0.595, 0.022, 0.016, 0.3) - 1) / 0.2) ** 2)  # the condyle's head
    # teeth: enamel crowns meeting at the bite, roots tapering into the bone, molars wide with two roots
    for row, (bite, up) in enumerate(((0.714, -1), (0.724, 1))):
        x = 0.158 if row == 0 else 0.17
        for i, (width, root) in enumerate(((0.017, 0.055), (0.016, 0.052), (0.019, 0.072), (0.02, 0.055),
                                           (0.021, 0.055), (0.03, 0.048), (0.03, 0.046), (0.028, 0.04))):
            lean = 0.35 if i < 2 else 0.0  # the incisors lean forward out of the jaw
            cx, crown_h = x + width / 2, 0.03 + (0.005 if i == 2 else 0)
            neck = bite + up * crown_h
            crown = _smooth([(cx - width * 0.45, bite), (cx - width * 0.52, bite + up * crown_h * 0.5),
                             (cx - width * 0.42, neck), (cx + width * 0.42, neck),
                             (cx + width * 0.52, bite + up * crown_h * 0.5), (cx + width * 0.45, bite),
                             (cx, bite - up * 0.002)], closed=True)
            f.cortex += rng.uniform(0.75, 0.95) * d.fill(crown, 1.2)  # enamel: the brightest thing on the film
            f.cortex += 0.5 * d.stroke(np.vstack([crown, crown[:1]]), 0.004, 1.0)
            f.cortex += 0.25 * d.fill(crown + np.array([0.006, 0.002]), 1.5)  # the other side's tooth, just behind
            roots = ((cx, width * 0.8),) if i < 5 else ((cx - width * 0.22, width * 0.45), (cx + width * 0.22, width * 0.45))
            for k, (rx, rw) in enumerate(roots):
                splay = (k - 0.5) * 0.012 if len(roots) > 1 else 0.0
                tip = (rx - lean * root * 0.3 * -1 + splay - lean * 0.02, neck + up * root)
                body = _smooth([(rx - rw / 2, neck), (rx - rw * 0.4 + (tip[0] - rx) * 0.5, neck + up * root * 0.55),
                                tip, (rx + rw * 0.4 + (tip[0] - rx) * 0.5, neck + up * root * 0.55),
                                (rx + rw / 2, neck)], closed=True)
                f.cortex += 0.55 * d.fill(body, 1.0)  # dentine
                f.cortex *= 1 - 0.3 * d.stroke(_smooth([(rx, neck), tip]), 0.003, 0.8)  # the pulp canal
            x += width + 0.003
    # the neck: the atlas's front arch, the axis with its dens, then vertebral bodies down the curve
    f.plate(0.655, 0.655, 0.014, 0.011, 0, weight=0.9)
    f.rib([(0.73, 0.64), (0.8, 0.65), (0.84, 0.67)], 0.012, 0.8)  # the atlas's posterior arch
    for i in range(5):
        cx, cy = 0.69 + 0.014 * i, 0.7 + i * 0.062
        w, h = 0.062, (0.075 if i == 0 else 0.045)  # the axis is tall: its dens rises into the atlas
        a = 0.12
        corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
        box = [(cx + u * math.cos(a) - v * math.sin(a), cy + u * math.sin(a) + v * math.cos(a)) for u, v in corners]
        shape = _smooth(box, closed=True, per_segment=6)
        f.spongy += 0.75 * d.fill(shape, 1.5)
        f.cortex += 0.7 * d.stroke(np.vstack([shape, shape[:1]]), 0.005, 1.0)
        f.cortex += 0.5 * d.stroke(_smooth([(cx + 0.035, cy - 0.01), (cx + 0.07, cy), (cx + 0.12, cy + 0.03)]), 0.014, 1.5)
    return f


def knee(seed: int) -> Film:
    """Knee, AP: femur into its two condyles, the kneecap over them, tibia and fibula below."""
    f = Film(seed)
    f.flesh_along([(0.5, -0.1), (0.5, 0.5)], 0.3, 0.4)
    f.flesh_along([(0.5, 0.5), (0.52, 1.1)], 0.24, 0.4)
    f.long_bone((0.5, -0.1), (0.5, 0.4), 0.055, flare_a=0.0, flare_b=0.5)  # femoral shaft
    for side in (-1, 1):
        f.plate(0.5 + side * 0.062, 0.445, 0.062, 0.05, 0, rim=0.2)  # condyles
    f.void(0.5, 0.47, 0.02, 0.03, 0, 0.6)  # the notch between them
    f.plate(0.5, 0.4, 0.045, 0.055, 0, rim=0.25, weight=0.8)  # the patella, over the femur
    f.plate(0.5, 0.535, 0.13, 0.03, 0, rim=0.25)  # the tibial plateau (the gap above: cartilage)
    f.long_bone((0.5, 0.55), (0.505, 1.1), 0.05, flare_a=0.6, flare_b=0.0)  # tibia
    f.long_bone((0.635, 0.58), (0.625, 1.1), 0.014, flare_a=1.0, flare_b=0.0)  # fibula, head at the side
    return f


def spine(seed: int) -> Film:
    """Lumbar spine, lateral (front to the left): five bodies stacked in the lumbar curve with
    the discs' gaps between them, bright end plates, pedicles and arches, facet joints, the
    hatchet-shaped spinous processes, the holes where the nerves leave, the sacrum below."""
    f = Film(seed)
    x, y = f.x, f.y
    f.flesh(0.5, 0.5, 0.46, 0.64, 0, 0.42)
    f.flesh(0.5, 0.48, 0.16, 0.6, 0, 0.12)  # the psoas and back muscles: a little more in the way
    for i in range(5):  # L1..L5 from the top
        t = (i + 0.5) / 5
        cy = 0.1 + i * 0.16
        cx = 0.43 - 0.045 * math.sin(math.pi * t)  # the lordosis: the middle bodies furthest forward
        angle = -0.35 * math.cos(math.pi * t) * 0.5  # each body tilted along the curve
        w, h = 0.115 + 0.005 * i, 0.058 + 0.002 * i  # half depth and half height, growing downward
        ca, sa = math.cos(angle), math.sin(angle)
        u = ((x - cx) * ca + (y - cy) * sa) / w
        v = (-(x - cx) * sa + (y - cy) * ca) / h
        waist = 1 - 0.08 * (1 - v * v) * (u < 0)  # the front border curves in a little
        q = ((np.abs(u) / waist) ** 5 + np.abs(v) ** 5) ** 0.2  # a rounded box
        f.spongy += 0.75 * np.clip((1 - q) / 0.06, 0, 1)
        f.cortex += 0.7 * np.exp(-((q - 0.96) / 0.04) ** 2) * (q < 1.06)
        f.cortex += 0.5 * np.exp(-((np.abs(v) - 0.93) / 0.05) ** 2) * (q < 1.0)  # end plates
        back = (cx + w * ca * 0.95, cy + w * sa * 0.95)  # the body's back wall, centre
        def at(du, dv):  # a point in the body's own frame (units of w across, h up)
            return back[0] + du * ca - dv * sa, back[1] + du * sa + dv * ca
        f.rib([at(0, -0.03), at(0.05, -0.035), at(0.085, -0.02)], 0.022)  # pedicle
        f.rib([at(0.085, -0.06), at(0.1, 0.02), at(0.115, 0.06)], 0.018, 0.8)  # the arch, down to the inferior process
        f.plate(*at(0.1, -0.065), 0.022, 0.016, angle + 0.6, rim=0.5, weight=0.6)  # superior articular process
        f.plate(*at(0.12, 0.065), 0.02, 0.015, angle + 0.6, rim=0.5, weight=0.6)  # inferior articular process
        # the spinous process: a broad hatchet pointing backward, its edges brighter than its face
        px, py = at(0.19, 0.015)
        pu = ((x - px) * ca + (y - py) * sa) / 0.085
        pv = (-(x - px) * sa + (y - py) * ca) / 0.032
        pq = (np.abs(pu) ** 4 + np.abs(pv) ** 4) ** 0.25
        f.spongy += 0.45 * np.clip((1 - pq) / 0.15, 0, 1)
        f.cortex += 0.45 * np.exp(-((pq - 0.95) / 0.06) ** 2) * (pq < 1.08)
    # the sacrum: its first segment tilted forward, the rest curving down and back
    sac = f._ellipse(0.5, 0.99, 0.17, 0.085, 0.42)
    f.spongy += 0.65 * np.clip((1 - sac) / 0.08, 0, 1)
    f.cortex += 0.6 * np.exp(-((sac - 0.96) / 0.04) ** 2) * (sac < 1.06)
    f.soft -= 0.12 * np.sqrt(np.clip(1 - f._ellipse(0.17, 0.42, 0.08, 0.3) ** 2, 0, None))  # gas in the bowel
    return f


def pelvis(seed: int) -> Film:
    """Pelvis, AP: the iliac wings fanning up from the hips, the sacrum wedged between them, the
    pelvic inlet's ring, the pubic and ischial rami round the obturator holes, hips and femurs."""
    f = Film(seed)
    x, y = f.x, f.y
    f.flesh(0.5, 0.55, 0.52, 0.5, 0, 0.45)  # hips and belly
    for side in (-1, 1):
        cx = 0.5 + side * 0.215  # the hip joint: the acetabulum round the femoral head
        ay = 0.585  # the hip joint's height
        # the wing: a fan from the acetabulum up and out to the crest (an arch from the sacrum
        # to the anterior superior spine); thin in the middle (the iliac fossa), thick at its rims
        u = side * (x - 0.5)  # lateral distance from the midline
        crest_y = 0.15 + 3.2 * (u - 0.23) ** 2  # the iliac crest's arch
        inner = 0.095 + 0.7 * np.clip(y - 0.45, 0, None)  # the sacroiliac joint, then the sciatic notch
        outer = 0.385 - 0.5 * np.clip(y - 0.3, 0, None)  # the lateral border down to the hip
        inside = (y > crest_y) & (u > inner) & (u < outer) & (y < ay)
        fan = np.clip(np.minimum.reduce([(y - crest_y) / 0.03, (u - inner) / 0.02, (outer - u) / 0.02,
                                         (ay - y) / 0.04]), 0, 1) * inside
        rims = np.clip(1 - np.minimum.reduce([(y - crest_y), (u - inner), (outer - u)]) / 0.05, 0, 1)
        f.spongy += (0.22 + 0.3 * rims) * fan  # the fossa thin, the rims thick
        f.cortex += 0.8 * np.exp(-((y - crest_y) / 0.008) ** 2) * (u > inner) * (u < outer + 0.01) * (y < ay)  # crest
        f.cortex += 0.5 * np.exp(-((u - outer) / 0.007) ** 2) * (y > crest_y) * (y < ay - 0.02)  # lateral border
        f.rib([(0.5 + side * 0.1, 0.43), (0.5 + side * 0.17, 0.5), (cx, 0.55)], 0.016, 0.55)  # the sciatic buttress
        # the pelvic inlet: the arcuate line from the sacral promontory round to the pubis
        brim = [(0.5 + side * (0.03 + 0.165 * math.sin(math.pi * t ** 0.8)), 0.345 + 0.34 * t)
                for t in np.linspace(0.08, 1, 16)]
        f.rib(brim, 0.007, 0.9)
        # the acetabulum's roof over the femoral head, and the head itself
        f.plate(cx, ay, 0.058, 0.058, 0, rim=0.2)
        q = f._ellipse(cx, ay, 0.072, 0.072)
        f.cortex += 0.8 * np.exp(-((q - 1) / 0.07) ** 2) * (y < ay - 0.005)
        # pubic and ischial rami round the obturator foramen
        ox, oy = 0.5 + side * 0.12, 0.735
        f.rib([(cx - side * 0.03, 0.63), (0.5 + side * 0.06, 0.665), (0.5 + side * 0.025, 0.68)], 0.02)  # superior ramus
        f.rib([(0.5 + side * 0.025, 0.7), (0.5 + side * 0.05, 0.77), (0.5 + side * 0.11, 0.815)], 0.016)  # inferior ramus
        f.rib([(cx - side * 0.02, 0.63), (0.5 + side * 0.19, 0.73), (0.5 + side * 0.15, 0.81), (0.5 + side * 0.11, 0.82)], 0.024)  # ischium
        f.void(ox, oy, 0.045, 0.06, side * 0.35, 0.9)
        f.plate(0.5 + side * 0.155, 0.815, 0.035, 0.022, 0, rim=0.6, weight=0.5)  # ischial tuberosity
        # the femur: neck down and out to the greater trochanter, the lesser one inside, the shaft
        f.long_bone((cx + side * 0.02, ay + 0.01), (0.5 + side * 0.3, 0.655), 0.028, flare_a=0.5, flare_b=0.5)
        f.plate(0.5 + side * 0.325, 0.645, 0.04, 0.055, side * 0.2, weight=0.85)  # greater trochanter
        f.plate(0.5 + side * 0.275, 0.745, 0.018, 0.022, 0, rim=0.5, weight=0.5)  # lesser trochanter
        f.long_bone((0.5 + side * 0.31, 0.66), (0.5 + side * 0.28, 1.12), 0.042, flare_a=0.5, flare_b=0)
    f.plate(0.5, 0.7, 0.012, 0.03, 0, weight=0.5)  # the symphysis' cartilage gap between the pubic bones
    # the sacrum: a wedge, wide at the top, its foramina in two rows, the coccyx below
    half = 0.085 * np.clip(1 - (y - 0.34) / 0.28, 0.15, 1)
    sacrum = np.clip(np.minimum((half - np.abs(x - 0.5)) / 0.012, (y - 0.3) / 0.02), 0, 1) * (y < 0.62)
    f.spongy += 0.7 * sacrum
    f.cortex += 0.4 * np.exp(-((np.abs(x - 0.5) - half) / 0.006) ** 2) * (y > 0.3) * (y < 0.6)
    for i in range(4):
        for side in (-1, 1):
            f.void(0.5 + side * (0.04 - 0.005 * i), 0.36 + i * 0.05, 0.011, 0.009, 0, 0.75)
    for i in range(3):
        f.plate(0.5, 0.635 + i * 0.025, 0.014 - 0.003 * i, 0.01, 0, weight=0.6)  # coccyx
    for i, yv in enumerate((0.07, 0.19)):  # L4 and L5 with their transverse processes
        f.plate(0.5, yv, 0.07, 0.045, 0, rim=0.22, weight=0.9)
        for side in (-1, 1):
            f.rib([(0.5 + side * 0.06, yv), (0.5 + side * (0.13 + 0.01 * i), yv - 0.01)], 0.012, 0.8)
        f.plate(0.5, yv + 0.005, 0.012, 0.02, 0, weight=0.6)  # spinous process, seen end-on
    f.soft -= 0.1 * np.sqrt(np.clip(1 - f._ellipse(0.32, 0.25, 0.08, 0.06) ** 2, 0, None))  # gas in the bowel
    return f


BODY_PARTS = {"skull": skull, "ribcage": ribcage, "hand": hand, "spine": spine, "pelvis": pelvis, "knee": knee}
PARTS: List[str] = list(BODY_PARTS)
