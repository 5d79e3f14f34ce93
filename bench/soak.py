"""Soak: the real kiosk, headless, for days of simulated gallery time.

The kiosk is started as `run` starts it (its sound process, its OSC server on UDP, the lathe
station when configured), with the rehearsal clock running `--speed` times fast, so opening
hours open and close and demos count down and go live. Meanwhile, in this process:
- visitors touch the screen: SDL finger events posted to the kiosk's own event queue, a tap
  on attract, swipes and taps on the carousel, a finger on the record, the back, pause and
  language buttons, chosen by what the screen shows, as a visitor would;
- a performer and the sensors speak real OSC over UDP: presence and proximity, disc
  changes, status requests, and now and then a malformed message;
- every simulated hour: the RSS of the kiosk and of its sound process, frame-time
  percentiles, audio underruns, exceptions and plays.

    python bench/soak.py --hours 72          (make soak HOURS=72)

Targets (issue 12): >= 20,000 plays in 72 simulated hours, RSS growth < 2 % after the warm-up
(beyond the most the bounded disc-picture cache has held, with the collection unchanged),
no unhandled exception, presence still answered at the end. Exit status 1 when one is missed
(`--plays` and `--growth` set what is required; the CI's two-minute run asks less).
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import List, Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # headless: the soak is about time, not pixels

import pygame  # noqa: E402

from installation.app.cli import run_kiosk  # noqa: E402
from installation.config.composed import load_config  # noqa: E402
from installation.remote.osc.messages import message  # noqa: E402
from installation.screen.layout import carousel_layout, player_layout  # noqa: E402
from installation.screen.text import LINES  # noqa: E402
from installation.service.vitals import rss_mb  # noqa: E402

START = "2026-12-07 06:00"  # a Monday morning, local time: the doors open at seven
HOURS_CONFIG = """
opening_hours:
  enabled: true
  mon: "07:00-23:00"
  tue: "07:00-23:00"
  wed: "07:00-23:00"
  thu: "07:00-23:00"
  fri: "07:00-23:00"
  sat: "07:00-23:00"
  sun: closed
  closures: [2026-12-10]
demos:
  countdown_minutes: 15
  grace_minutes: 5
  events:
    - when: mon,wed,fri 19:00
      performer: Анна Петрова
      title: Буги на плёнке
      duration_minutes: 20
      side_minutes: 3
lathe:
  enabled: true
  backend: simulated
  status_timeout_seconds: 10  # the lathe's clock runs fast too: its 50 Hz polls are 1.4 s apart at 72x
  confirm_seconds: 600
"""


ROLES = """  roles:  # the soak's performer and sensors play from this machine
    sensor: {networks: [127.0.0.1/32], prefixes: [/sensor/presence, /sensor/proximity]}
    performer: {networks: [127.0.0.1/32], prefixes: [/kiosk/, /dsp/, /lathe/, /demo/], patterns: true, replies: true}
"""


def write_config(folder: Path, port: int, size: str, device: str) -> Path:
    w, h = (int(v) for v in size.split("x"))
    text = (f"content:\n  directory: {ROOT / 'assets'}\ndata_dir: {folder / 'data'}\n"
            f"display:\n  fullscreen: false\n  size: [{w}, {h}]\n  renderer: surface\n"
            f"audio:\n  device: {device or 'null'}\n"
            f"osc:\n  port: {port}\n  host: 127.0.0.1\n" + ROLES + HOURS_CONFIG
            + "console:\n  enabled: false\n")  # (the soak is the show's; another kiosk may hold port 8080)
    path = folder / "soak.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class Tally(logging.Handler):
    """Counts what went wrong: tracebacks (exceptions the kiosk caught and logged), errors,
    and exceptions nobody caught in any thread."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.tracebacks = self.errors = self.warnings = self.uncaught = 0
        self.last: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # the sound process's tracebacks come as text
        if record.exc_info or "Traceback (most recent call last)" in record.getMessage():
            self.tracebacks += 1
        if record.levelno >= logging.ERROR:
            self.errors += 1
            self.last = (self.last + [record.getMessage()[:160]])[-5:]
        else:
            self.warnings += 1


