"""The seams: one command bus, no import cycles, pygame only on the screen side, narrow interfaces."""
from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from installation.app.kiosk import Kiosk
from installation.config.composed import load_config
from installation.content.library import load_library
from installation.core.commands import CommandBus, Dispatcher, PlayDisc, Quit, SetVolume, ShowScene

from conftest import ROOT


@pytest.mark.slow  # (several seconds: `make test` has it, `make test-fast` leaves it)
def test_sound_osc_and_the_parts_import_without_pygame():
    code = ("import sys; import installation.sound.engine, installation.sound.process, installation.remote.osc.server, "
            "installation.config.composed, installation.show.show, installation.show.programme, "
            "installation.show.health, installation.show.collection, installation.show.audience; "
            "print('pygame' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def _imports(path: Path, package: str) -> set:
    """Modules of this project that `path` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # imports for type checkers only are not imports at run time
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def import_graph() -> dict:
    """Module -> the project's modules it imports, for installation/ and scenes/."""
    modules = {}
    for path in list((ROOT / "installation").rglob("*.py")) + list((ROOT / "scenes").glob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        package = name if rel.name == "__init__" else ".".join(rel.parts[:-1])
        modules[name] = (path, package)
    return {name: {m for m in _imports(path, pkg) if m in modules and m != name}
            for name, (path, pkg) in modules.items()}


def test_no_import_cycles():
    graph = import_graph()
    assert graph["installation.app.kiosk"] >= {"installation.core.commands", "installation.core.registry"}, \
        "graph is read"

    def cycle_from(start):
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return trail + [start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + [nxt]))
        return None

    assert [c for c in map(cycle_from, graph) if c] == []


LAYERS = (  # top to bottom (docs/architecture.md): a module imports from its own layer and those below only
    ("app", ("installation.app", "installation.__main__")),
    ("scenes", ("scenes",)),
    ("screen", ("installation.screen",)),
    ("config", ("installation.config",)),
    ("show", ("installation.show",)),
    ("remote", ("installation.remote",)),
    ("lathe", ("installation.lathe",)),
    ("content", ("installation.content",)),
    ("sound", ("installation.sound",)),
    ("core", ("installation.core",)),
    ("service", ("installation.service",)),
    ("package", ("installation",)),  # __init__: the version and tune_threads
)


def layer_of(module: str) -> int:
    """The index of `module`'s layer (0 is the top); a module in no layer is a failure."""
    matches = [(len(prefix), i) for i, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
               if module == prefix or module.startswith(prefix + ".")]
    assert matches, f"{module} is in no layer: put it in a folder named for its layer"
    return max(matches)[1]


def arrows_up(graph: dict) -> list:
    return sorted(f"{a} ({LAYERS[layer_of(a)][0]}) -> {b} ({LAYERS[layer_of(b)][0]})"
                  for a, targets in graph.items() for b in targets if layer_of(b) < layer_of(a))


def test_every_import_runs_down_the_layers():
    graph = import_graph()
    assert arrows_up({"installation.sound.engine": {"installation.screen.stage"}}), "an arrow up is caught"
    assert not arrows_up({"installation.screen.stage": {"installation.sound.engine"}}), "an arrow down is not"
    loose = [m for m in graph if m.count(".") == 1 and m.startswith("installation.") and m != "installation.__main__"
             and not (ROOT / m.replace(".", "/")).is_dir()]
    assert loose == [], "every module of installation/ lives in a layer's folder"
    assert arrows_up(graph) == []


def test_classes_and_functions_stay_small():
    """The limits a reader can hold in mind: the kiosk a thin shell, no class of 25+ methods, no
    function of 50+ lines."""
    too_big = []
    for path in sorted((ROOT / "installation").rglob("*.py")) + sorted((ROOT / "scenes").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'name', '')}"
            if isinstance(node, ast.ClassDef):
                methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
                if len(methods) > 25:
                    too_big.append(f"{where}: {len(methods)} methods")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 50:
                too_big.append(f"{where}: {node.end_lineno - node.lineno + 1} lines")
    assert too_big == []
    kiosk = next(n for n in ast.walk(ast.parse((ROOT / "installation/app/kiosk.py").read_text(encoding="utf-8")))
                 if isinstance(n, ast.ClassDef) and n.name == "Kiosk")
    attributes = {n.attr for n in ast.walk(kiosk) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)
                  and isinstance(n.value, ast.Name) and n.value.id == "self"}
    methods = [n for n in kiosk.body if isinstance(n, ast.FunctionDef)]
    assert len(attributes) <= 15 and len(methods) <= 20, (sorted(attributes), [m.name for m in methods])


