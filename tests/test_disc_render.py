"""The disc on screen: real pygame surfaces and real PNGs from the screenshot command."""
from __future__ import annotations

import math

import numpy as np
import pygame
import pytest
from scipy.ndimage import label

from installation.content.library import load_library
from installation.screen.disc_art import GROOVE_PITCH_PX, build_disc_art, load_scan

from conftest import ROOT, run_cli


@pytest.fixture(scope="module")
def library():
    return load_library(ROOT / "assets")


def luminance(path) -> np.ndarray:
    img = pygame.surfarray.array3d(pygame.image.load(str(path))).astype(np.float32)  # [x, y, rgb]
    return img @ np.array([0.299, 0.587, 0.114], np.float32)


def find_spindle(lum: np.ndarray) -> tuple[float, float]:
    """The burnt hole: the dark blob (background showing through) near the middle of the disc."""
    w = lum.shape[0]
    xs, ys = np.nonzero(lum[: int(w * 0.62)] > 40)
    cx, cy = int(xs.mean()), int(ys.mean())
    win = lum[cx - 40:cx + 41, cy - 40:cy + 41]
    blobs, _ = label(win < 25)
    darkest = blobs[np.unravel_index(np.argmin(win), win.shape)]
    dxs, dys = np.nonzero(blobs == darkest)
    return cx - 40 + dxs.mean(), cy - 40 + dys.mean()


def ring(lum: np.ndarray, center, radius: float, n: int = 1440) -> np.ndarray:
    a = np.arange(n) * 2 * np.pi / n  # screen angles: clockwise, as y points down
    xs = np.round(center[0] + radius * np.cos(a)).astype(int)
    ys = np.round(center[1] + radius * np.sin(a)).astype(int)
    return lum[xs, ys]


def test_player_screenshot_is_a_disc(tmp_path, library):
    out = tmp_path / "player.png"
    result = run_cli("screenshot", "--out", str(out), "--scene", "player", "--at", "2", "--size", "1280x800")
    assert result.returncode == 0, result.stderr
    lum = luminance(out)
    assert lum.shape == (1280, 800)
    sx, sy = (round(v) for v in find_spindle(lum))
    # a dark, burnt hole at the spindle, with film all around it
    assert lum[sx - 2:sx + 3, sy - 2:sy + 3].mean() < 30
    around = ring(lum, (sx, sy), 60)
    assert np.median(around) > 50
    # bright bone pixels on the disc
    disc_area = lum[: 800, :]
    assert (disc_area > 170).mean() > 0.01
    # the grooves: a fine ripple along every radius, GROOVE_PITCH_PX apart, stronger than
    # the image detail at a lower spatial frequency (a plain scan falls off as 1/f)
    f0 = 1 / GROOVE_PITCH_PX
    groove_band = other_band = 0.0
    for k in range(16):  # radii into the upper left, clear of the tonearm (right) and the hint (below)
        a = np.pi + k * np.pi / 32
        profile = np.array([lum[int(sx + r * np.cos(a)), int(sy + r * np.sin(a))] for r in range(150, 280)])
        spectrum = np.abs(np.fft.rfft(profile - profile.mean()))
        freqs = np.fft.rfftfreq(len(profile))
        groove_band += spectrum[np.abs(freqs - f0) < 0.045].max()
        other_band += spectrum[np.abs(freqs - 0.6 * f0) < 0.045].max()
    assert groove_band > 1.4 * other_band
    # Cyrillic title rendered in the panel on the right (bright ink where text goes)
    assert (lum[820:1240, 60:140] > 180).sum() > 500


def test_grooves_are_drawn_only_where_the_music_is(library):
    """The drawn grooves reached 38 mm whatever the disc held; a 2:38 side ends at 61 mm, so a
    finger dropping the needle halfway out of the grooves it saw landed at the end of the side."""
    disc = library.discs[0]
    scan = pygame.Surface((600, 600))
    scan.fill((128, 128, 128))  # a flat scan: only the grooves make ripples
    px_per_mm = 1200 / (disc.info.diameter_cm * 10)

    def ripple(end_mm: float) -> float:
        art = build_disc_art(scan, disc.info.diameter_cm, 1200, seed=1, eccentricity_mm=0.0, grooves_end_mm=end_mm)
        lum = pygame.surfarray.array3d(art.surface).astype(np.float32).mean(axis=2)
        c = lum.shape[0] / 2
        r = np.arange(int(50 * px_per_mm), int(64 * px_per_mm))
        profiles = [lum[(c + r * np.cos(a)).astype(int), (c + r * np.sin(a)).astype(int)] for a in (0.3, 1.9, 4.1)]
        return float(np.mean([np.abs(np.diff(p)).mean() for p in profiles]))

    long_side, short_side = ripple(40.0), ripple(70.0)  # its music ending inside the band, or outside it
    assert long_side > 5 * short_side, (long_side, short_side)


