"""Play counts in the data directory: persisted, atomic, and never fatal."""
from __future__ import annotations

import json

import pytest

from installation.service.atomic import write_atomic
from installation.service.play_counts import PlayCounts


def test_counts_survive_a_restart(tmp_path):
    PlayCounts(tmp_path).add("череп")
    again = PlayCounts(tmp_path)
    again.add("череп")
    again.add("hand")
    assert json.loads((tmp_path / "play_counts.json").read_text(encoding="utf-8")) == {"череп": 2, "hand": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["play_counts.json"], "no temporary files left behind"


def test_corrupt_file_is_reported_and_replaced(tmp_path, caplog):
    (tmp_path / "play_counts.json").write_text("{half a fi", encoding="utf-8")
    counts = PlayCounts(tmp_path)
    assert "play_counts.json: unreadable" in caplog.text
    counts.add("x")
    assert json.loads((tmp_path / "play_counts.json").read_text()) == {"x": 1}


def test_unwritable_path_keeps_counting_in_memory(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    counts = PlayCounts(blocker / "data")
    counts.add("x")
    assert counts.counts == {"x": 1} and "cannot save play counts" in caplog.text


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "state.json"
    write_atomic(target, "old")


    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # fails while writing
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
