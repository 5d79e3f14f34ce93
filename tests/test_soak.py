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


def _soak():
    """bench/soak.py as a module (a script: its folder is not a package)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import soak

    return soak


def _soak_result(sound_rss: list, restarts: list, grooves: list) -> dict:
    """A soak's samples, one an hour, the kiosk flat, the sound process as given."""
    import numpy as np

    rows = [dict(hour=float(h), wall=f"{h:02d}:00", rss=250.0, pictures=50.0, words=5.0, discs=6, cutting=False,
                 rss_sound=rss, grooves=g, restarts=r, plays=200, underruns=0)
            for h, (rss, r, g) in enumerate(zip(sound_rss, restarts, grooves))]
    return dict(rows=rows, frames=[np.full(10, 16.7)], tally=_soak().Tally(), uncaught=[], answered=True, exit=0,
                gestures=1, osc_sent=1, osc_replies=1, cuts=0, discs=6)


def test_the_soak_judges_a_restarted_sound_process_from_its_own_first_disc(capsys):
    """A sound process restarted after the warm-up starts small and loads its core again at its
    first disc: that is not a leak (a loaded run's soak took 127 -> 521 MB for one). A child that
    grows with no restart is still one."""
    report = _soak().report
    # restarted before the warm-up's hour: small there, before its first disc; then as big as the first
    restarted = _soak_result([400, 130, 420, 421, 421, 421], [0, 1, 1, 1, 1, 1], [30, 0, 30, 30, 30, 30])
    assert report(restarted, 5.0, 100, 10.0)
    assert "between cuts (2.0 to 5.0 h) 390.0 -> 391.0 MB" in capsys.readouterr().out
    leaking = _soak_result([400, 400, 430, 460, 490, 520], [0] * 6, [30] * 6)
    assert not report(leaking, 5.0, 100, 10.0)
    assert "MISS RSS growth" in capsys.readouterr().out