def test_scissor_cut_edge_is_irregular(library):
    disc = library.discs[0]
    art = build_disc_art(load_scan(disc.scan_path), disc.info.diameter_cm, 600, seed=3)
    alpha = pygame.surfarray.array_alpha(art.surface)
    c = alpha.shape[0] / 2
    angles = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    edge = []
    for a in angles:
        r = np.arange(200, c - 1, 0.25)
        xs, ys = (c + r * np.cos(a)).astype(int), (c + r * np.sin(a)).astype(int)
        inside = alpha[xs, ys] > 127
        edge.append((xs[inside][-1], ys[inside][-1]))
    pts = np.array(edge, float)
    # least-squares circle: x² + y² + D x + E y + F = 0
    A = np.c_[pts, np.ones(len(pts))]
    b = -(pts ** 2).sum(1)
    D, E, F = np.linalg.lstsq(A, b, rcond=None)[0]
    centre = np.array([-D / 2, -E / 2])
    radius = math.sqrt(centre @ centre - F)
    residual = np.hypot(*(pts - centre).T) - radius
    assert 295 * 0.95 < radius < 300 * 1.01
    assert residual.std() > 0.8, "a scissor cut is not a compass circle"
    assert np.abs(residual).max() < 0.05 * radius, "but it is still round"
    # and the circle is off the spindle (the surface centre) by the burnt hole's eccentricity
    ecc_px = disc.info.condition.eccentricity_mm * 600 / (disc.info.diameter_cm * 10)
    assert abs(np.hypot(*(centre - c)) - ecc_px) < 1.5


@pytest.mark.slow  # (several seconds: `make test` has it, `make test-fast` leaves it)
def test_rotation_between_frames_matches_rpm(tmp_path, library):
    """Two screenshots 0.1 s apart at 78 rpm: the disc has turned 46.8 degrees clockwise."""
    shots = []
    for at in ("2.0", "2.1"):
        out = tmp_path / f"at{at}.png"
        result = run_cli("screenshot", "--out", str(out), "--at", at, "--size", "1280x800")
        assert result.returncode == 0, result.stderr
        shots.append(luminance(out))
    s0, s1 = np.array(find_spindle(shots[0])), np.array(find_spindle(shots[1]))
    # (the centroid of the 20 px burnt hole, turned nearest-neighbour, moves a little with the angle:
    # 2.34 px between these two frames with the film's soft edge blended, 2.53 with it keyed)
    assert np.hypot(*(s0 - s1)) < 3.0, "the disc turns about its hole"
    spindle = (s0 + s1) / 2
    n = 1440
    score = np.zeros(n)
    for radius in (120, 170, 220):
        a = ring(shots[0], spindle, radius, n)
        b = ring(shots[1], spindle, radius, n)
        a, b = a - a.mean(), b - b.mean()
        score += np.real(np.fft.ifft(np.conj(np.fft.fft(a)) * np.fft.fft(b)))
    shift = np.argmax(score) * 360 / n
    expected = 78 / 60 * 0.1 * 360
    assert abs(shift - expected) < 1.5, f"turned {shift:.1f} deg, expected {expected:.1f}"


def test_attract_screenshot_shows_title_and_cyrillic_disc(tmp_path, library):
    cyr = next(d for d in library.discs if not d.id.isascii())
    out = tmp_path / "attract.png"
    result = run_cli("screenshot", "--out", str(out), "--scene", "attract", "--disc", cyr.id, "--at", "3")
    assert result.returncode == 0, result.stderr
    lum = luminance(out)
    band = lum[:, int(800 * 0.8):]
    assert (band > 150).sum() > 800, "title text in the band"
    assert lum[540:740, 200:500].mean() > 30, "a disc in the middle"


