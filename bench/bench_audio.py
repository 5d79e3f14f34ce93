"""Benchmark of the sound under the kiosk's load: underruns, the callback's cost, frame times.

The real kiosk (player scene at 1920x1080, SDL's dummy driver) draws at 60 fps while an
encoder streams /turntable/1/angle at 1 kHz to its encoder port (osc.encoder_port, read by the
sound process, as the kiosk is wired), and the kiosk is pinned to one core (as `taskset -c 0`
would: a small box's proxy). The encoder is a device of its own: its process runs on another
core where there is one (it spins between its 1 ms sends, and on the kiosk's core it would take
a share of it no real encoder takes). The sound goes to PulseAudio's null sink (paced in real
time) where pulseaudio is installed, else to the engine's own paced null sink. Baselines in
the same session: the stream to the main OSC port (the drawing process's, as before the
encoder port), the engine in the kiosk's process, and the numpy core.

    python bench/bench_audio.py [--seconds 600] [--baseline-seconds 120] [--quick]
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from bench_osc import _free_port, stream  # noqa: E402

from installation import tune_threads  # noqa: E402

from targets import verdict  # noqa: E402

PERIOD = 256 / 48000


def null_sink() -> tuple:
    """(device, description, cleanup) for a paced sink: PulseAudio's null sink, or our own."""
    if not (shutil.which("pulseaudio") and shutil.which("pactl")):
        return "no-such-device", "the engine's own paced null sink (no pulseaudio here)", lambda: None
    started = subprocess.run(["pactl", "info"], capture_output=True).returncode != 0
    if started:
        subprocess.run(["pulseaudio", "--start", "--exit-idle-time=-1"], capture_output=True, timeout=30)
        time.sleep(1.0)
    module = subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=bench_audio", "rate=48000",
                             "format=float32le"], capture_output=True, text=True).stdout.strip()
    os.environ["PULSE_SINK"] = "bench_audio"

    def cleanup() -> None:
        """The sink unloaded, and the server stopped if this bench started it: one left running
        takes ALSA's default device, and the next `make test`'s audio tests with it."""
        subprocess.run(["pactl", "unload-module", module], capture_output=True)
        if started:
            subprocess.run(["pulseaudio", "--kill"], capture_output=True)
    return "pulse", "PulseAudio's null sink through ALSA's pulse device", cleanup


def encoder_device(port: int, rate: float, seconds: float, conn) -> None:
    """The encoder's stream (bench_osc.stream) from a core other than the kiosk's, where there is one."""
    others = set(range(os.cpu_count() or 1)) - {0}
    if others:
        os.sched_setaffinity(0, others)
    stream(port, rate, seconds, conn)


def wait_for_encoder(engine, port: int) -> None:
    """Angles sent until the sound process reports the platter (its encoder port opens after the engine)."""
    import socket

    from installation.remote.osc.messages import message

    deadline = time.monotonic() + 60
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        while engine.status().platter is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"the sound process never read its encoder port {port}")
            probe.sendto(message("/turntable/1/angle", 0.0), ("127.0.0.1", port))
            time.sleep(0.05)


