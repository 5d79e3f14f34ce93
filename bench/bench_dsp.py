"""Benchmark of the disc emulation chain (playback; the groove is cut once beforehand): real-time
factor and per-block cost, against a pedalboard chain of comparable stages measured in the same run
on the same audio.

    python bench/bench_dsp.py [--seconds 30] [--quick]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import soundfile
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from installation.sound.engine import AudioEngine
from installation.sound.readhead import Track
from installation.sound.settings import AudioConfig, DspConfig

from targets import verdict

FS = 48000


def music(seconds: float) -> np.ndarray:
    data, rate = soundfile.read(str(ROOT / "assets/discs/bugi-na-rebrakh/audio.ogg"), dtype="float32")
    data = resample_poly(data, FS // 50, rate // 50).astype(np.float32)
    return np.tile(data, int(seconds * FS / len(data)) + 1)[: int(seconds * FS)]


def cut_seconds(source: np.ndarray) -> float:
    """The one-off cost of cutting a disc's groove (off the audio thread, once per disc)."""
    engine = AudioEngine(AudioConfig(master_volume=1.0, fade_seconds=0.0), DspConfig())
    t0 = time.perf_counter()
    engine.play(Track.from_samples("bench", source), spin_up=False)
    return time.perf_counter() - t0


def ours(source: np.ndarray, block: int, core: str = "compiled") -> tuple[float, np.ndarray]:
    engine = AudioEngine(AudioConfig(master_volume=1.0, fade_seconds=0.0, block_size=block, core=core), DspConfig())
    engine.play(Track.from_samples("bench", source), spin_up=False)  # cut here, outside the timing
    out = np.zeros((block, 2), np.float32)
    times = []
    for _ in range(len(source) // block):
        t0 = time.perf_counter()
        engine.render(out)
        times.append(time.perf_counter() - t0)
    return sum(times), np.array(times)


def pedalboard_chain(source: np.ndarray, block: int) -> tuple[float, np.ndarray] | None:
    try:
        from pedalboard import Distortion, HighpassFilter, LowpassFilter, Pedalboard
    except ImportError:
        return None
    board = Pedalboard([HighpassFilter(140), LowpassFilter(6000), Distortion(drive_db=6)])
    rng = np.random.default_rng(0)
    noise = np.zeros(block, np.float32)
    times = []
    for i in range(len(source) // block):
        x = source[i * block:(i + 1) * block][None, :]
        t0 = time.perf_counter()
        y = board.process(x, FS, reset=False)
        rng.standard_normal(out=noise, dtype=np.float32)
        y[0] += noise * 0.005
        times.append(time.perf_counter() - t0)
    return sum(times), np.array(times)


def compile_seconds() -> tuple[float, float]:
    """The compiled core's first load in a fresh process: compiled from nothing (an empty numba
    cache, as on a new box), then loaded from the cache that wrote (every later start)."""
    import subprocess
    import tempfile

    code = ("import time; t = time.perf_counter(); from installation.sound.compiled import warm; warm(); "
            "print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        runs = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                                     check=True).stdout) for _ in range(2)]
    return runs[0], runs[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="a few seconds, to check the bench itself runs")
    args = parser.parse_args()
    seconds = 2.0 if args.quick else args.seconds
    source = music(seconds)
    period_ms = 256 / FS * 1000
    print(f"disc emulation chain, {seconds:.0f} s of music at {FS} Hz, one thread; the numpy stages are the baseline")
    print(f"{'block':>6} {'compiled RTF':>13} {'numpy RTF':>10} {'pedalboard RTF':>15} {'cost ratio':>11}")
    ratio, rtf, per_block = {}, {}, {}
    for block in (256, 1024, 4096):
        total, times = ours(source, block)
        numpy_total, numpy_times = ours(source, block, "python")
        base = pedalboard_chain(source, block)
        rtf[block] = seconds / total
        board = f"{seconds / base[0]:>14.0f}x {total / base[0]:>10.1f}x" if base else f"{'(not installed)':>15}"
        if base:
            ratio[block] = total / base[0]
        print(f"{block:>6} {rtf[block]:>12.0f}x {seconds / numpy_total:>9.0f}x {board}")
        per_block[block] = (times * 1000, numpy_times * 1000)
    for name, ms in zip(("compiled", "numpy"), per_block[256]):
        print(f"per 256-frame block, {name}: median {np.median(ms):.3f} ms, p99 {np.percentile(ms, 99):.3f} ms"
              f" = {np.median(ms) / period_ms * 100:.1f} % / {np.percentile(ms, 99) / period_ms * 100:.1f} %"
              f" of the {period_ms:.2f} ms block period")
    cut = cut_seconds(source)
    print(f"cutting the groove once: {cut * 1000:.0f} ms for {seconds:.0f} s of music ({seconds / cut:.0f}x real time),"
          f" off the audio thread")
    cold, cached = compile_seconds()
    print(f"the compiled core at a process's start: {cold:.2f} s compiled (a new box, once), {cached:.2f} s from "
          f"numba's cache (every start after), before the first block")
    ms = per_block[256][0]
    print("issue 22's targets for the chain:")
    verdict("offline, 4096-frame blocks", rtf[4096], 250, "x real time", at_most=False, fmt=".0f")
    if ratio:
        verdict("offline cost against pedalboard's", ratio[4096], 2.0, "x")
        verdict("callback blocks (256) cost against pedalboard's", ratio[256], 3.0, "x")
    verdict("256-frame block, median", np.median(ms) / period_ms * 100, 1.5, " % of the period", fmt=".2f")
    verdict("256-frame block, p99", np.percentile(ms, 99) / period_ms * 100, 3.0, " % of the period", fmt=".2f")


if __name__ == "__main__":
    main()