def test_the_screenshot_says_what_is_written_where(tmp_path, library):
    """`screenshot --words`: the screen's text, line by line with its place, for a check over SSH."""
    cyr = next(d for d in library.discs if not d.id.isascii())
    result = run_cli("screenshot", "--out", str(tmp_path / "p.png"), "--scene", "player", "--disc", cyr.id,
                     "--size", "1280x800", "--words")
    assert result.returncode == 0, result.stderr
    lines = [line.split(None, 4) for line in result.stdout.splitlines()[1:]]
    assert lines and all(len(parts) == 5 and all(p.lstrip("-").isdigit() for p in parts[:4]) for parts in lines)
    title = next(parts for parts in lines if parts[4] == cyr.info.title.ru)
    x, y, w, h = (int(v) for v in title[:4])
    assert 0 <= x and x + w <= 1280 and 0 <= y and y + h <= 800, "on the screen"
    assert any(parts[4] == "EN" for parts in lines), "the language button names the other language"


def test_unknown_disc_is_a_clear_error(tmp_path):
    result = run_cli("screenshot", "--out", str(tmp_path / "x.png"), "--disc", "нет-такой")
    assert result.returncode == 1
    assert "no disc 'нет-такой'" in result.stderr


def test_the_picture_cache_keeps_the_recently_drawn_and_counts_their_pixels(library, tmp_path):
    import shutil

    from installation.content.library import load_disc
    from installation.core.yamlconf import ConfigError
    from installation.screen.pictures import PictureCache
    from installation.sound.settings import DspConfig

    cache = PictureCache(3, DspConfig())
    a, b, c, d = library.discs[:4]
    first = cache.get(a, 200)
    assert cache.get(a, 200) is first, "drawn once"
    held = cache.megabytes
    layers = (first.surface, first.sheen, first.shadow, first.turned)
    assert held * 1e6 == sum(s.get_width() * s.get_height() * 4 for s in layers), \
        "disc, highlight, shadow and the disc's keyed copy"
    assert 200 <= first.surface.get_width() < 260
    first.draw(pygame.Surface((300, 300)), (150, 150), 0.1, scale=0.5)  # the carousel's smaller copy
    assert cache.megabytes > held * 1.2
    cache.get(b, 200), cache.get(a, 200), cache.get(c, 200), cache.get(d, 200)  # a drawn again: b is the oldest
    assert len(cache) == 3 and cache.get(a, 200) is first
    assert cache.get(b, 200) is not None and len(cache) == 3

    one = max(cache.get(disc, 200).nbytes for disc in (b, c, d)) / 1e6  # a picture without smaller copies
    tight = PictureCache(10, DspConfig(), megabytes=one * 2.5, keep_at_least=1)  # room for two of these pictures
    for disc in (a, b, c, d):
        tight.get(disc, 200)
    assert len(tight) == 2 and tight.megabytes <= one * 2.5, "bounded in megabytes too"
    assert tight.get(d, 200) is tight.get(d, 200), "the newest kept"
    screenful = PictureCache(10, DspConfig(), megabytes=one / 10, keep_at_least=3)
    for disc in (a, b, c, d):
        screenful.get(disc, 200)
    assert len(screenful) == 3, "never fewer than a screen shows, whatever the megabytes"

    folder = tmp_path / "битый-снимок"
    shutil.copytree(a.folder, folder)
    (folder / a.scan_path.name).write_bytes(b"not a png")
    with pytest.raises(ConfigError, match="битый-снимок.*cannot decode image"):
        cache.get(load_disc(folder), 200)


def rgb(surface: pygame.Surface) -> pygame.Surface:
    """A 24-bit copy (smoothscale wants 24 or 32 bits; convert() wants a display)."""
    out = pygame.Surface(surface.get_size(), 0, 24)
    out.blit(surface, (0, 0))
    return out


