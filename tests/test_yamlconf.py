"""Typed YAML: every kind of error names file, line and key path; odd but valid files load."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from installation.core.yamlconf import ConfigError, limits, load_dataclass


def _even(value: int) -> None:
    if value % 2:
        raise ValueError(f"must be even, got {value}")


@dataclass(frozen=True)
class Inner:
    level: float = field(default=0.5, metadata=limits(0.0, 1.0))
    name: str = "x"


@dataclass(frozen=True)
class Outer:
    count: int = field(default=2, metadata=limits(check=_even))
    mode: str = field(default="a", metadata=limits(choices=("a", "b")))
    flag: bool = False
    maybe: Optional[float] = None
    pair: Tuple[int, int] = field(default=(1, 2), metadata=limits(0, 10))
    tags: Tuple[str, ...] = ()
    items: List[int] = field(default_factory=list)
    inner: Inner = field(default_factory=Inner)
    table: Dict[str, Inner] = field(default_factory=dict)


@dataclass(frozen=True)
class Needs:
    title: str
    year: int = 1956


def load(tmp_path: Path, text: str, cls=Outer, lines=None):
    path = tmp_path / "файл.yaml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return load_dataclass(path, cls, lines=lines)


def problems(tmp_path: Path, text, cls=Outer) -> List[str]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, cls)
    prefix = f"{tmp_path / 'файл.yaml'}:"
    assert all(p.startswith(prefix) for p in info.value.problems), info.value.problems
    return [p[len(prefix):] for p in info.value.problems]


def test_every_field_kind_loads_with_lines_recorded(tmp_path):
    lines = {}
    obj = load(tmp_path, "count: 4\nmode: b\nflag: true\nmaybe: 3\npair: [3, 4]\ntags: [ру, en]\n"
                         "items: [1, 2]\ninner:\n  level: 1\n  name: 1959\ntable:\n  зал: {level: 0.25}\n",
               lines=lines)
    assert obj == Outer(4, "b", True, 3.0, (3, 4), ("ру", "en"), [1, 2], Inner(1.0, "1959"),
                        {"зал": Inner(0.25, "x")})
    assert lines["inner.level"] == 9 and lines["table.зал"] == 12 and lines["count"] == 1


@pytest.mark.parametrize("text,expected", [
    ("count: 3\n", "1: count: must be even, got 3"),
    ("mode: c\n", "1: mode: must be one of a, b; got 'c'"),
    ("flag: 2\n", "1: flag: expected true or false, got 2"),
    ("\n\ninner:\n  level: 1.5\n", "4: inner.level: must be between 0.0 and 1.0, got 1.5"),
    ("inner:\n  levle: 0.1\n", "2: inner.levle: unknown key (did you mean level?)"),
    ("zzz: 1\n", "1: zzz: unknown key (known: count, mode, flag, maybe, pair, tags, items, inner, table)"),
    ("pair: [1, 2, 3]\n", "1: pair: expected 2 items, got 3"),
    ("pair: [1, 11]\n", "1: pair[1]: must be between 0 and 10, got 11"),
    ("items: 5\n", "1: items: expected a list, got '5'"),
    ("items: [1, two]\n", "1: items[1]: expected a whole number, got 'two'"),
    ("inner: [1]\n", "1: inner: expected a mapping, got a list"),
    ("table: 3\n", "1: table: expected a mapping, got '3'"),
    ("table:\n  a: {}\n  a: {}\n", "3: table.a: given twice"),
    ("count: 2\nmode: a\ncount: 4\n", "3: count: given twice"),
    ("count: 2\n\tmode: a\n", "2: YAML syntax error"),
    ("mode: [a\n", "2: YAML syntax error"),
    ("- 1\n- 2\n", "1: expected a mapping, got a list"),
    ("count: 4\nmode: \x00\n", "2: not a text file: character U+0000 is not allowed in YAML"),
])
def test_each_error_kind_names_its_line_and_key(tmp_path, text, expected):
    found = problems(tmp_path, text)
    assert any(p.startswith(expected) for p in found), found


def test_all_problems_are_reported_at_once(tmp_path):
    found = problems(tmp_path, "count: 3\nmode: c\ninner:\n  level: 7\n")
    assert [p.split(":")[0] for p in found] == ["1", "2", "4"]


def test_required_key_missing(tmp_path):
    assert problems(tmp_path, "year: 1957\n", Needs) == ["1: title: required key is missing"]


def test_bom_cyrillic_and_empty_files(tmp_path):
    obj = load(tmp_path, "\ufeffinner:\n  name: «Буги на рёбрах»\n".encode("utf-8"))
    assert obj.inner.name == "«Буги на рёбрах»"
    assert load(tmp_path, "# только комментарий\n") == Outer()
    assert load(tmp_path, "") == Outer()


def test_not_utf8_and_missing_file(tmp_path):
    assert problems(tmp_path, "name: \xe9\n".encode("latin-1"), Inner)[0].startswith("1: cannot read")
    with pytest.raises(ConfigError, match="nope.yaml:1: file not found"):
        load_dataclass(tmp_path / "nope.yaml", Outer)