class Visitors(threading.Thread):
    """Touches, as a visitor would, whatever the screen shows."""

    def __init__(self, kiosk, seed: int, stop: threading.Event):
        super().__init__(name="soak-visitors", daemon=True)
        self.kiosk, self.rng, self.stop = kiosk, random.Random(seed), stop
        self.size = kiosk.stage.size
        self.dpi = kiosk.cfg.display.dpi
        self.gestures = 0

    def post(self, kind: int, x: float, y: float, finger: int = 0) -> None:
        w, h = self.size
        pygame.event.post(pygame.event.Event(kind, x=x / w, y=y / h, dx=0.0, dy=0.0, touch_id=1,
                                             finger_id=finger, pressure=1.0))

    def tap(self, pos) -> None:
        self.post(pygame.FINGERDOWN, *pos)
        time.sleep(0.03)
        self.post(pygame.FINGERUP, *pos)
        self.gestures += 1

    def drag(self, points, step: float = 0.016) -> None:
        self.post(pygame.FINGERDOWN, *points[0])
        for p in points[1:]:
            time.sleep(step)
            self.post(pygame.FINGERMOTION, *p)
        time.sleep(step)
        self.post(pygame.FINGERUP, *points[-1])
        self.gestures += 1

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.act(self.kiosk.show.scene.name if self.kiosk.show.scene else "")
            except Exception as exc:  # the soak's own bug must not look like the kiosk's
                logging.getLogger("soak").warning("visitor: %s", exc)
            time.sleep(self.rng.uniform(0.05, 0.25))

    def act(self, scene: str) -> None:
        r, (w, h) = self.rng.random(), self.size
        if scene == "attract" or scene in ("closed", "live_cut"):
            if r < 0.8:
                self.tap((w * self.rng.uniform(0.2, 0.8), h * self.rng.uniform(0.2, 0.8)))
        elif scene == "carousel":
            c = carousel_layout(self.size, self.dpi)
            if r < 0.65:
                self.tap(c.center)
            else:
                sign = self.rng.choice((-1, 1))
                x0 = c.center[0] - sign * c.spacing * 0.6
                self.drag([(x0 + sign * c.spacing * 1.2 * k / 8, c.center[1]) for k in range(9)])
        elif scene == "player":
            p = player_layout(self.size, self.dpi)
            cx, cy = p.disc_center
            if r < 0.45:
                self.tap(p.controls["back"].center)
            elif r < 0.6:  # a finger on the record: round and back
                rad = p.disc_diameter * 0.3
                angles = [k * self.rng.uniform(-0.3, 0.3) for k in range(12)]
                self.drag([(cx + rad * np.cos(a), cy + rad * np.sin(a)) for a in angles])
            elif r < 0.7:  # the needle dropped on the grooves
                self.tap((cx + p.disc_diameter * self.rng.uniform(0.3, 0.45), cy))
            elif r < 0.8:
                self.tap(p.controls["play"].center)
            elif r < 0.85:
                self.tap(p.controls["language"].center)
            # else: listening