def run(kind: str, device: str, seconds: float, core: str = "compiled", to: str = "encoder port") -> dict:
    import pygame

    from installation.app.kiosk import Kiosk, Services
    from installation.config.composed import load_config
    from installation.content.library import load_library
    from installation.core.commands import CommandBus
    from installation.remote.osc.encoder_port import EncoderPort
    from installation.remote.osc.server import OscServer
    from installation.screen import turning
    from installation.service.status import StatusBoard
    from installation.sound.engine import AudioEngine
    from installation.sound.process import EngineProcess
    from installation.sound.settings import AudioConfig

    cfg = load_config(ROOT / "config.yaml")
    audio = AudioConfig(device=device, block_size=256, core=core)
    encoder = None
    if to == "encoder port":
        encoder = EncoderPort(dataclasses.replace(cfg.osc, encoder_port=_free_port()))
    engine = EngineProcess(audio, cfg.dsp, encoder=encoder) if kind == "own process" else AudioEngine(audio, cfg.dsp)
    engine.start()
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1920, 1080))
    bus, status = CommandBus(256), StatusBoard()
    osc = OscServer(cfg.osc.__class__(port=0), bus, engine, status.read)
    osc.start()
    kiosk = Kiosk(cfg, load_library(ROOT / "assets"), screen,
                  Services(sound=engine, bus=bus, status=status, osc=osc, turntable=osc.turntable))
    kiosk.show.switch("player", disc_id=kiosk.collection.library.discs[0].id)
    turning.warm()  # (a kiosk with a screen loads it after its first frame; SDL's dummy driver here has none)
    deadline = time.monotonic() + 60
    while engine.status().playing_id is None and time.monotonic() < deadline:  # the disc is decoded and cut
        kiosk.step(1 / 60, events=[])
        time.sleep(0.01)
    if encoder is not None:
        wait_for_encoder(engine, encoder.cfg.encoder_port)
    underruns_before = engine.status().underruns
    mine, theirs = multiprocessing.Pipe()
    port = encoder.cfg.encoder_port if encoder is not None else osc.address[1]
    sender = multiprocessing.Process(target=encoder_device, args=(port, 1000, seconds, theirs))
    sender.start()
    frames, clock = [], pygame.time.Clock()
    t_end = time.monotonic() + seconds
    last = time.perf_counter()
    p50s, p99s = [], []
    next_sample = time.monotonic() + 1.0
    while time.monotonic() < t_end:
        clock.tick(60)
        t0 = time.perf_counter()
        kiosk.step(min(t0 - last, 0.25))
        kiosk.stage.present()  # (as the kiosk does)
        last = t0
        frames.append(time.perf_counter() - t0)
        if time.monotonic() >= next_sample:  # the callback's cost, sampled over the run
            s = engine.status()
            p50s.append(s.render_p50)
            p99s.append(s.render_p99)
            next_sample = time.monotonic() + 1.0
    mine.recv()
    sender.join()
    result = dict(underruns=engine.status().underruns - underruns_before, frames=np.array(frames) * 1000,
                  p50=float(np.median(p50s)) if p50s else 0.0, p99=float(np.median(p99s)) if p99s else 0.0,
                  worst=float(np.max(p99s)) if p99s else 0.0,
                  restarts=getattr(engine, "restarts", 0), blocks=engine.status().blocks)
    osc.close()
    engine.close()
    pygame.display.quit()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="with the sound in its own process")
    parser.add_argument("--baseline-seconds", type=float, default=120.0, help="with the engine in-process")
    parser.add_argument("--quick", action="store_true", help="a few seconds each, to check the bench runs")
    args = parser.parse_args()
    ours_s, base_s = (4.0, 4.0) if args.quick else (args.seconds, args.baseline_seconds)
    logging.basicConfig(level=logging.ERROR)
    tune_threads()
    os.sched_setaffinity(0, {0})  # one core for the kiosk, its sound process included (taskset -c 0)
    device, sink, cleanup = null_sink()
    print(f"the kiosk at 1920x1080 and 60 fps on one core, a 1 kHz encoder stream over OSC from another; "
          f"sound to {sink}")
    print(f"{'sound':>12} {'seconds':>8} {'underruns':>10} {'callback p50':>13} {'p99':>7} {'worst p99':>10} "
          f"{'frame p50 ms':>13} {'frame p99 ms':>13} {'restarts':>9}")
    try:
        results = {}
        for kind, seconds, core, to in (("own process", ours_s, "compiled", "encoder port"),
                                        ("main port", base_s, "compiled", "main port"),
                                        ("in-process", base_s, "compiled", "main port"),
                                        ("numpy core", base_s, "python", "encoder port")):
            r = results[kind] = run("in-process" if kind == "in-process" else "own process", device, seconds, core, to)
            print(f"{kind:>12} {seconds:>8.0f} {r['underruns']:>10d} {r['p50'] / PERIOD * 100:>12.1f}% "
                  f"{r['p99'] / PERIOD * 100:>6.1f}% {r['worst'] / PERIOD * 100:>9.1f}% "
                  f"{np.median(r['frames']):>13.2f} "
                  f"{np.percentile(r['frames'], 99):>13.2f} {r['restarts']:>9d}")
    finally:
        cleanup()
    print(f"callback cost (wall clock, preemption included) as a share of the {PERIOD * 1000:.2f} ms period of a "
          f"256-frame block: median and p99 over the last 4096 callbacks, sampled each second (p99: their median)")
    print("(own process: the kiosk as it runs, the compiled core, the encoder on its own port read by the sound "
          "process; baselines: main port, the stream to the drawing process's OSC port; in-process, the engine "
          "in the drawing process too; numpy core, the uncompiled chain)")
    r = results["own process"]
    print("issue 22's targets, the kiosk as it runs:")
    verdict("underruns", r["underruns"], 0, fmt=".0f")
    verdict("callback median", r["p50"] / PERIOD * 100, 3.0, " % of the period")
    verdict("callback p99", r["p99"] / PERIOD * 100, 6.0, " % of the period")
    verdict("frame p99", float(np.percentile(r["frames"], 99)), 20.0, " ms")


if __name__ == "__main__":
    main()
