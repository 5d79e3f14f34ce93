"""What a curator's own computer saves: disc.yaml as Windows-1251 or with a byte-order mark,
the sound as MP3, and a scan too small to be an x-ray, each read or refused by name; what `check`
says of scans too small for the screen and of a dpi the screen contradicts."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import numpy as np
import soundfile

from installation.content.library import load_library
from installation.sound.loader import decode

from conftest import ROOT, on_display, run_cli, write_config


def first_disc(content):
    return sorted((content / "discs").iterdir())[0]


def test_a_disc_yaml_saved_by_russian_windows_is_read(content_copy):
    """Windows-1251 gave `'utf-8' codec can't decode byte 0xd1 in position 18`."""
    folder = first_disc(content_copy)
    text = (folder / "disc.yaml").read_text(encoding="utf-8")
    (folder / "disc.yaml").write_bytes(text.encode("cp1251"))
    second = sorted((content_copy / "discs").iterdir())[1]
    (second / "disc.yaml").write_bytes(b"\xef\xbb\xbf" + (second / "disc.yaml").read_bytes())  # Notepad's BOM
    library = load_library(content_copy)
    assert library.problems == []
    disc = library.find(folder.name)
    assert disc is not None and disc.info.title.ru and any("а" <= c <= "я" for c in disc.info.title.ru.lower())


def test_a_disc_yaml_in_no_text_encoding_says_to_save_it_as_utf8(content_copy):
    folder = first_disc(content_copy)
    (folder / "disc.yaml").write_bytes(b"title: \x98\x98\x98\n")
    problems = load_library(content_copy).problems
    assert len(problems) == 1 and problems[0].startswith(f"{folder / 'disc.yaml'}:1: cannot read:")
    assert "save it as UTF-8" in problems[0]


def test_an_mp3_is_a_disc_like_any_other(content_copy):
    folder = first_disc(content_copy)
    for old in folder.glob("audio.*"):
        old.unlink()
    t = np.arange(44100 * 3) / 44100
    soundfile.write(str(folder / "audio.mp3"), (0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 44100,
                    format="MP3")
    library = load_library(content_copy, deep=True)
    assert library.problems == [] and library.find(folder.name).audio_path.suffix == ".mp3"
    track = decode(folder / "audio.mp3", 48000)
    spectrum = np.abs(np.fft.rfft(track.samples[4800:-4800]))
    peak = np.argmax(spectrum) * 48000 / (len(track.samples) - 9600)
    assert abs(peak - 440) < 3 and 2.8 < len(track) / 48000 < 3.2


def test_a_scan_too_small_to_be_an_x_ray_is_refused_by_name(content_copy):
    import pygame

    folder = first_disc(content_copy)
    scan = next(p for p in folder.iterdir() if p.suffix == ".png")
    pygame.image.save(pygame.Surface((1, 1)), str(scan))
    problems = [p for p in load_library(content_copy).problems if str(scan) in p]
    assert problems == [f"{scan}: 1x1 pixels: too small to show the x-ray (at least 256 pixels on its short side)"]


def test_an_mp3_where_libsndfile_cannot_read_it_says_so(content_copy, monkeypatch):
    folder = first_disc(content_copy)
    for old in folder.glob("audio.*"):
        old.unlink()
    (folder / "audio.mp3").write_bytes(b"ID3" + bytes(200))
    monkeypatch.setattr(soundfile, "available_formats", lambda: {"WAV": "WAV", "FLAC": "FLAC"})  # an old one
    problems = load_library(content_copy).problems
    assert len(problems) == 1 and "does not read MP3" in problems[0] and str(folder / "audio.mp3") in problems[0]


def test_check_says_a_scan_is_too_small_for_the_screen_and_what_it_needs(content_copy, tmp_path):
    """An 800x600 scan is an x-ray, but on a 1920x1080 screen the player draws its disc 960 px
    wide: `check` says so, with the size it needs, and still passes."""
    import pygame

    folder = first_disc(content_copy)
    scan = next(p for p in folder.iterdir() if p.suffix == ".png")
    pygame.image.save(pygame.transform.smoothscale(pygame.image.load(str(scan)), (800, 600)), str(scan))
    cfg = write_config(tmp_path / "config.yaml", content_copy, tmp_path / "data",
                       "display:\n  fullscreen: false\n  size: [1920, 1080]\n")
    out = run_cli("--config", str(cfg), "check", env={"SDL_VIDEODRIVER": "dummy"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"warning: {scan}: 800x600 px is smaller than its disc is drawn on a 1920x1080 "
                                       f"screen: it looks soft; it needs 998 px on its short side"]
    assert "1 warning" in out.stderr


def test_check_says_when_display_dpi_is_not_what_the_screen_reports():
    from installation.config.composed import load_config
    from installation.screen.advice import Screen, dpi_warnings

    cfg = load_config(ROOT / "config.yaml")
    a_32_inch_tv = Screen((1920, 1080), 68.8)
    assert dpi_warnings(cfg, a_32_inch_tv) == [
        f"{cfg.where('display.dpi')} is 96 (the default), but this screen says it has 69 (a 32\" screen at 1920x1080): "
        "text and buttons come out 1.40x the size meant; set display.dpi: 69"]
    assert dpi_warnings(dataclasses.replace(cfg, display=dataclasses.replace(cfg.display, dpi=69)), a_32_inch_tv) == []
    assert dpi_warnings(cfg, Screen((1920, 1080), None)) == [], "a screen that does not say: nothing to compare"


def test_the_screen_is_asked_through_sdl_itself(xvfb):
    """The real question to SDL, on an X server: its size comes back; Xvfb, like many TVs, gives
    no physical size, so no dpi (and so no warning)."""
    code = ("from installation.screen.advice import reported_screen; s = reported_screen(); "
            "print(s.size, s.dpi)")
    out = subprocess.run([sys.executable, "-c", code], env=on_display(xvfb), capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "(1024, 640) None", out.stderr
    headless = subprocess.run([sys.executable, "-c", code], env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
                              capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert headless.stdout.strip().splitlines()[-1] == "None None", "SDL's dummy screen is no screen"


def test_a_folder_dropped_in_while_the_show_runs_joins_once_it_has_settled(content_copy, caplog):
    """It was not seen until the next start. Seen within a look or two, checked by `check`'s own
    code; one still being copied is left alone; a broken one said once with check's line."""
    import shutil

    from installation.content.library import load_disc
    from installation.core.commands import CommandBus, DiscArrived
    from installation.screen.disc_art import load_scan
    from installation.show.dropped import DroppedFolders

    discs = content_copy / "discs"
    bus = CommandBus()
    shown = [p.name for p in discs.iterdir()]  # the show's discs
    watch = DroppedFolders(discs, bus, lambda: shown,
                           lambda folder: load_disc(folder, deep=True, check_scan=load_scan))
    new = discs / "новая"
    new.mkdir()
    shutil.copy(first_disc(content_copy) / "disc.yaml", new / "disc.yaml")  # half copied
    watch.look()
    assert bus.drain() == []
    for name in ("scan.png", "audio.ogg"):
        shutil.copy(first_disc(content_copy) / name, new / name)
    watch.look()
    assert bus.drain() == [], "still changing since the last look: left alone"
    watch.look()
    assert bus.drain() == [DiscArrived(str(new), "a folder dropped into the content folder")]
    watch.look()
    assert bus.drain() == [], "once"
    broken = discs / "сломанная"
    broken.mkdir()
    (broken / "disc.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        for _ in range(4):
            watch.look()
    assert bus.drain() == [] and caplog.text.count("not ready") == 1 and "disc.yaml" in caplog.text
