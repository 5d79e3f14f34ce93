"""Play counts in the data directory: saved off the main loop, atomic, and never fatal."""
from __future__ import annotations

import json

import pytest

from installation.service.atomic import write_atomic
from installation.service.play_counts import PlayCounts


def test_counts_survive_a_restart(tmp_path):
    first = PlayCounts(tmp_path)
    first.add("череп")
    first.close()
    again = PlayCounts(tmp_path)
    again.add("череп")
    again.add("hand")
    again.close()
    assert json.loads((tmp_path / "play_counts.json").read_text(encoding="utf-8")) == {"череп": 2, "hand": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["play_counts.json"], "no temporary files left behind"


def test_a_burst_of_plays_is_saved_once_not_per_play(tmp_path):
    counts = PlayCounts(tmp_path, interval=3600.0)
    for _ in range(256):
        counts.add("танго")
    counts.close()
    assert counts.saves <= 2, "the worker saves at most once an interval, whatever the burst"
    assert json.loads((tmp_path / "play_counts.json").read_text(encoding="utf-8")) == {"танго": 256}


@pytest.mark.parametrize("content", ['{"x": 1e400}', "{half a fi", '[1, 2]', '{"x": -3}', '{"x": true}',
                                     "[" * 100000, b"\x00\xff\xfe garbage"])
def test_a_corrupt_file_is_moved_aside_not_overwritten(tmp_path, caplog, content):
    path = tmp_path / "play_counts.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    original = path.read_bytes()
    counts = PlayCounts(tmp_path)
    assert "play_counts.json: unreadable" in caplog.text and "kept as play_counts.json.broken" in caplog.text
    assert (tmp_path / "play_counts.json.broken").read_bytes() == original, "kept for the technician"
    counts.add("x")
    counts.close()
    assert json.loads(path.read_text()) == {"x": 1}


def test_leftover_temporary_files_are_cleaned_at_start(tmp_path):
    for i in range(8):
        (tmp_path / f".play_counts.json.abc{i}.tmp").write_text("{")
    PlayCounts(tmp_path).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_unwritable_path_keeps_counting_in_memory(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    counts = PlayCounts(blocker / "data")
    counts.add("x")
    counts.close()
    assert counts.counts == {"x": 1} and "cannot save play counts" in caplog.text


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "state.json"
    write_atomic(target, "old")
    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # fails while writing
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