def test_nothing_outside_sound_reaches_into_the_chain():
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                 if ".venv" not in p.parts and "sound" not in p.parts and p.parent.name != "tests"
                 and ".dsp." in p.read_text(encoding="utf-8").replace("cfg.dsp.", "")]
    assert offenders == []


def test_bus_is_bounded_and_counts_what_it_drops():
    bus = CommandBus(capacity=3)
    assert [bus.post(SetVolume(i / 10)) for i in range(5)] == [True, True, True, False, False]
    assert bus.dropped == 2 and len(bus) == 3
    assert bus.drain() == [SetVolume(0.0), SetVolume(0.1), SetVolume(0.2)]
    assert len(bus) == 0 and bus.post(Quit("x"))


def test_dispatcher_routes_by_type_and_logs_unknown(caplog):
    seen = []
    d = Dispatcher({SetVolume: seen.append})
    d.dispatch(SetVolume(0.5))
    d.dispatch(Quit("nobody listens"))
    assert seen == [SetVolume(0.5)] and "no handler for Quit" in caplog.text


@pytest.fixture
def kiosk(tmp_path):
    pygame.display.init()
    pygame.font.init()
    cfg = load_config(ROOT / "config.yaml")
    cfg = dataclasses.replace(cfg, osc=dataclasses.replace(cfg.osc, enabled=False))
    k = Kiosk(cfg, load_library(ROOT / "assets"), pygame.display.set_mode((640, 400)))
    k.show.switch("attract")
    return k


def test_commands_reach_the_main_loop_with_osc_off(kiosk):
    assert kiosk.osc is None
    kiosk.bus.post(ShowScene("player", "vals-kisti"))
    kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "player" and kiosk.show.scene.disc.id == "vals-kisti"
    kiosk.step(1 / 60, events=[pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q,
                                                  mod=pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT)])
    assert not kiosk.running


def test_performer_disc_after_a_long_idle_stays_and_plays_its_side(kiosk):
    limit = kiosk.cfg.kiosk.idle_seconds
    for _ in range(int(limit) + 10):  # nobody has touched the screen for longer than the limit
        kiosk.step(1.0, events=[])
    kiosk.bus.post(PlayDisc("танго-позвонков"))
    kiosk.step(1 / 60, events=[])
    kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "player" and kiosk.show.scene.disc.id == "танго-позвонков"
    for _ in range(int(limit * 2)):  # longer than the idle limit: the performer's disc plays on
        kiosk.step(1.0, events=[])
    assert kiosk.show.scene.name == "player" and kiosk.show.scene.disc.id == "танго-позвонков"
    kiosk.step(1 / 60, events=[])
    kiosk.show.scene.change(+1)  # the side ended (or a visitor moved on): the idle timer applies again
    kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "attract"


def test_performer_scene_change_counts_as_activity(kiosk):
    for _ in range(int(kiosk.cfg.kiosk.idle_seconds) + 10):
        kiosk.step(1.0, events=[])
    kiosk.bus.post(ShowScene("player"))
    for _ in range(10):
        kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "player"


def test_status_is_published_through_the_board(kiosk):
    kiosk.bus.post(ShowScene("player", "vals-kisti"))
    kiosk.step(1 / 60, events=[])
    assert kiosk.health.status.read()["scene"] == "player" and kiosk.health.status.read()["disc"] == "vals-kisti"