class Performer(threading.Thread):
    """The sensors and a performer's laptop: real OSC over UDP, replies read."""

    def __init__(self, port: int, discs: List[str], seed: int, stop: threading.Event, rate: float):
        super().__init__(name="soak-osc", daemon=True)
        self.rate = rate  # messages a second
        self.port, self.discs, self.rng, self.stop = port, discs, random.Random(seed), stop
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.sent = self.replies = 0

    def send(self, address: str, *args) -> None:
        self.sock.sendto(message(address, *args), ("127.0.0.1", self.port))
        self.sent += 1

    def drain(self) -> None:
        try:
            while True:
                self.sock.recvfrom(65536)
                self.replies += 1
        except OSError:
            pass

    def run(self) -> None:
        while not self.stop.is_set():
            r = self.rng.random()
            if r < 0.15:
                self.send("/sensor/presence", "зал", int(self.rng.random() < 0.7))
            elif r < 0.25:
                self.send("/sensor/proximity", "зал", self.rng.uniform(0.3, 6.0))
            elif r < 0.8:
                self.send("/kiosk/disc", self.rng.choice(self.discs))
            elif r < 0.87:
                self.send("/kiosk/status")
            elif r < 0.9:
                self.send("/kiosk/volume", self.rng.uniform(0.5, 1.0))
            elif r < 0.95:  # hostile: an unknown address, a wrong type, a value out of range
                self.sock.sendto(self.rng.choice([message("/kiosk/nonsense", 1), message("/kiosk/volume", "громко"),
                                                  message("/sensor/proximity", "зал", -5.0), b"\x00garbage"]),
                                 ("127.0.0.1", self.port))
            else:
                self.send("/kiosk/ping", "soak")
            self.drain()
            time.sleep(self.rng.uniform(0.5, 1.5) / self.rate)

    def answered(self, timeout: float = 10.0) -> bool:
        """Presence still answered: /sensor/presence taken and a /kiosk/ping returned as /pong."""
        self.send("/sensor/presence", "зал", 1)
        self.drain()
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.2)
        self.sock.sendto(message("/kiosk/ping", "последний"), ("127.0.0.1", self.port))
        while time.monotonic() < deadline:
            try:
                data, _ = self.sock.recvfrom(65536)
            except OSError:
                continue
            if data.startswith(b"/pong"):
                return True
        return False


class LatheOperator(threading.Thread):
    """The performer at the lathe during a demo: arm over OSC, confirm with the key at the
    station, start, and reset once the side is cut; the cut joins the collection."""

    def __init__(self, kiosk, performer: "Performer", stop: threading.Event):
        super().__init__(name="soak-lathe", daemon=True)
        self.kiosk, self.performer, self.stop = kiosk, performer, stop
        self.cuts = 0

    def run(self) -> None:
        while not self.stop.is_set():
            time.sleep(0.1)
            k, lathe = self.kiosk, self.kiosk.lathe
            if lathe is None:
                return
            view, phase = lathe.view, k.programme.phase
            live = phase is not None and phase.kind == "live"
            if view.state == "idle" and live and not view.armed and not self.cut_this_demo(k):
                self.performer.send("/lathe/arm")
                time.sleep(0.3)
            elif view.state == "idle" and view.armed:
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F12, mod=pygame.KMOD_LCTRL,
                                                     unicode="", scancode=0))
                time.sleep(0.3)
            elif view.state == "ready":
                self.performer.send("/lathe/start")
                time.sleep(0.3)
            elif view.state in ("done", "aborted", "fault"):
                self.cuts += view.state == "done"
                self._done = phase.occurrence.key if phase is not None else ""
                self.performer.send("/lathe/reset")
                time.sleep(0.3)

    _done = ""

    def cut_this_demo(self, k) -> bool:
        phase = k.programme.phase
        return phase is not None and self._done == phase.occurrence.key


