"""What a curator's own computer saves: disc.yaml as Windows-1251 or with a byte-order mark,
the sound as MP3, and a scan too small to be an x-ray, each read or refused by name."""
from __future__ import annotations

import numpy as np
import soundfile

from installation.content.library import load_library
from installation.sound.loader import decode


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
