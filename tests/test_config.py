"""config.yaml: the shipped file loads; every kind of mistake names file, line and key."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from installation.config.composed import ConfigError, load_config

from conftest import ROOT, run_cli


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
    (tmp_path / "assets" / "discs").mkdir(parents=True)
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
    assert problems == [f"{tmp_path / 'config.yaml'}:2: kiosk.quit_keys: unknown modifier 'hyper' "
                        "(use ctrl, shift, alt, meta)"]


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


def test_missing_content_folder_is_a_config_error_and_run_refuses(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("display:\n  fps: 30\ncontent:\n  directory: ../экспонаты\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert info.value.problems[0].startswith(f"{cfg}:4: content.directory: no discs/ folder in "
                                             f"{(tmp_path.parent / 'экспонаты').resolve()}")
    result = run_cli("--config", str(cfg), "run", "--windowed", env={"SDL_VIDEODRIVER": "dummy"}, timeout=60)
    assert result.returncode == 2 and f"{cfg}:4: content.directory" in result.stderr


def test_check_warns_about_keys_that_can_have_no_effect(tmp_path):
    # every shipped disc sets its own hiss_db; eccentricity is left to the default by none of them either
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"content:\n  directory: {ROOT / 'assets'}\ndata_dir: {tmp_path / 'data'}\n"
                   "dsp:\n  surface:\n    hiss_db: -30\n    rumble_db: -60\nosc:\n  enabled: false\n  port: 9100\n",
                   encoding="utf-8")
    result = run_cli("--config", str(cfg), "check")
    assert result.returncode == 0, result.stdout + result.stderr  # warnings do not fail the check
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        f"warning: {cfg}:6: dsp.surface.hiss_db: has no effect: every disc sets condition.hiss_db in its "
        "disc.yaml, which wins (remove it there to use this default)",
        f"warning: {cfg}:10: osc.port: has no effect: osc.enabled is false"]
    assert "2 warnings" in result.stderr


def test_a_disc_without_its_own_hiss_takes_the_config_default(tmp_path):
    from installation.content.library import Condition
    from installation.sound.settings import for_disc

    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"content:\n  directory: {ROOT / 'assets'}\ndsp:\n  surface:\n    hiss_db: -30\n", encoding="utf-8")
    dsp = load_config(cfg).dsp
    assert for_disc(dsp, Condition()).surface.hiss_db == -30.0
    assert for_disc(dsp, Condition(hiss_db=-50.0)).surface.hiss_db == -50.0


# -- random config files: every one is either accepted or refused line by line, never a traceback --
SHIPPED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, path + (key,))
    else:
        yield path


PATHS = sorted(set(_leaves(SHIPPED)) | {(section,) for section in SHIPPED})
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(alphabet=st.sampled_from("az09:-_ .,/#[]{}'\"\\пёЯ\t"), max_size=12),
                    st.sampled_from(["10:00-18:00", "sat 15:00", "closed", "25:61", "mon,tue 9:00", "2026-13-40 10:00",
                                     "Europe/Moscow", "Марс/Олимп", "ctrl+shift+q", "ctrl+", "surface", "~",
                                     "/nonexistent", "127.0.0.1/33", "0.0.0.0/0", "-1e309", "1e400", "nan", ".inf"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=6)
LINE = re.compile(r"^\S*config\.yaml:\d+: \S")


def _set(tree: dict, path: tuple, value) -> None:
    node = tree
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value


@pytest.mark.slow  # (several seconds: `make test` has it, `make test-fast` leaves it)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=4),
       st.one_of(st.none(), st.tuples(st.integers(0, 200), st.text(max_size=20))))
def test_random_config_files_are_refused_by_line_never_with_a_traceback(tmp_path, changes, raw_line):
    import copy

    from installation.show.calendar import DemoSchedule, OpeningHours, zone

    tree = copy.deepcopy(SHIPPED)
    tree["content"]["directory"] = str(ROOT / "assets")
    for path, value in changes:
        _set(tree, path, value)
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    if raw_line is not None:  # a line typed in the wrong place, or half a line
        lines = text.splitlines()
        at, typed = raw_line
        lines.insert(at % (len(lines) + 1), typed)
        text = "\n".join(lines) + "\n"
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        assert exc.problems, "refused without a reason"
        for problem in exc.problems:
            assert LINE.match(problem), f"no file:line in {problem!r}"
        return
    # accepted: what the kiosk builds from it at start must work too
    OpeningHours(cfg.opening_hours, zone(cfg.demos.timezone))
    DemoSchedule(cfg.demos, tmp_path / "demos.json")


def test_the_gallery_section_is_checked_by_line(tmp_path):
    """gallery: names the broker as host:port, its names are MQTT topic levels, and an enabled
    box's password file must exist: each refused with config.yaml:LINE."""
    from installation.config.composed import ConfigError, load_config

    from conftest import write_config

    bad = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "data",
                       "gallery:\n  enabled: true\n  broker: nohost\n  site: show/1\n")
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    text = str(err.value)
    assert f"{bad}:6: gallery.broker: host:port" in text and f"{bad}:7: gallery.site:" in text, text
    missing = write_config(tmp_path / "config2.yaml", ROOT / "assets", tmp_path / "data",
                           "gallery:\n  enabled: true\n  password_file: nowhere.secret\n")
    with pytest.raises(ConfigError) as err:
        load_config(missing)
    assert f"{missing}:6: gallery.password_file: no file {tmp_path / 'nowhere.secret'}" in str(err.value)
    assert load_config(write_config(tmp_path / "ok.yaml", ROOT / "assets", tmp_path / "data")).gallery.enabled is False


def test_check_warns_when_the_discs_shared_with_the_gallery_cannot_be_fetched(tmp_path):
    """A box sharing its discs (gallery.token_file) whose console listens on 127.0.0.1 only: the
    other boxes would hear of its discs and never reach them; said with the console.host line."""
    from installation.config.composed import gallery_warnings

    from conftest import write_config

    (tmp_path / "site.token").write_text("токен\n", encoding="utf-8")
    shared = "gallery:\n  enabled: true\n  token_file: site.token\n"
    local = write_config(tmp_path / "local.yaml", ROOT / "assets", tmp_path / "data",
                         "console:\n  host: 127.0.0.1\n" + shared)
    assert gallery_warnings(load_config(local)) == [
        f"{local}:5: console.host is 127.0.0.1, but gallery.token_file shares this box's discs: the other boxes "
        "fetch them from its console's server, which they cannot reach there; set console.host: 0.0.0.0"]
    reachable = write_config(tmp_path / "lan.yaml", ROOT / "assets", tmp_path / "data",
                             "console:\n  host: 0.0.0.0\n" + shared)
    assert gallery_warnings(load_config(reachable)) == []
    unshared = write_config(tmp_path / "alone.yaml", ROOT / "assets", tmp_path / "data", "gallery:\n  enabled: true\n")
    assert gallery_warnings(load_config(unshared)) == []


def test_the_encoder_port_is_another_port(tmp_path):
    problems = problems_for(tmp_path, "osc:\n  port: 9000\n  encoder_port: 9000\n")
    assert len(problems) == 1 and "osc: encoder_port (9000) must be another port than `port`" in problems[0]
    assert problems[0].startswith(f"{tmp_path / 'config.yaml'}:")
    from installation.remote.osc.settings import OscConfig

    assert OscConfig(port=9000, encoder_port=9001).encoder_port == 9001
