"""Benchmark of the OSC input: an encoder stream at 1,000 and 2,000 messages/s, with drops and
the latency from send to the platter speed being applied; and, in the same run, the
throughput of a bare python-osc server as the baseline.

    python bench/bench_osc.py [--seconds 10] [--quick]
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import socket
import sys
import threading
import time
from pathlib import Path

import numpy as np
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from installation import tune_threads
from installation.core.commands import CommandBus
from installation.remote.osc.server import OscServer, message
from installation.remote.osc.settings import OscConfig
from installation.sound.engine import AudioEngine
from installation.sound.settings import AudioConfig, DspConfig


def stream(port: int, rate: float, seconds: float, conn) -> None:
    """In its own process, like a real encoder: angles at 78 rpm, paced at `rate`; sends back
    each send time (perf_counter is CLOCK_MONOTONIC on Linux, shared by both processes)."""
    sent: list[float] = []
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t0 = time.perf_counter()
    n = int(rate * seconds)
    for i in range(n):
        due = t0 + i / rate
        while (now := time.perf_counter()) < due:
            if due - now > 0.002:
                time.sleep(due - now - 0.001)
        sent.append(time.perf_counter())
        sock.sendto(message("/turntable/1/angle", (468.0 * (now - t0)) % 360), ("127.0.0.1", port))
    sock.close()
    conn.send(sent)


def blast(port: int, count: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    data = message("/turntable/1/angle", 12.5)
    for _ in range(count):
        sock.sendto(data, ("127.0.0.1", port))
    sock.close()


class KioskLoad:
    """What else runs in the kiosk's process: the audio callback with the full chain (on the
    paced null sink) and a 60 fps drawing loop turning a disc, both competing for the GIL."""

    def __init__(self):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        import pygame

        from installation.content.library import load_library
        from installation.screen.disc_art import build_disc_art, load_scan
        from installation.sound.loader import decode

        self.engine = AudioEngine(AudioConfig(device="no-such-device"), DspConfig())
        self.engine.start()
        disc = load_library(ROOT / "assets").discs[0]
        self.engine.play(decode(disc.audio_path, self.engine.sample_rate, disc.id))
        pygame.display.init()
        screen = pygame.display.set_mode((1280, 800))
        art = build_disc_art(load_scan(disc.scan_path), disc.info.diameter_cm, 672)
        self.running = True

        def draw():
            t = 0.0
            while self.running:
                screen.fill((0, 0, 0))
                art.draw(screen, (430, 400), t)
                t += 1.3 / 60
                time.sleep(1 / 60)
        self.thread = threading.Thread(target=draw, daemon=True)
        self.thread.start()

    def close(self):
        self.running = False
        self.thread.join()
        self.engine.close()


class Ours:
    def __init__(self):
        self.done: list[float] = []
        self.server = OscServer(OscConfig(port=0), CommandBus(256),
                                AudioEngine(AudioConfig(), DspConfig()))
        tracker = self.server.turntable.encoder
        tracker_angle = tracker.angle

        def timed(degrees, now=None):
            tracker_angle(degrees, now)
            self.done.append(time.perf_counter())  # speed applied (SetSpeed sent if it changed)
        tracker.angle = timed
        self.server.start()
        self.port = self.server.address[1]

    def drain_engine(self):
        commands = self.server.sound.player.commands
        while not commands.empty():
            commands.get_nowait()

    def close(self):
        self.server.close()


class Bare:
    """python-osc with nothing but a handler that notes the time."""

    def __init__(self):
        self.done: list[float] = []
        d = Dispatcher()
        d.map("/turntable/*/angle", lambda address, *args: self.done.append(time.perf_counter()))
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), d)
        self.server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def drain_engine(self):
        pass

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def run_stream(target, rate: float, seconds: float) -> tuple[int, int, np.ndarray]:
    target.done.clear()
    mine, theirs = multiprocessing.Pipe()
    sender = multiprocessing.Process(target=stream, args=(target.port, rate, seconds, theirs))
    sender.start()
    sent = mine.recv()
    sender.join()
    time.sleep(0.3)
    target.drain_engine()
    got = len(target.done)
    latency = (np.array(target.done[:got]) - np.array(sent[:got])) * 1000
    return len(sent), len(sent) - got, latency


def throughput(target, count: int) -> float:
    target.done.clear()
    t0 = time.perf_counter()
    sender = multiprocessing.Process(target=blast, args=(target.port, count))
    sender.start()
    sender.join()
    seen, still = -1, 0
    while len(target.done) < count and still < 25:  # stop once nothing has come for 0.25 s
        time.sleep(0.01)
        target.drain_engine()
        still = still + 1 if len(target.done) == seen else 0
        seen = len(target.done)
    return len(target.done) / (target.done[-1] - t0) if target.done else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    seconds = 1.0 if args.quick else args.seconds
    logging.basicConfig(level=logging.ERROR)
    tune_threads()  # as `python -m installation run` does
    load = KioskLoad()
    print(f"encoder stream over UDP on loopback, {seconds:.0f} s per rate, from another process, while this one "
          f"plays audio through the full chain and draws a turning disc at 60 fps")
    print(f"{'server':>10} {'rate/s':>7} {'sent':>7} {'dropped':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    results = {}
    for name, cls in (("kiosk", Ours), ("python-osc", Bare)):
        target = cls()
        try:
            for rate in (1000, 2000):
                sent, dropped, lat = run_stream(target, rate, seconds)
                print(f"{name:>10} {rate:>7} {sent:>7} {dropped:>8} {np.percentile(lat, 50):>7.3f} "
                      f"{np.percentile(lat, 99):>7.3f} {lat.max():>7.3f}")
            results[name] = throughput(target, 5000 if args.quick else 20000)
        finally:
            target.close()
    load.close()
    print(f"throughput, messages handled per second when flooded: kiosk {results['kiosk']:.0f}, "
          f"bare python-osc {results['python-osc']:.0f}, ratio {results['kiosk'] / results['python-osc']:.2f}")
    print("targets: 0 dropped at 1 kHz, p99 < 5 ms")


if __name__ == "__main__":
    main()
