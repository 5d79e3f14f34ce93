"""config.yaml: the shipped file loads; every kind of mistake names file, line and key."""
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from installation.config import ConfigError, load_config


def problems_for(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.problems


def test_shipped_config_loads_with_its_values():
    cfg = load_config(ROOT / "config.yaml")
    assert cfg.audio.sample_rate == 48000
    assert cfg.display.size == (1280, 800)
    assert cfg.content.languages == ("ru", "en")
    assert cfg.content_dir == ROOT / "assets"
    assert not str(cfg.data_path).startswith(str(ROOT)), "runtime state must live outside the source tree"


def test_empty_config_takes_defaults(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("# nothing\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.audio.block_size == 256 and cfg.kiosk.quit_keys == "ctrl+shift+q"
    assert cfg.content_dir == tmp_path / "assets"


def test_unknown_key_names_line_and_path(tmp_path):
    problems = problems_for(tmp_path, "display:\n  fps: 30\naudio:\n  sampel_rate: 44100\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'config.yaml'}:4: audio.sampel_rate: unknown key")
    assert "sample_rate" in problems[0]  # the hint


def test_wrong_type_and_out_of_range_are_all_reported(tmp_path):
    problems = problems_for(tmp_path, "display:\n  fps: fast\naudio:\n  master_volume: 1.5\n  block_size: 12.5\n")
    text = "\n".join(problems)
    assert ":2: display.fps: expected a whole number, got 'fast'" in text
    assert ":4: audio.master_volume: must be between 0.0 and 1.0, got 1.5" in text
    assert ":5: audio.block_size: expected a whole number" in text


def test_list_items_and_choices_are_checked(tmp_path):
    problems = problems_for(tmp_path, "display:\n  size: [1280, 20]\ncontent:\n  languages: [ru, de]\n")
    text = "\n".join(problems)
    assert ":2: display.size[1]: must be between 160 and 8192, got 20" in text
    assert ":4: content.languages[1]: must be one of ru, en; got 'de'" in text


def test_bad_key_chord(tmp_path):
    problems = problems_for(tmp_path, "kiosk:\n  quit_keys: ctrl+hyper+q\n")
    assert problems == [f"{tmp_path / 'config.yaml'}:2: kiosk.quit_keys: unknown modifier 'hyper' (use ctrl, shift, alt, meta)"]


def test_yaml_syntax_error_has_a_line(tmp_path):
    problems = problems_for(tmp_path, "display:\n  fps: 30\n audio: [\n")
    assert problems[0].startswith(f"{tmp_path / 'config.yaml'}:3: YAML syntax error")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert info.value.problems == [f"{tmp_path / 'nope.yaml'}:1: file not found"]


def test_kiosk_refuses_to_start_on_a_bad_config(tmp_path):
    bad = tmp_path / "конфиг.yaml"  # Cyrillic file names work too
    bad.write_text("audio:\n  master_volume: loud\n", encoding="utf-8")
    result = run_cli("--config", str(bad), "run", "--windowed", timeout=60)
    assert result.returncode == 2
    assert f"{bad}:2: audio.master_volume: expected a number, got 'loud'" in result.stderr
