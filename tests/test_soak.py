"""The CI's one-minute soak: the real kiosk, headless, through an opening at 144x, with
simulated visitors and OSC (bench/soak.py; `make soak HOURS=72` is the real one)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # end to end, in real time: `make test-fast` leaves it out


def test_two_minutes_of_soak_open_the_doors_play_and_answer_to_the_end(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--hours", "2.4", "--speed", "144",
                             "--start", "2026-12-07 06:30", "--plays", "150", "--growth", "10",
                             "--device", "no-such-device", "--data", str(tmp_path / "soak")],
                            capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    out = result.stdout
    print(out)
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    assert "MISS" not in out
    for expected in ("ok   plays", "ok   exceptions: 0 logged with a traceback, 0 uncaught",
                     "presence answered at the end: True"):
        assert expected in out, expected
    log = (tmp_path / "soak" / "data" / "kiosk.log").read_text(encoding="utf-8")
    assert "closed: outside opening hours" in log and "open: opening hours" in log, "the doors opened on the fast clock"
    assert "self-test (at start)" in log