class Monitor:
    """Samples once a simulated hour; at the end, the report."""

    def __init__(self, kiosk, tally: Tally, hours: float, speed: float, trace: float = 0.0):
        self.kiosk, self.tally, self.hours, self.speed = kiosk, tally, hours, speed
        self.rows: List[dict] = []
        self.started = time.monotonic()
        self.frame_samples: List[np.ndarray] = []
        self.trace, self._snapshot = trace, None  # --trace: MB of RSS growth between samples worth explaining
        if trace:
            import tracemalloc

            tracemalloc.start()

    def explain(self, row: dict) -> None:
        """--trace: where Python's and numpy's allocations grew since the last sample, when RSS
        stepped by `trace` MB or more (what the traced total does not cover is outside Python:
        SDL's surfaces, fonts, the C heap's own high-water mark)."""
        import tracemalloc

        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        before, self._snapshot = self._snapshot, snapshot
        if before is None or len(self.rows) < 2 or row["rss"] - self.rows[-2]["rss"] < self.trace:
            return
        diffs = snapshot.compare_to(before, "lineno")
        traced = sum(d.size_diff for d in diffs) / 2 ** 20
        print(f"        RSS +{row['rss'] - self.rows[-2]['rss']:.1f} MB since the last sample; traced by tracemalloc "
              f"{traced:+.1f} MB, of it:", flush=True)
        for d in sorted(diffs, key=lambda d: -d.size_diff)[:6]:
            frame = d.traceback[0]
            print(f"          {d.size_diff / 2 ** 20:+7.2f} MB  {d.count_diff:+6d} blocks  "
                  f"{Path(frame.filename).name}:{frame.lineno}", flush=True)

    def sim_hours(self) -> float:
        return (time.monotonic() - self.started) * self.speed / 3600

    def sample(self) -> dict:
        k = self.kiosk
        times = k.health.frames.times
        frames = np.array(list(times)) * 1000 if times else np.zeros(1)
        self.frame_samples.append(frames)
        child = getattr(k.sound, "pid", None)
        row = dict(hour=self.sim_hours(), wall=k.programme.wall().astimezone().strftime("%a %H:%M"),
                   scene=k.show.scene.name, rss=rss_mb(os.getpid()), pictures=k.stage.pictures.megabytes,
                   words=LINES.megabytes,
                   rss_sound=rss_mb(child) if child else 0.0, grooves=k.health.sound_status().grooves_mb,
                   cutting=k.health.sound_status().loading,
                   p50=float(np.percentile(frames, 50)), p99=float(np.percentile(frames, 99)),
                   underruns=k.health.sound_status().underruns, plays=k.show.plays,
                   tracebacks=self.tally.tracebacks, errors=self.tally.errors, restarts=getattr(k.sound, "restarts", 0),
                   discs=len(k.collection.library.discs))
        self.rows.append(row)
        print(f"{row['hour']:6.1f} h  {row['wall']:>9}  {row['scene']:<9} RSS {row['rss']:6.1f} MB "
              f"(pictures {row['pictures']:5.1f}, words {row['words']:4.1f}) "
              f"(sound {row['rss_sound']:5.1f}, grooves {row['grooves']:5.1f}{', cutting' if row['cutting'] else ''})  "
              f"frame p50 {row['p50']:5.1f} p99 {row['p99']:6.1f} ms  "
              f"underruns {row['underruns']:4d}  plays {row['plays']:6d}  tracebacks {row['tracebacks']}  "
              f"errors {row['errors']}", flush=True)
        if self.trace:
            self.explain(row)
        return row


def soak(hours: float, speed: float, size: str, device: str, seed: int, every: float, folder: Path,
         start: str = START, osc_rate: float = 20.0, trace: float = 0.0) -> dict:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cfg = load_config(write_config(folder, port, size, device))
    tally = Tally()
    uncaught: List[str] = []
    threading.excepthook = lambda a: uncaught.append(f"{a.thread.name if a.thread else '?'}: {a.exc_value!r}")
    stop = threading.Event()
    result: dict = {}

    def attach(kiosk) -> None:
        logging.getLogger().addHandler(tally)  # after the kiosk set its logging up
        monitor = Monitor(kiosk, tally, hours, speed, trace)
        visitors = Visitors(kiosk, seed, stop)
        performer = Performer(port, [d.id for d in kiosk.collection.library.discs], seed + 1, stop, osc_rate)
        operator = LatheOperator(kiosk, performer, stop)
        for handler in list(logging.getLogger().handlers):  # the kiosk's log goes to its file only
            if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is sys.stderr:
                logging.getLogger().removeHandler(handler)

        def watch() -> None:
            time.sleep(2.0)  # the first frames
            visitors.start()
            performer.start()
            operator.start()
            next_sample = 0.0
            while monitor.sim_hours() < hours and kiosk.running:
                if monitor.sim_hours() >= next_sample:
                    monitor.sample()
                    next_sample += every
                time.sleep(0.2)
            stop.set()
            for thread in (visitors, performer, operator):
                thread.join(5)
            quiet_by = time.monotonic() + 30  # the last sample between cuts: nobody asks for a disc now
            while kiosk.health.sound_status().loading and time.monotonic() < quiet_by:
                time.sleep(0.2)
            monitor.sample()
            result.update(rows=monitor.rows, answered=performer.answered(), gestures=visitors.gestures,
                          osc_sent=performer.sent, osc_replies=performer.replies, frames=monitor.frame_samples,
                          cuts=operator.cuts, discs=len(kiosk.collection.library.discs))
            from installation.core.commands import Quit

            kiosk.bus.post(Quit("soak finished"))

        threading.Thread(target=watch, name="soak-monitor", daemon=True).start()

    args = argparse.Namespace(windowed=True, rehearse=start, speed=speed, verbose=False)
    code = run_kiosk(cfg, args, attach=attach)
    result.update(exit=code, uncaught=uncaught, tally=tally)
    return result


