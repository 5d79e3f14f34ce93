"""Typed YAML: load a YAML file into nested dataclasses, with `file:line` on every error.

Config and disc.yaml are edited by hand by technicians and curators; a message that names
the file, the line and the key path is the difference between a fix and a phone call.
Field limits live in dataclass metadata: ``field(default=..., metadata=limits(lo, hi))``.
"""
from __future__ import annotations

import functools
import re
import types
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import yaml

from .files import read_regular

MAX_TEXT_BYTES = 1_000_000  # a config.yaml or a disc.yaml is a page or two of text


class ConfigError(Exception):
    """One or more problems, each formatted `file:line: key.path: message`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def limits(lo: float | None = None, hi: float | None = None, choices: tuple | None = None, check=None) -> dict:
    """Metadata for a dataclass field: inclusive range, allowed values, or a `check(value)`
    that raises ValueError with a message. For lists and tuples it applies to each item."""
    return {"lo": lo, "hi": hi, "choices": choices, "check": check}


# libyaml's parser where PyYAML was built with it (its wheels are): a tenth of the pure-Python
# parser's time, which was half the start of a 500-disc kiosk; the same nodes and line numbers
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader:
    def __init__(self, path: Path, lines: dict | None = None):
        self.path = path
        self.problems: list[str] = []
        self.lines = lines if lines is not None else {}  # key path -> line, for every key given
        self._constructor = yaml.SafeLoader("")

    def problem(self, node: yaml.Node | None, key: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        where = f"{key}: " if key else ""
        self.problems.append(f"{self.path}:{line}: {where}{message}")

    # -- conversion of one node to one annotated type -------------------------------------
    def convert(self, node: yaml.Node, tp: Any, key: str, meta: dict | None = None) -> Any:
        origin = get_origin(tp)
        if origin is Union or (hasattr(types, "UnionType") and origin is getattr(types, "UnionType")):
            args = [a for a in get_args(tp) if a is not type(None)]
            if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
                return None
            return self.convert(node, args[0], key, meta)
        if isinstance(tp, type) and is_dataclass(tp):
            return self.dataclass(node, tp, key)
        if origin in (list, tuple):
            if not isinstance(node, yaml.SequenceNode):
                self.problem(node, key, f"expected a list, got {_describe(node)}")
                return _BAD
            item_types = get_args(tp)
            if origin is tuple and item_types and item_types[-1] is not Ellipsis:
                if len(node.value) != len(item_types):
                    self.problem(node, key, f"expected {len(item_types)} items, got {len(node.value)}")
                    return _BAD
                items = [self.convert(n, t, f"{key}[{i}]", meta)
                         for i, (n, t) in enumerate(zip(node.value, item_types))]
                return _BAD if _BAD in items else tuple(items)
            item_t = item_types[0] if item_types else Any
            items = [self.convert(n, item_t, f"{key}[{i}]", meta) for i, n in enumerate(node.value)]
            if _BAD in items:
                return _BAD
            return tuple(items) if origin is tuple else items
        if origin is dict:
            if not isinstance(node, yaml.MappingNode):
                self.problem(node, key, f"expected a mapping, got {_describe(node)}")
                return _BAD
            _, val_t = get_args(tp)
            out = {}
            for k, v in node.value:
                name = str(self.scalar(k))
                if name in out:
                    self.problem(k, f"{key}.{name}", "given twice")
                    continue
                self.lines[f"{key}.{name}"] = k.start_mark.line + 1
                out[name] = self.convert(v, val_t, f"{key}.{name}", meta)
            return _BAD if _BAD in out.values() else out
        return self.leaf(node, tp, key, meta or {})

    def scalar(self, node: yaml.Node) -> Any:
        return self._constructor.construct_object(node) if isinstance(node, yaml.ScalarNode) else None

    def leaf(self, node: yaml.Node, tp: type, key: str, meta: dict) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, key, f"expected {_typename(tp)}, got {_describe(node)}")
            return _BAD
        value = self.scalar(node)
        if tp is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if tp is str and not isinstance(value, (str, bool)) and value is not None:
            value = node.value  # "1959" as a title, 2026-12-31 as a date: the text as written
        if tp is not Any and (not isinstance(value, tp) or (tp is int and isinstance(value, bool))):
            self.problem(node, key, f"expected {_typename(tp)}, got {value!r}")
            return _BAD
        lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
        if choices is not None and value not in choices:
            self.problem(node, key, f"must be one of {', '.join(map(str, choices))}; got {value!r}")
            return _BAD
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.problem(node, key, f"must be between {lo} and {hi}, got {value!r}")
            return _BAD
        if meta.get("check") is not None:
            try:
                meta["check"](value)
            except ValueError as exc:
                self.problem(node, key, str(exc))
                return _BAD
        return value

    def dataclass(self, node: yaml.Node, cls: type, key: str) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            node = yaml.MappingNode("tag:yaml.org,2002:map", [], node.start_mark, node.end_mark)
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, key, f"expected a mapping, got {_describe(node)}")
            return _BAD
        hints = _hints(cls)
        known = {f.name: f for f in fields(cls) if f.init}
        given: dict[str, yaml.Node] = {}
        for k_node, v_node in node.value:
            name = str(k_node.value)
            path = f"{key}.{name}" if key else name
            if name not in known:
                close = [n for n in known if n.startswith(name[:3])]
                hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"
                self.problem(k_node, path, f"unknown key{hint}")
            elif name in given:
                self.problem(k_node, path, "given twice")
            else:
                given[name] = v_node
                self.lines[path] = k_node.start_mark.line + 1
        kwargs: dict[str, Any] = {}
        for name, f in known.items():
            path = f"{key}.{name}" if key else name
            if name in given:
                value = self.convert(given[name], hints[name], path, dict(f.metadata))
                if value is not _BAD:
                    kwargs[name] = value
            elif f.default is MISSING and f.default_factory is MISSING:
                self.problem(node, path, "required key is missing")
        if len(self.problems):
            return _BAD
        try:
            obj = cls(**kwargs)
        except ValueError as exc:  # cross-field checks in __post_init__
            self.problem(node, key, str(exc))
            return _BAD
        return obj


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict:
    """A dataclass's field types, evaluated once: string annotations are compiled on every
    get_type_hints call (half a second of a kiosk's start with 500 discs)."""
    return get_type_hints(cls)


class _Bad:
    def __repr__(self) -> str:
        return "<invalid>"


_BAD = _Bad()


def _typename(tp: Any) -> str:
    names = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return repr(node.value)


def decoded(data: bytes, path: Path) -> str:
    """A text file people wrote: UTF-8 (a byte-order mark from Windows' Notepad allowed), or else
    Windows-1251, which a Russian Windows machine saves by default; ConfigError if neither."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        raise ConfigError([f"{path}:1: cannot read: {utf8_error}; save it as UTF-8"]) from None
    if len(re.findall("[\u0400-\u04ff]{3,}", text)) < 2:  # Russian words, not Latin-1 read as Cyrillic
        raise ConfigError([f"{path}:1: cannot read: {utf8_error}; save it as UTF-8"])
    return text


def load_dataclass(path: Path, cls: type, text: str | None = None, lines: dict | None = None) -> Any:
    """Parse `path` (or `text`, reported as `path`) into `cls`; raise ConfigError listing every problem.
    `lines`, if given, is filled with the line of every key found (`audio.block_size` -> 12)."""
    path = Path(path)
    if text is None:
        try:
            text = decoded(read_regular(path, MAX_TEXT_BYTES), path)
        except FileNotFoundError:
            raise ConfigError([f"{path}:1: file not found"]) from None
        except OSError as exc:  # a pipe, a device, a folder, a file far larger than any settings
            raise ConfigError([f"{path}:1: cannot read: {exc.strerror or exc}"]) from None
    try:
        node = yaml.compose(text, Loader=FAST_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([f"{path}:{line}: YAML syntax error: {exc.problem or exc}"]) from None
    except yaml.reader.ReaderError as exc:  # a NUL or another control character: not text at all
        line = text.count("\n", 0, max(0, exc.position)) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError([f"{path}:{line}: not a text file: character U+{code:04X} is not allowed "
                           f"in YAML"]) from None
    except yaml.YAMLError as exc:  # anything else the parser refuses: still one line, never a traceback
        raise ConfigError([f"{path}:1: YAML error: {exc}"]) from None
    if node is None:
        node = yaml.MappingNode("tag:yaml.org,2002:map", [], yaml.Mark(str(path), 0, 0, 0, None, None), None)
    loader = _Loader(path, lines)
    obj = loader.dataclass(node, cls, "")
    if loader.problems:
        raise ConfigError(loader.problems)
    return obj