def test_a_big_scan_is_drawn_beside_the_frames_from_a_copy_the_size_the_screen_needs(library, tmp_path):
    """A flatbed scan of thousands of pixels: built on the pictures' thread while the frames go
    on (the disc appears when ready), decoded once and reduced in bands, and drawn as the same
    disc as from the whole scan; a corrupt one heard of when its build ends; a build for a
    screen size that has gone is not kept."""
    import shutil

    from installation.content.library import load_disc
    from installation.core.yamlconf import ConfigError
    from installation.screen.pictures import PictureCache
    from installation.sound.settings import DspConfig

    shipped = library.discs[0]
    folder = tmp_path / "большой-снимок"
    shutil.copytree(shipped.folder, folder)
    scan = load_scan(shipped.scan_path)
    (folder / shipped.scan_path.name).unlink()
    grey = pygame.Surface((3000, 2400), 0, 8)  # an 8-bit greyscale scan, as many scanners save
    grey.set_palette([(i, i, i) for i in range(256)])
    grey.blit(pygame.transform.smoothscale(rgb(scan), (3000, 2400)), (0, 0))
    pygame.image.save(grey, str(folder / "scan.png"))
    big = load_disc(folder)

    reduced = load_scan(big.scan_path, 208)
    assert 208 <= min(reduced.get_size()) < 2 * 208 and reduced.get_size()[0] > reduced.get_size()[1]
    whole = pygame.transform.smoothscale(rgb(pygame.image.load(str(big.scan_path))), reduced.get_size())
    assert np.abs(pygame.surfarray.array3d(reduced).astype(int)
                  - pygame.surfarray.array3d(whole).astype(int)).mean() < 3, "the same picture, smaller"

    aside = PictureCache(3, DspConfig(), background=True)
    assert aside.get(big, 200) is None, "not waited for: the frame goes on without it"
    aside.settle()
    art = aside.get(big, 200)
    assert art is not None and aside.get(big, 200) is art
    in_frame = PictureCache(3, DspConfig()).get(big, 200)
    assert art.surface.get_size() == in_frame.surface.get_size()
    drawn, expected = (pygame.surfarray.array3d(a.surface).astype(int) for a in (art, in_frame))
    assert np.abs(drawn - expected).mean() < 3, "the disc drawn from the reduced scan is the disc"

    (folder / "scan.png").write_bytes((folder / "scan.png").read_bytes()[:4000])  # cut short after it was read
    aside.clear()
    assert aside.get(big, 200) is None
    aside.settle()
    with pytest.raises(ConfigError, match="большой-снимок.*cannot decode image"):
        aside.get(big, 200)

    for disc in library.discs[:3]:
        aside.get(disc, 240)
    aside.clear()  # the screen changed size while they were being built
    aside.settle()
    assert len(aside) == 0 and all(aside.get(disc, 240) is None for disc in library.discs[:3])
    aside.close()


