"""Disc folders: the shipped ones load; a broken folder is skipped and named, the rest play on."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from installation.content.library import load_library
from installation.screen.disc_art import load_scan

from conftest import ROOT, run_cli, write_config


def test_shipped_discs_load_with_bilingual_text():
    lib = load_library(ROOT / "assets", deep=True)
    assert lib.problems == []
    assert len(lib.discs) >= 6
    assert any(re.search("[а-я]", d.id) for d in lib.discs), "at least one Cyrillic folder name"
    for d in lib.discs:
        assert re.search("[А-Яа-яЁё]", d.info.title.ru) and d.info.title.en
        assert 120 <= d.audio_seconds <= 200, "a 78 rpm side: two to three minutes"
        assert d.info.story is not None and d.info.story.en
        assert d.info.rpm == 78
    parts = {d.info.body_part.en for d in lib.discs}
    assert {"skull", "chest", "hand", "spine", "pelvis", "knee"} <= parts
    assert [d.info.order for d in lib.discs] == sorted(d.info.order for d in lib.discs)


def test_committed_content_is_small():
    size = sum(p.stat().st_size for p in (ROOT / "assets").rglob("*") if p.is_file())
    assert size < 25 * 1024 * 1024


def break_some(content: Path) -> dict[str, Path]:
    discs = content / "discs"
    good = sorted(discs.iterdir())
    broken = {}
    # 1. garbage bytes where the scan should be
    d = good[0]
    (d / next(p.name for p in d.iterdir() if p.suffix in (".png", ".jpg"))).write_bytes(b"not an image at all")
    broken["image"] = d
    # 2. audio that is not audio
    d = good[1]
    for p in d.iterdir():
        if p.suffix in (".ogg", ".flac", ".wav"):
            p.unlink()
    (d / "audio.ogg").write_bytes(b"OggS" + bytes(200))
    broken["audio"] = d
    # 3. YAML mistake, with a line to name
    d = good[2]
    (d / "disc.yaml").write_text("title:\n  ru: Тест\nartist: {ru: X}\nyear: nineteen\n", encoding="utf-8")
    broken["yaml"] = d
    # 4. a folder with no audio at all
    d = discs / "пустая-папка"
    d.mkdir()
    shutil.copy(good[3] / "disc.yaml", d / "disc.yaml")
    shutil.copy(next(p for p in good[3].iterdir() if p.name.startswith("scan")), d)
    broken["missing"] = d
    return broken


def test_broken_folders_are_skipped_and_named(content_copy):
    broken = break_some(content_copy)
    lib = load_library(content_copy, deep=True, check_scan=load_scan)
    text = "\n".join(lib.problems)
    assert len(lib.discs) == 3  # 6 shipped, 3 broken, plus one broken new folder
    assert f"{broken['image']}/scan" in text and "cannot decode image" in text
    assert f"{broken['audio'] / 'audio.ogg'}: cannot decode audio" in text
    assert f"{broken['yaml'] / 'disc.yaml'}:4: year: expected a whole number, got 'nineteen'" in text
    assert f"{broken['yaml'] / 'disc.yaml'}:1: city: required key is missing" in text
    assert f"{broken['missing']}: no audio file" in text


@pytest.mark.slow  # (several seconds: `make test` has it, `make test-fast` leaves it)
def test_check_command_exit_codes(content_copy, tmp_path):
    ok = run_cli("check")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == ""
    break_some(content_copy)
    cfg = write_config(tmp_path / "config.yaml", content_copy, tmp_path / "data")
    bad = run_cli("--config", str(cfg), "check")
    assert bad.returncode == 1
    lines = bad.stdout.strip().splitlines()
    assert len(lines) == 7  # image, audio, folder without audio, 4 in the bad disc.yaml
    assert any(re.match(r".*disc\.yaml:4: year: ", line) for line in lines)


def test_ambiguous_audio_is_an_error_not_a_guess(content_copy):
    d = next((content_copy / "discs").iterdir())
    soundfile.write(str(d / "another.wav"), np.zeros(1000, np.float32), 22050)
    lib = load_library(content_copy)
    assert any("several files could be the audio file" in p and str(d) in p for p in lib.problems)
