"""Benchmark of the OSC input: an encoder stream at 1,000 and 2,000 messages/s, with drops and
the latency from send to the platter speed being applied: on the kiosk's own port (its main
process, drawing at 1080p beside it) and on osc.encoder_port (read by the sound process, as
the kiosk runs it); and, in the same run, a bare python-osc server as the baseline.

    python bench/bench_osc.py [--seconds 10] [--quick]
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import multiprocessing
import os
import queue
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from installation import tune_threads
from installation.core.commands import CommandBus
from installation.remote.osc.encoder_port import EncoderPort
from installation.remote.osc.server import OscServer, message
from installation.remote.osc.settings import OscConfig
from installation.sound.engine import AudioEngine
from installation.sound.process import EngineProcess
from installation.sound.settings import AudioConfig, DspConfig

from targets import verdict


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
        screen = pygame.display.set_mode((1920, 1080))
        art = build_disc_art(load_scan(disc.scan_path), disc.info.diameter_cm, 900)
        self.running = True

        def draw():
            t = 0.0
            while self.running:
                screen.fill((0, 0, 0))
                art.draw(screen, (600, 540), t)
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

    def times(self) -> list:
        return list(self.done)

    def close(self):
        self.server.close()


@dataclasses.dataclass(frozen=True)
class TimedEncoderPort(EncoderPort):
    """The kiosk's encoder port in its sound process, noting when each angle's speed is applied."""

    applied: Any = None  # a multiprocessing queue

    def start(self, engine):
        listener = super().start(engine)
        tracker = listener.turntable.encoder
        angle, applied = tracker.angle, self.applied

        def timed(degrees, now=None):
            angle(degrees, now)
            applied.put(time.perf_counter())  # speed applied (SetSpeed to the player if it changed)
        tracker.angle = timed
        return listener


class InSoundProcess:
    """osc.encoder_port: the sound process (EngineProcess, as the kiosk starts it) reads it."""

    def __init__(self):
        self.port = _free_port()
        self.applied = multiprocessing.get_context("spawn").Queue()
        cfg = OscConfig(port=_free_port(), encoder_port=self.port)
        self.sound = EngineProcess(AudioConfig(device="no-such-device"), DspConfig(),
                                   encoder=TimedEncoderPort(cfg, self.applied))
        self.sound.start()
        deadline = time.monotonic() + 60
        while self.sound.status().blocks == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:  # its encoder port opens after the engine
            while time.monotonic() < deadline:
                probe.sendto(message("/turntable/1/angle", 0.0), ("127.0.0.1", self.port))
                try:
                    self.applied.get(timeout=0.1)
                    break
                except queue.Empty:
                    continue
        time.sleep(0.3)
        self.done: list[float] = []
        self.times()  # (the probes' own)
        self.done.clear()

    def drain_engine(self):
        pass

    def times(self) -> list:
        while True:
            try:
                self.done.append(self.applied.get(timeout=0.2))
            except queue.Empty:
                return list(self.done)

    def close(self):
        self.sound.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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

    def times(self) -> list:
        return list(self.done)

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
    done = target.times()
    got = len(done)
    latency = (np.array(done[:got]) - np.array(sent[:got])) * 1000
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
        done = target.times()
        still = still + 1 if len(done) == seen else 0
        seen = len(done)
    done = target.times()
    return len(done) / (done[-1] - t0) if done else 0.0


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
    print(f"{'server':>13} {'rate/s':>7} {'sent':>7} {'dropped':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    results, streams = {}, {}
    for name, cls in (("encoder port", InSoundProcess), ("kiosk", Ours), ("python-osc", Bare)):
        target = cls()
        try:
            for rate in (1000, 2000):
                sent, dropped, lat = streams[name, rate] = run_stream(target, rate, seconds)
                if not len(lat):  # (nothing came: the figures below say so rather than fail)
                    lat = np.array([float("inf")])
                print(f"{name:>13} {rate:>7} {sent:>7} {dropped:>8} {np.percentile(lat, 50):>7.3f} "
                      f"{np.percentile(lat, 99):>7.3f} {lat.max():>7.3f}")
            results[name] = throughput(target, 5000 if args.quick else 20000)
        finally:
            target.close()
    load.close()
    print("(encoder port: osc.encoder_port, read by the sound process, as the kiosk runs it; kiosk: the main "
          "OSC port in the drawing process; python-osc: a bare server there, the baseline)")
    print(f"throughput, messages handled per second when flooded: encoder port {results['encoder port']:.0f}, "
          f"kiosk {results['kiosk']:.0f}, bare python-osc {results['python-osc']:.0f}, "
          f"ratio {results['kiosk'] / results['python-osc']:.2f}")
    print("issue 22's targets, from the packet to the sound's speed while drawing at 1080p:")
    for rate in (1000, 2000):
        sent, dropped, lat = streams["encoder port", rate]
        verdict(f"encoder port at {rate // 1000} kHz, dropped", dropped, 0, fmt=".0f")
        verdict(f"encoder port at {rate // 1000} kHz, p99", float(np.percentile(lat, 99)), 5.0, " ms", fmt=".2f")


if __name__ == "__main__":
    main()
