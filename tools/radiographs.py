"""Procedural x-ray radiographs on blue-black film, for the shipped demo discs.

Bones are drawn as density fields (capsules, rings, blobs with a brighter cortex), blurred
like a real projection, then mapped through a film curve: air black-blue, bone milky white.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import gaussian_filter

SIZE = 1024


class Film:
    def __init__(self, seed: int, size: int = SIZE):
        self.rng = np.random.default_rng(seed)
        self.size = size
        y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size  # 0..1 coordinates
        self.x, self.y = x, y
        self.density = np.zeros((size, size), np.float32)
        self.soft = np.zeros((size, size), np.float32)

    # -- primitives (coordinates 0..1) -----------------------------------------------------
    def _segment_distance(self, a, b):
        ax, ay = a
        bx, by = b
        vx, vy = bx - ax, by - ay
        t = np.clip(((self.x - ax) * vx + (self.y - ay) * vy) / max(1e-9, vx * vx + vy * vy), 0, 1)
        return np.hypot(self.x - ax - t * vx, self.y - ay - t * vy)

    def bone(self, a, b, r, weight=1.0, cortex=0.6):
        """A long bone: a capsule with a bright cortical shell and a fainter marrow."""
        d = self._segment_distance(a, b)
        inside = np.clip((r - d) / (r * 0.25 + 1e-4), 0, 1)
        shell = np.exp(-((d - r * 0.8) / (r * 0.22 + 1e-4)) ** 2)
        self.density += weight * (0.55 * inside + cortex * shell * (d < r * 1.05))

    def blob(self, cx, cy, rx, ry, weight=1.0, angle=0.0, ring=0.0, ring_w=0.15):
        ca, sa = math.cos(angle), math.sin(angle)
        u = ((self.x - cx) * ca + (self.y - cy) * sa) / rx
        v = (-(self.x - cx) * sa + (self.y - cy) * ca) / ry
        q = np.sqrt(u * u + v * v)
        fill = np.clip((1 - q) / 0.08, 0, 1)
        self.density += weight * fill
        if ring:
            self.density += ring * np.exp(-((q - 1 + ring_w / 2) / (ring_w / 2)) ** 2)

    def hole(self, cx, cy, rx, ry, strength=0.5, angle=0.0):
        before = self.density.copy()
        self.blob(cx, cy, rx, ry, -strength, angle)
        self.density = np.maximum(self.density, before * 0.25)

    def tissue(self, cx, cy, rx, ry, weight=0.18):
        q = np.hypot((self.x - cx) / rx, (self.y - cy) / ry)
        self.soft += weight * np.clip(1.2 - q, 0, 1) ** 0.6

    def curve(self, points, r, weight=1.0):
        for a, b in zip(points[:-1], points[1:]):
            d = self._segment_distance(a, b)
            self.density = np.maximum(self.density, weight * (0.5 * np.clip((r - d) / (r * 0.3), 0, 1)
                                                             + 0.5 * np.exp(-((d - r * 0.75) / (r * 0.25)) ** 2) * (d < r)))

    # -- film --------------------------------------------------------------------------
    def develop(self, marker: str = "") -> np.ndarray:
        """Return an RGB uint8 image (rows, cols, 3) as a blue-tinted radiograph."""
        rng = self.rng
        d = gaussian_filter(self.density, 1.6) + gaussian_filter(self.soft, 12)
        d += gaussian_filter(rng.normal(0, 1, d.shape).astype(np.float32), 40) * 0.5  # uneven exposure
        d = np.clip(d, 0, None)
        v = 1 - np.exp(-1.6 * d)  # film curve: density -> brightness
        v += rng.normal(0, 0.025, v.shape)  # grain
        vig = np.hypot(self.x - 0.5, self.y - 0.5)
        v *= 1 - 0.35 * vig
        for _ in range(rng.integers(3, 7)):  # old handling scratches, bright on the dark film
            x0, y0, x1, y1 = rng.uniform(0, 1, 4)
            dist = self._segment_distance((x0, y0), (x1, y1))
            v += 0.12 * np.exp(-(dist * self.size / 1.2) ** 2)
        v = np.clip(v, 0, 1)
        base = np.array([6, 11, 26], np.float32)
        mid = np.array([58, 92, 136], np.float32)
        top = np.array([222, 234, 246], np.float32)
        t = v[..., None]
        rgb = np.where(t < 0.45, base + (mid - base) * (t / 0.45), mid + (top - mid) * ((t - 0.45) / 0.55))
        return np.clip(rgb, 0, 255).astype(np.uint8)


# -- body parts -------------------------------------------------------------------------------
def skull(seed: int) -> Film:
    f = Film(seed)
    f.tissue(0.5, 0.5, 0.42, 0.44)
    f.blob(0.5, 0.42, 0.33, 0.30, 0.35, ring=0.9, ring_w=0.12)  # cranial vault
    f.blob(0.34, 0.55, 0.07, 0.06, 0.0)
    f.hole(0.33, 0.52, 0.075, 0.065, 0.45)  # orbit
    f.hole(0.66, 0.52, 0.075, 0.065, 0.45)
    f.hole(0.5, 0.63, 0.04, 0.06, 0.4)  # nasal cavity
    jaw = [(0.27, 0.62), (0.30, 0.76), (0.40, 0.84), (0.5, 0.86), (0.60, 0.84), (0.70, 0.76), (0.73, 0.62)]
    f.curve(jaw, 0.028, 1.0)
    for i in range(12):  # teeth
        x = 0.36 + i * 0.0255
        f.bone((x, 0.72), (x, 0.78), 0.010, 0.9, cortex=0.9)
    for i, (sx, sy) in enumerate([(0.42, 0.25), (0.55, 0.22), (0.63, 0.3)]):
        f.curve([(sx, sy), (sx + 0.04, sy + 0.03), (sx + 0.07, sy + 0.02)], 0.004, 0.5)  # sutures
    return f


def ribcage(seed: int) -> Film:
    f = Film(seed)
    f.tissue(0.5, 0.55, 0.45, 0.5, 0.25)
    f.hole(0.34, 0.55, 0.15, 0.30, 0.15)  # lungs darker
    f.hole(0.66, 0.55, 0.15, 0.30, 0.15)
    f.tissue(0.56, 0.66, 0.14, 0.12, 0.25)  # heart shadow
    for i in range(13):  # spine
        f.blob(0.5, 0.1 + i * 0.066, 0.035, 0.026, 0.9, ring=0.4)
    for i in range(10):  # ribs, each side a sagging arc
        y = 0.16 + i * 0.062
        for side in (-1, 1):
            pts = [(0.5 + side * (0.04 + 0.36 * t), y + 0.10 * math.sin(math.pi * t) * (0.6 + 0.4 * t) + 0.05 * t)
                   for t in np.linspace(0, 1, 14)]
            f.curve(pts, 0.011, 0.9)
    f.curve([(0.22, 0.10), (0.35, 0.14), (0.47, 0.12)], 0.016, 1.0)  # clavicles
    f.curve([(0.78, 0.10), (0.65, 0.14), (0.53, 0.12)], 0.016, 1.0)
    return f


def hand(seed: int) -> Film:
    f = Film(seed)
    rng = f.rng
    f.tissue(0.5, 0.6, 0.33, 0.42, 0.3)
    f.bone((0.44, 1.05), (0.45, 0.80), 0.045)  # radius
    f.bone((0.58, 1.05), (0.57, 0.81), 0.035)  # ulna
    for i in range(8):  # carpals
        f.blob(0.43 + (i % 4) * 0.045, 0.74 + (i // 4) * 0.045, 0.024, 0.02, 0.9, ring=0.5)
    fingers = [(-0.62, 0.30, 2), (-0.22, 0.42, 3), (-0.05, 0.46, 3), (0.12, 0.43, 3), (0.3, 0.36, 3)]
    for k, (angle, length, n) in enumerate(fingers):
        base = (0.40 + k * 0.045, 0.70)
        direction = (math.sin(angle), -math.cos(angle))
        seg = [0.42, 0.33, 0.25][:n] if n == 3 else [0.5, 0.5]
        start = base
        for j, frac in enumerate([0.35] + seg):
            end = (start[0] + direction[0] * length * frac, start[1] + direction[1] * length * frac)
            f.bone(start, end, 0.018 - 0.002 * j + rng.uniform(-0.001, 0.001))
            start = (end[0] + direction[0] * 0.012, end[1] + direction[1] * 0.012)
    f.blob(0.62, 0.44, 0.02, 0.02, 1.4)  # a ring on a finger: metal shows pure white
    return f


def spine(seed: int) -> Film:
    f = Film(seed)
    f.tissue(0.5, 0.5, 0.35, 0.55, 0.25)
    for i in range(7):
        y = 0.08 + i * 0.135
        f.blob(0.46, y, 0.10, 0.05, 0.7, ring=0.7, ring_w=0.25)  # vertebral body
        f.bone((0.56, y - 0.01), (0.68, y + 0.02), 0.022, 0.8)  # pedicle / process
        f.bone((0.62, y + 0.02), (0.74, y + 0.06), 0.016, 0.8)
    f.hole(0.25, 0.5, 0.08, 0.4, 0.05)
    return f


def pelvis(seed: int) -> Film:
    f = Film(seed)
    f.tissue(0.5, 0.5, 0.48, 0.4, 0.3)
    f.blob(0.27, 0.32, 0.18, 0.16, 0.45, angle=-0.4, ring=0.8)  # iliac wings
    f.blob(0.73, 0.32, 0.18, 0.16, 0.45, angle=0.4, ring=0.8)
    f.blob(0.5, 0.36, 0.09, 0.14, 0.7, ring=0.5)  # sacrum
    for side in (-1, 1):
        f.blob(0.5 + side * 0.22, 0.60, 0.065, 0.065, 0.9, ring=0.6)  # femoral heads
        f.bone((0.5 + side * 0.25, 0.64), (0.5 + side * 0.30, 1.05), 0.05)  # femurs
        f.hole(0.5 + side * 0.11, 0.70, 0.06, 0.045, 0.5)  # obturator foramina
        f.curve([(0.5 + side * 0.03, 0.62), (0.5 + side * 0.12, 0.64), (0.5 + side * 0.18, 0.74)], 0.02, 0.9)
    for i in range(3):
        f.blob(0.5, 0.02 + i * 0.07, 0.07, 0.03, 0.7, ring=0.5)
    return f


def knee(seed: int) -> Film:
    f = Film(seed)
    f.tissue(0.5, 0.5, 0.3, 0.6, 0.3)
    f.bone((0.5, -0.05), (0.5, 0.42), 0.09)  # femur
    f.blob(0.43, 0.46, 0.07, 0.06, 0.8, ring=0.6)  # condyles
    f.blob(0.57, 0.46, 0.07, 0.06, 0.8, ring=0.6)
    f.blob(0.5, 0.38, 0.05, 0.06, 0.9, ring=0.8)  # patella
    f.blob(0.5, 0.57, 0.14, 0.035, 0.8, ring=0.5)  # tibial plateau
    f.bone((0.5, 0.58), (0.5, 1.05), 0.075)  # tibia
    f.bone((0.64, 0.6), (0.64, 1.05), 0.025)  # fibula
    return f


BODY_PARTS = {"skull": skull, "ribcage": ribcage, "hand": hand, "spine": spine, "pelvis": pelvis, "knee": knee}
