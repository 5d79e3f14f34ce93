"""The engine in its own process: it survives kill -9, and a stalled main loop leaves no gap."""
from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from installation.sound.port import Hold, PlayFile
from installation.sound.process import READY, EngineProcess
from installation.sound.settings import AudioConfig, DspConfig

from conftest import pulse_sink

pytestmark = pytest.mark.slow  # end to end, in real time: `make test-fast` leaves it out

RATE = 48000


def wait_until(predicate, timeout: float, what: str) -> float:
    """Seconds it took; generous timeouts: a loaded machine is slow, not broken."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def tone_file(path: Path, seconds: float, freq: float = 440.0, amp: float = 0.5) -> Path:
    t = np.arange(int(seconds * RATE)) / RATE
    soundfile.write(str(path), (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32), RATE, subtype="FLOAT")
    return path


@pytest.fixture
def engine():
    made = []

    def make(**audio) -> EngineProcess:
        e = EngineProcess(AudioConfig(**{"fade_seconds": 0.0, **audio}), DspConfig(enabled=False))
        e.start()
        made.append(e)
        # (120 s: on PulseAudio's sink beside two busy loops a first start stalled past 60 s once)
        wait_until(lambda: e.status().blocks > 0, 120, "the sound process")
        return e
    yield make
    for e in made:
        e.close()


def test_kill_minus_nine_and_the_sound_comes_back_where_it_was(engine, tmp_path, caplog):
    e = engine(device="no-such-device")  # the child's paced null sink
    e.apply(PlayFile("тон", tone_file(tmp_path / "тон.wav", 30.0), e.dsp_cfg))
    wait_until(lambda: e.status().playing_id == "тон" and e.status().position > 2.0, 30, "playing")
    first = e.pid
    with caplog.at_level(logging.INFO):
        os.kill(first, signal.SIGKILL)
        wait_until(lambda: e.restarts == 1 and e.pid != first, 30, "a new sound process")
        wait_until(lambda: (s := e.status()).playing_id == "тон" and s.level > 0.1 and s.position > 2.0, 60,
                   "sound again")
    assert 2.0 < e.status().position < 15.0, "on from where the stylus was, not from the start"
    assert "the sound process exited (code -9); starting it again (restart 1)" in caplog.text
    assert "running on a null sink" in caplog.text, "the child's log lines reach this process's log"


def test_a_hand_on_the_platter_as_the_sound_process_is_restarted_keeps_its_place(engine, tmp_path):
    """A hand holds the platter, turns it 0.8 forward, the sound process is killed and restarted,
    and the hand goes on to 0.2 back: the groove is one turn (60/rpm s) behind where the hand
    took hold, as if nothing had happened (before: the new child took the hand's later turns
    from where the stylus was at the restart, and it was 0.8 of a turn off)."""
    e = engine(device="no-such-device")
    e.apply(PlayFile("тон", tone_file(tmp_path / "тон.wav", 30.0), e.dsp_cfg))
    wait_until(lambda: e.status().playing_id == "тон" and e.status().position > 2.0, 30, "playing")
    per_turn = 60.0 / e.dsp_cfg.motion.rpm

    def resting() -> float:
        """The position once the groove has caught up with the hand (it no longer moves)."""
        before = [e.status().position]

        def still() -> bool:
            time.sleep(0.2)
            before.append(e.status().position)
            return abs(before[-1] - before[-2]) < 0.002
        wait_until(still, 30, "the groove at rest under the hand")
        return before[-1]

    e.apply(Hold(0.05))  # the hand takes hold
    took = resting()
    e.apply(Hold(0.8))
    assert resting() - took == pytest.approx(0.75 * per_turn, abs=0.05)
    first = e.pid
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: e.pid not in (None, first) and e.status().position > 1.0, 90, "the new child at the disc")
    assert resting() - took == pytest.approx(0.75 * per_turn, abs=0.05), "still under the hand, where it was"
    e.apply(Hold(-0.2))
    assert resting() - took == pytest.approx(-0.25 * per_turn, abs=0.08)


def test_a_child_that_keeps_dying_is_restarted_with_a_back_off(engine, caplog):
    e = engine(device="no-such-device")
    waits = []
    with caplog.at_level(logging.ERROR):
        for _ in range(4):
            pid = e.pid
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: e.pid not in (None, pid), 60, "a restart")
            waits.append(caplog.records[-1].getMessage())
            wait_until(lambda: e.status().blocks > 0, 60, "it runs")
    # each quick restart waits longer (0, 0.5, 1, 2 s...); a loaded machine may add a restart of
    # its own (a child slow to start is "stalled"): the kills' waits still only grow
    seconds = [float(re.search(r"again in ([\d.]+) s", w).group(1)) if " in " in w.split("; ")[1] else 0.0
               for w in waits]
    assert seconds[0] <= 0.5 and seconds == sorted(seconds) and seconds[-1] >= 2.0 and len(set(seconds)) >= 3, waits


def test_a_slow_start_is_not_taken_for_a_stall():
    """A child that takes 2.5 s to open its device (a loaded box, a slow sound server) is not
    stalled the moment it is ready: its blocks are due from then on (seen in the soak: 'ready',
    then at once 'stalled (no sound for 2.5 s)' and a restart). The watchdog on a given clock."""
    e = EngineProcess(AudioConfig(device="no-such-device"), DspConfig(enabled=False), stall_seconds=2.0)
    spawned = []

    class Child:
        pid = 1

        def is_alive(self) -> bool:
            return True

        def kill(self) -> None:
            pass

        def join(self, timeout: float) -> None:
            pass

    try:
        e._running, e._child, e._spawn = True, Child(), lambda: spawned.append(1)
        e._commands, e._replies = e._ctx.Queue(), e._ctx.Queue()
        e._spawned, e._last_blocks, e._last_progress, e._ready_seen = 100.0, -1.0, 100.0, False  # spawned at 100 s
        for now in (100.1, 101.0, 102.4):  # opening its device (a start may take 10 s)
            e.check(now)
        e._status[READY] = 1.0  # open at 102.5 s
        for now in (102.5, 103.5, 104.4):
            e.check(now)
        assert e.restarts == 0 and not spawned
        e.check(104.6)  # 2.1 s since it was ready, and not a block: stalled
        assert e.restarts == 1 and spawned
    finally:
        e._running = False
        e._shm.close()
        e._shm.unlink()


def gil_stall(seconds: float) -> float:
    """Hold the interpreter lock in one C call (sum over a range) for at least `seconds`: a
    pure-Python loop would hand the lock over every millisecond and prove nothing. Returns how
    long the one call lasted; on a loaded machine it is tried again, longer, until it is enough."""
    n, lasted = 2_000_000, 0.0
    while lasted < seconds:
        t = time.perf_counter()
        sum(range(n))
        lasted = time.perf_counter() - t
        n = int(n * seconds / max(lasted, 1e-4) * 1.3)
    return lasted


@pytest.fixture
def null_sink():
    """A PulseAudio null sink at 48 kHz float: paced in real time, recordable from its monitor."""
    with pulse_sink() as name:
        old = os.environ.get("PULSE_SINK")
        os.environ["PULSE_SINK"] = name  # the spawned sound process inherits it
        yield name
        if old is None:
            os.environ.pop("PULSE_SINK", None)
        else:
            os.environ["PULSE_SINK"] = old


def _stalled_and_recorded(e, null_sink, raw):
    """The sink recorded while the main loop is stuck in C three times: (stalls, the longest quiet
    run in ms, the quiet windows, the windows, underruns so far)."""
    with open(raw, "wb") as out:
        rec = subprocess.Popen(["parec", "-d", f"{null_sink}.monitor", "--format=float32le", "--rate=48000",
                                "--channels=1", "--raw"], stdout=out)
        try:  # (a loaded machine starts parec late: the stalls come once a second of the tone is on disk)
            wait_until(lambda: raw.stat().st_size >= RATE * 4, 30, "the sink being recorded")
            stalls = [gil_stall(0.35) for _ in range(3)]  # the main loop stuck in C, three times
            time.sleep(1.0)
        finally:
            rec.terminate()
            rec.wait(10)
    assert min(stalls) >= 0.3, stalls
    recorded = np.frombuffer(raw.read_bytes()[: raw.stat().st_size // 4 * 4], dtype="<f4")
    window = 256  # two whole periods (5.3 ms): a continuous tone has the same RMS in every window
    rms = np.sqrt(np.mean(recorded[: len(recorded) // window * window].reshape(-1, window) ** 2, axis=1))
    playing = np.flatnonzero(rms > 0.1)
    assert len(playing) > 400, "the tone reached the sink"
    middle = rms[playing[0] + 1: playing[-1]]  # whole windows only
    quiet = middle < 0.9 * np.median(middle)
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate(([0], quiet.astype(np.int8), [0])))))[::2]
    return stalls, (runs.max() if len(runs) else 0) * window / RATE * 1000.0, quiet, middle, e.status().underruns


def test_a_stalled_main_loop_leaves_no_gap_in_the_sound(engine, null_sink, tmp_path):
    e = engine(device="pulse", block_size=256)
    assert not e.status().is_null, e.status().device
    e.apply(PlayFile("tone", tone_file(tmp_path / "tone.wav", 20.0, freq=375.0), e.dsp_cfg))  # a period: 128 frames
    wait_until(lambda: e.status().playing_id == "tone" and e.status().position > 0.5, 30, "playing")
    for attempt in (1, 2):
        raw = tmp_path / f"monitor{attempt}.raw"
        stalls, longest_ms, quiet, middle, underruns = _stalled_and_recorded(e, null_sink, raw)
        # One gap longer than the three stalls together is not theirs (a sound sharing the main loop's
        # lock is quiet for a stall at most, each time): the sound server's own outage (an xrun that
        # stopped PortAudio's stream until it was reopened: 1.96 s once, idle, 3 underruns). Measured again.
        if longest_ms <= 1000.0 * sum(stalls) + 500.0:
            break
        print(f"attempt {attempt}: a {longest_ms:.0f} ms gap, longer than the stalls together: the device's; again")
    # A sound that shared the main loop's lock would go quiet for the whole stall (350 ms, some 65
    # blocks, three times). A loaded machine's own sound server misses a block now and then, stall
    # or no stall: one 5 ms window in a CI run of the suite (-n 4 on two busy cores), 3 underruns
    # with no gap in another, 80 ms with no underrun in a run beside two more suites. Those are the
    # soak bench's to count (bench_audio: 0 in 120 s idle); a gap half a stall long is this test's.
    assert longest_ms < 500.0 * min(stalls), (f"the tone went quiet for {longest_ms:.0f} ms at a stretch "
                                              f"({int(quiet.sum())} quiet windows, {underruns} underruns)")
    assert quiet.sum() < 10, f"{int(quiet.sum())} quiet windows of {len(middle)}"
    assert underruns < 10


def test_the_real_kiosk_draws_on_while_its_sound_process_is_killed(tmp_path):
    import socket

    from installation.remote.osc.messages import message

    from conftest import ROOT, free_udp_port, kiosk_status, start_kiosk, wait_for, write_config

    port, data = free_udp_port(), tmp_path / "data"
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", data,
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n")
    proc = start_kiosk(cfg, {**os.environ, "SDL_VIDEODRIVER": "dummy"}, tmp_path / "stderr.txt")

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(message("/kiosk/disc", "vals-kisti"), ("127.0.0.1", port))
        # (its sound decoded and its grooves cut first: 30 s missed in a loaded run)
        wait_for(lambda: kiosk_status(port)["position"] > 1.0, 90, "the disc playing")
        child = int(subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "spawn_main"], capture_output=True,
                                   text=True).stdout.split()[0])
        os.kill(child, signal.SIGKILL)
        t0 = time.monotonic()
        seen = []
        while time.monotonic() - t0 < 120:  # the loop publishes every frame: it answers (60 s: short when loaded)
            s = kiosk_status(port)
            seen.append(s["position"])
            if "exited (code -9)" in (data / "kiosk.log").read_text(encoding="utf-8") and s["position"] > 1.0 \
                    and len(seen) > 3 and seen[-1] > seen[-2]:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"no sound again: positions {seen[-10:]}")
        print(f"sound back {time.monotonic() - t0:.2f} s after kill -9 of the sound process")
        assert proc.poll() is None and s["scene"] == "player" and s["disc"] == "vals-kisti"
        restarts = [line for line in (data / "kiosk.log").read_text(encoding="utf-8").splitlines()
                    if "starting it again" in line]
        # (a loaded machine may have restarted a slow first start already: then it waits a moment)
        assert any(re.search(r"the sound process exited \(code -9\); starting it again( in [\d.]+ s)? \(restart \d\)",
                             line) for line in restarts), restarts
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def _kiosk_stand_in(tmp_path: Path, *then: str) -> Path:
    """A script standing in for the kiosk: its sound process started on no device (a null sink),
    once it sounds `then`, a line each, with `e` the EngineProcess."""
    lines = ("import os, signal, sys, time", f"sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})",
             "from installation.sound.port import SetVolume", "from installation.sound.process import EngineProcess",
             "from installation.sound.settings import AudioConfig, DspConfig", "if __name__ == '__main__':",
             "    e = EngineProcess(AudioConfig(device='no-such-device'), DspConfig(enabled=False)); e.start()",
             "    while e.status().blocks == 0: time.sleep(0.05)", *(f"    {line}" for line in then))
    script = tmp_path / "kiosk_stand_in.py"
    script.write_text("\n".join(lines) + "\n")
    return script


def test_the_sound_process_ends_when_the_kiosk_is_killed(tmp_path):
    """kill -9 of the kiosk must not leave its sound process playing on, adopted by whoever."""
    script = _kiosk_stand_in(tmp_path, "print(e.pid, flush=True); time.sleep(600)")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait(10)
    wait_until(lambda: not Path(f"/proc/{child}").exists() or
               Path(f"/proc/{child}/stat").read_text().split()[2] == "Z", 30, "the orphaned sound process to end")


def test_a_kiosk_whose_stalled_sound_process_was_restarted_still_exits(tmp_path):
    """A sound process that stops reading (stalled) while the show goes on sending: its command
    pipe fills, and the queue's feeder thread waits on it. Restarted, the old queue must be let go
    without that wait: else the kiosk hangs at exit, joining it (found by the soak: a stall under
    load, then `soak finished` and a process that never ended; under systemd, a stop that waits
    for SIGKILL)."""
    script = _kiosk_stand_in(tmp_path, "os.kill(e.pid, signal.SIGSTOP)",
                             "for n in range(5000): e.apply(SetVolume(0.5 + n / 20000))",
                             "while e.restarts == 0: time.sleep(0.05)",
                             "while e.pid is None or e.status().blocks == 0: time.sleep(0.05)",
                             "e.close(); print('closed', flush=True)")
    kiosk = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        out, _ = kiosk.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        kiosk.kill()
        out, _ = kiosk.communicate()
        pytest.fail(f"the kiosk stand-in never exited (printed {out!r}): a queue's feeder thread joined at exit")
    assert out.strip() == "closed" and kiosk.returncode == 0, (out, kiosk.returncode)


@pytest.mark.parametrize("what", ["server", "sink"])
def test_the_sound_comes_back_when_its_device_returns(engine, private_pulse, tmp_path, caplog, what):
    """The TV switched off and on: the device's sound server dies and comes back (`server`), or
    the server stays and its only sink goes and comes back (`sink`: HDMI audio with the TV). The
    show goes on silently meanwhile (the stylus moves on), and the sound returns without a restart."""
    lose, restore = {"server": (private_pulse.kill, private_pulse.start),
                     "sink": (private_pulse.unload_sink, private_pulse.load_sink)}[what]
    e = engine(device="pulse", block_size=256)
    wait_until(lambda: not e.status().is_null and e.status().device == "pulse", 30, "the device")
    e.apply(PlayFile("тон", tone_file(tmp_path / "тон.wav", 120.0), e.dsp_cfg))
    wait_until(lambda: e.status().playing_id == "тон" and e.status().level > 0.1, 30, "playing")
    assert np.abs(private_pulse.record(2.0)).max(initial=0) > 0.2, "the tone reaches the sink"
    restarts = e.restarts
    with caplog.at_level(logging.INFO):
        lose()
        wait_until(lambda: e.status().is_null, 20, "the loss noticed")
        moved_from = e.status().position
        wait_until(lambda: e.status().position > moved_from + 1.0, 20, "the stylus moving on without a device")
        time.sleep(2.0)  # a few failed retries
        returned = time.monotonic()
        restore()
        up = time.monotonic()
        back = wait_until(lambda: not e.status().is_null, 30, "the device reopened") + up - returned
        heard = np.flatnonzero(np.abs(private_pulse.record(6.0)) > 0.2)
    assert len(heard) > RATE, "the tone in the sink again"
    audible = up - returned + heard[0] / RATE  # from its return (parec's own start-up counts against us)
    print(f"{what}: device reopened {back:.2f} s after it returned; the tone audible again within {audible:.2f} s")
    assert e.restarts == restarts, "healed inside the sound process: no restart"
    assert "the device pulse stopped" in caplog.text and "the device is back after" in caplog.text
    assert e.status().device == "pulse"


def test_a_device_that_appears_after_the_start_is_picked_up(engine, private_pulse, tmp_path):
    """Started before the sound server (or with the TV off): the null sink, then the device."""
    private_pulse.kill()
    e = engine(device="pulse", block_size=256)
    assert e.status().is_null
    e.apply(PlayFile("тон", tone_file(tmp_path / "тон.wav", 120.0), e.dsp_cfg))
    wait_until(lambda: e.status().playing_id == "тон" and e.status().position > 1.0, 30, "playing on the null sink")
    private_pulse.start()
    wait_until(lambda: not e.status().is_null and e.status().device == "pulse", 30, "the device picked up")
    assert np.abs(private_pulse.record(2.0)).max(initial=0) > 0.2, "the tone reaches it"