def test_the_disc_is_turned_as_a_colour_key_copy_that_leaves_the_background_and_the_film_as_they_are(library):
    """DiscArt.draw turns an opaque copy with its clear part keyed (a copy, not a blend): where
    the film is not, the background stays exactly as it was; where it is, the film's own pixels
    land; the key's colour never shows; and the turned disc matches the alpha-blended one."""
    from installation.screen.disc_art import KEY

    pygame.display.init()
    pygame.display.set_mode((8, 8))
    disc = library.discs[0]
    art = build_disc_art(load_scan(disc.scan_path), disc.info.diameter_cm, 400)
    background = (20, 30, 40)
    for turns in (0.0, 0.137):
        target = pygame.Surface((600, 600), 0, 32)
        target.fill(background)
        art.draw(target, (300, 300), turns)
        shot = pygame.surfarray.array3d(target).astype(int)
        assert not ((shot[..., 0] == KEY[0]) & (shot[..., 1] == KEY[1]) & (shot[..., 2] == KEY[2])).any()
        reference = pygame.Surface((600, 600), 0, 32)  # the same disc blended with its alpha, as before
        reference.fill(background)
        offset = max(2, art.surface.get_width() // 60)
        reference.blit(art.shadow, art.shadow.get_rect(center=(300 + offset, 300 + offset * 3 // 2)),
                       special_flags=pygame.BLEND_RGB_MULT)
        turned = pygame.transform.rotate(art.surface, -360.0 * turns)
        rect = turned.get_rect(center=(300, 300))
        reference.blit(turned, rect)
        reference.blit(art.sheen, art.sheen.get_rect(center=rect.center), special_flags=pygame.BLEND_RGB_ADD)
        diff = np.abs(shot - pygame.surfarray.array3d(reference).astype(int)).max(axis=2)
        assert (diff > 24).mean() < 0.005, f"{(diff > 24).mean():.3%} differ: only the cut edge's soft pixels may"
        assert (shot[5:30, 5:30] == background).all(), "a corner outside the disc and its shadow untouched"
        assert shot[300 - 60:300 + 60, 300 - 140:300 - 100].mean() > 40, "the film is there"


def test_the_compiled_loop_turns_a_disc_into_the_frame_exactly_as_pygame_does(library):
    """turning.py draws the turned disc straight into the frame; pygame's rotate and keyed blit
    are the reference: every pixel of the frame the same, at any angle (multiples of 90 and 45
    among them), at full size and the carousel's scaled copies, and cut off at the frame's edges
    and at a clip rect."""
    from installation.screen import turning

    if turning.warm() is None:
        pytest.skip("numba is not installed")
    pygame.display.init()
    pygame.display.set_mode((8, 8))
    disc = library.discs[1]
    art = build_disc_art(load_scan(disc.scan_path), disc.info.diameter_cm, 360)
    background = pygame.Surface((720, 480), 0, 32)
    background.fill((9, 11, 16))
    angles = [0.0, 0.25, 0.5, 0.125, 0.75, 1e-7, 0.999999] + list(np.random.default_rng(3).uniform(0, 5, 40))
    differing, compared = [], 0
    for turns in angles:
        for scale, center in ((1.0, (360, 240)), (0.7, (30, 470)), (0.45, (700, 10)), (1.0, (-100, 240))):
            frames = []
            for compiled in (True, False):
                frame = background.copy()
                frame.set_clip(pygame.Rect(0, 0, 720, 470) if center[1] == 470 else None)
                art.draw(frame, center, turns, scale, compiled)
                frames.append(pygame.surfarray.array2d(frame) & 0xFFFFFF)
            compared += 1
            if (frames[0] != frames[1]).any():
                differing.append((turns, scale, center, int((frames[0] != frames[1]).sum())))
    assert compared == 4 * len(angles) and not differing, differing
    # a frame whose rows are padded (a subsurface of a wider one) takes the loop's general layout
    wide = pygame.Surface((900, 480), 0, 32)
    frames = []
    for compiled in (True, False):
        wide.blit(background, (0, 0))
        frame = wide.subsurface(pygame.Rect(40, 0, 720, 480))
        assert not pygame.surfarray.pixels2d(frame).flags.f_contiguous
        for turns in angles[:10]:
            art.draw(frame, (360, 240), turns, 1.0, compiled)
        frames.append(pygame.surfarray.array2d(wide) & 0xFFFFFF)
    assert (frames[0] == frames[1]).all(), int((frames[0] != frames[1]).sum())
    assert art.reach < art.surface.get_width() / 2 * 1.05, "the film's reach is about its radius, not the corners"
    # the loop drew something: the film is in the frame, the background around it untouched
    frame = background.copy()
    art.draw(frame, (360, 240), 0.3)
    shot = pygame.surfarray.array3d(frame).astype(int)
    assert shot[360 - 100:360 - 60, 240 - 20:240 + 20].mean() > 40 and (shot[:20, :20] == (9, 11, 16)).all()


def test_the_hole_s_ragged_noise_read_from_a_table_is_its_sum_of_harmonics():
    """The burnt hole's noise is summed over a table of angles and read at every pixel's angle:
    within 1e-4 of the sum taken at every pixel, from the same random draws."""
    from installation.screen.disc_art import _angular_noise

    xs = np.arange(600, dtype=np.float32)[:, None] - 299.5
    phi = np.arctan2(xs.T, xs)
    for harmonics in (9, 23):
        rng, ours = np.random.default_rng(7), _angular_noise(phi, np.random.default_rng(7), harmonics)
        summed = sum(rng.normal(0, 1.0 / k) * np.cos(k * phi + rng.uniform(0, 2 * np.pi))
                     for k in range(1, harmonics + 1))
        summed /= np.abs(summed).max()
        assert ours.dtype == phi.dtype and np.abs(ours - summed).max() < 1e-4
        assert ours.min() < -0.5 and ours.max() > 0.5  # (not flat: a noise about [-1, 1])
