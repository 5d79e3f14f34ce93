"""The benchmarks themselves run (a short version): figures are printed, never asserted here."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # end to end, in real time: `make test-fast` leaves it out


def test_dsp_bench_quick_runs_and_prints_its_figures():
    result = subprocess.run([sys.executable, str(ROOT / "bench/bench_dsp.py"), "--quick"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\s+256\s+\d+x", result.stdout, re.M)
    for core in ("compiled", "numpy"):
        assert re.search(f"per 256-frame block, {core}: median [\\d.]+ ms, p99 [\\d.]+ ms = [\\d.]+ %", result.stdout)
    assert re.search(r"the compiled core at a process's start: [\d.]+ s compiled .* [\d.]+ s from numba's cache",
                     result.stdout)
    assert len(re.findall(r"^  (PASS|MISS)  ", result.stdout, re.M)) >= 3, "each figure beside its target"


def test_osc_bench_quick_runs_and_prints_its_figures():
    result = subprocess.run([sys.executable, str(ROOT / "bench/bench_osc.py"), "--quick"], capture_output=True,
                            text=True, timeout=300, env={**__import__("os").environ, "SDL_VIDEODRIVER": "dummy"})
    assert result.returncode == 0, result.stderr
    rows = re.findall(r"^\s*(encoder port|kiosk|python-osc)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)",
                      result.stdout, re.M)
    assert [r[0] for r in rows] == ["encoder port"] * 2 + ["kiosk"] * 2 + ["python-osc"] * 2
    assert len(re.findall(r"^  (PASS|MISS)  encoder port at [12] kHz", result.stdout, re.M)) == 4
    assert re.search(r"throughput, .* ratio [\d.]+", result.stdout)


def test_audio_bench_quick_runs_and_prints_its_figures():
    result = subprocess.run([sys.executable, str(ROOT / "bench/bench_audio.py"), "--quick"], capture_output=True,
                            text=True, timeout=300, env={**__import__("os").environ, "SDL_VIDEODRIVER": "dummy"})
    assert result.returncode == 0, result.stderr
    rows = re.findall(r"^\s*(own process|in-process)\s+\d+\s+(\d+)\s+([\d.]+)%\s+([\d.]+)%", result.stdout, re.M)
    assert [r[0] for r in rows] == ["own process", "in-process"]


def test_frames_bench_quick_runs_and_prints_its_figures():
    import shutil

    if not shutil.which("Xvfb"):
        pytest.skip("needs Xvfb")
    env = {k: v for k, v in __import__("os").environ.items() if k != "SDL_VIDEODRIVER"}
    result = subprocess.run([sys.executable, str(ROOT / "bench/bench_frames.py"), "--quick"], capture_output=True,
                            text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    rows = re.findall(r"^\s+(renderer \(OpenGL\)|renderer \(software\)|surface|surface, pygame turns)"
                      r"((?:\s+[\d.]+ / [\d.]+){3})",
                      result.stdout, re.M)
    assert [r[0] for r in rows] == ["renderer (OpenGL)", "renderer (software)", "surface", "surface, pygame turns"]
    assert re.search(r"surface against surface, pygame turns \(median, cost ratio\): attract [\d.]+x", result.stdout)
    assert re.search(r"first frame [\d.]+ s after start, RSS \d+ MB", result.stdout)


def test_console_bench_quick_runs_and_prints_its_figures():
    result = subprocess.run([sys.executable, str(ROOT / "bench/bench_console.py"), "--quick", "--browsers", "2"],
                            capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "SDL_VIDEODRIVER": "dummy"})
    assert result.returncode == 0, result.stderr
    assert re.search(r"without the console polled\s+median\s+[\d.]+ ms\s+p99\s+[\d.]+ ms", result.stdout)
    assert re.search(r"2 browsers polling\s+median\s+[\d.]+ ms\s+p99\s+[\d.]+ ms\s+p99 ratio [\d.]+x", result.stdout)
    served = re.search(r"served meanwhile: (\d+) status, (\d+) pictures", result.stdout)
    assert served and int(served.group(1)) > 0 and int(served.group(2)) > 0, result.stdout