def report(result: dict, hours: float, plays_needed: int, growth_allowed: float) -> bool:
    rows = result.get("rows") or []
    if len(rows) < 2:
        print("the soak did not run long enough to report")
        return False
    # The bounded picture cache fills as visitors reach each disc at each size and zoom, and
    # what it drops is memory the next picture reuses: so the kiosk's own memory is its RSS less
    # the most the cache has held so far (with the bounded cache of drawn lines of words, which
    # fills likewise as visitors read each disc's story in each language). What grows beyond
    # that is a leak.
    # The sound process likewise: its bounded cache of cut grooves fills as discs are played
    # (later on a loaded machine, where the cutter waits behind the picture).
    peak = peak_grooves = 0.0
    for before, row in zip([None] + rows, rows):
        if before is not None and row["restarts"] != before["restarts"]:
            peak_grooves = 0.0  # (a new sound process: its own cache from empty)
        peak, peak_grooves = max(peak, row["pictures"] + row["words"]), max(peak_grooves, row["grooves"])
        row["rest"], row["rest_sound"] = row["rss"] - peak, row["rss_sound"] - peak_grooves
    warm = next((r for r in rows if r["hour"] >= max(1.0, hours * 0.1)), rows[0])
    last = rows[-1]
    growth = (last["rss"] - warm["rss"]) / warm["rss"] * 100
    # A live cut adds a disc, whose pictures the bounded cache then holds: memory the collection
    # is meant to take. Growth is judged with the collection unchanged, between the cuts.
    after_warm = [r for r in rows if r["hour"] >= warm["hour"]]
    spans, span = [], [after_warm[0]]
    for row in after_warm[1:]:
        if row["discs"] != span[-1]["discs"]:
            spans.append(span)
            span = [row]
        else:
            span.append(row)
    spans.append(span)
    settled = [spans[0]] + [s[1:] for s in spans[1:]]  # a new disc's pictures fill the cache as visitors find it
    steady = max(((s[-1]["rest"] - s[0]["rest"]) / s[0]["rest"] * 100 for s in settled if len(s) > 1), default=0.0)
    # A disc being cut holds its decoded audio and the cutter's arrays (some 25-30 MB, let go when
    # it is done) before its grooves are counted: the sound process is judged between cuts.
    # The soak's last sample waits for the cutter; on a loaded machine it may have been busy at every
    # sample before, and then the least the sound process held after the warm-up stands for the start.
    # A sound process restarted by its watchdog (a loaded machine's stall) starts small and loads its
    # compiled core and chain again at its first disc: it is judged from its own first disc on.
    child = [r for r in after_warm if r["restarts"] == last["restarts"] and r["grooves"] > 0] or [last]
    quiet = [r for r in child if not r["cutting"]]
    warm_sound = quiet[0] if len(quiet) > 1 else min(child, key=lambda r: r["rest_sound"])
    last_sound = last
    growth_sound = ((last_sound["rest_sound"] - warm_sound["rest_sound"]) / warm_sound["rest_sound"] * 100
                    if warm_sound["rest_sound"] > 0 else 0.0)
    steps = [f"{a[-1]['rss']:.0f} -> {b[0]['rss']:.0f} MB at {b[0]['wall']} ({b[0]['discs']} discs)"
             for a, b in zip(spans, spans[1:])]
    frames = np.concatenate(result["frames"])
    tally = result["tally"]
    checks = [
        (f"plays {last['plays']} (>= {plays_needed})", last["plays"] >= plays_needed),
        (f"RSS growth after the warm-up ({warm['hour']:.1f} h) beyond the picture and word caches' most, "
         f"with the collection unchanged "
         f"(a sample after each new disc to settle): at most {steady:+.2f} % "
         f"(< {growth_allowed:g} %); sound process beyond its grooves' most, between cuts "
         f"({warm_sound['hour']:.1f} to {last_sound['hour']:.1f} h) {warm_sound['rest_sound']:.1f} -> "
         f"{last_sound['rest_sound']:.1f} MB {growth_sound:+.2f} % (RSS {warm_sound['rss_sound']:.1f} -> "
         f"{last_sound['rss_sound']:.1f} MB)", steady < growth_allowed and growth_sound < growth_allowed),
        (f"exceptions: {tally.tracebacks} logged with a traceback, {len(result['uncaught'])} uncaught in a thread "
         f"(0)", tally.tracebacks == 0 and not result["uncaught"]),
        (f"presence answered at the end: {result.get('answered')}", bool(result.get("answered"))),
        (f"kiosk exit status {result['exit']}", result["exit"] == 0),
    ]
    print()
    print(f"simulated {last['hour']:.1f} h ({rows[0]['wall']} to {last['wall']}); {result['gestures']} touch gestures, "
          f"{result['osc_sent']} OSC messages sent, {result['osc_replies']} replies; {result['cuts']} live cuts, "
          f"{result['discs']} discs at the end")
    print(f"frame intervals: median {np.percentile(frames, 50):.1f} ms, p99 {np.percentile(frames, 99):.1f} ms, "
          f"max {frames.max():.1f} ms; audio underruns {last['underruns']}; sound process restarts {last['restarts']}; "
          f"errors logged {tally.errors}, warnings {tally.warnings}")
    print(f"RSS of the kiosk {warm['rss']:.1f} MB after the warm-up, {last['rss']:.1f} MB at the end "
          f"({growth:+.2f} %), "
          f"of which disc pictures {warm['pictures']:.1f} and {last['pictures']:.1f} MB; "
          f"new discs from live cuts: {'; '.join(steps) or 'none'}")
    for line in tally.last:
        print(f"  error: {line}")
    for line in result["uncaught"]:
        print(f"  uncaught: {line}")
    ok = True
    for text, good in checks:
        print(f"{'ok  ' if good else 'MISS'} {text}")
        ok = ok and good
    return ok


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=72.0, help="simulated gallery hours")
    parser.add_argument("--speed", type=float, default=72.0, help="simulated seconds per real second")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--device", default="", help="audio device (default: the system's)")
    parser.add_argument("--seed", type=int, default=1956)
    parser.add_argument("--start", default=START, help="simulated local time at the start")
    parser.add_argument("--osc-rate", type=float, default=20.0,
                        help="OSC messages a second (half of them disc changes)")
    parser.add_argument("--every", type=float, default=0.0, help="simulated hours between samples (default: hours/24)")
    parser.add_argument("--plays", type=int, default=0, help="plays required (default: 20,000 per 72 h)")
    parser.add_argument("--growth", type=float, default=2.0, help="RSS growth allowed after the warm-up, %%")
    parser.add_argument("--data", type=Path, default=None, help="keep the data folder here (default: a temporary one)")
    parser.add_argument("--trace", type=float, default=0.0, metavar="MB",
                        help="tracemalloc on; where allocations grew when RSS steps by MB or more between samples")
    a = parser.parse_args(argv)
    plays = a.plays or int(20000 * a.hours / 72)
    folder = a.data or Path(tempfile.mkdtemp(prefix="soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"soak: {a.hours:g} simulated hours at {a.speed:g}x ({a.hours * 3600 / a.speed / 60:.1f} real minutes), "
          f"data in {folder}", flush=True)
    result = soak(a.hours, a.speed, a.size, a.device, a.seed, a.every or max(a.hours / 24, 0.1), folder, a.start,
                  a.osc_rate, a.trace)
    return 0 if report(result, a.hours, plays, a.growth) else 1


if __name__ == "__main__":
    sys.exit(main())
