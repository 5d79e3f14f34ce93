"""The console's cost to the show: the kiosk's frame times at 1920x1080 (player, surface path)
with ten browsers polling the console — /api/status every second and the picture of the
screen every two (as the Now page does) — against the same kiosk in the same run without them
(the baseline). Goal: p99 within 10 %. The browsers are a process of their own (ten pages of
one logged-in browser, threads of HTTP clients), as real browsers would be.

    python bench/bench_console.py [--frames 900] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
PASSWORD = "bench-password-1956"


def browsers(port: int, count: int, seconds: float, screen: bool = True) -> None:
    """`count` logged-in pages polling like the Now page, for `seconds` (run as a child process)."""
    import http.cookiejar
    import threading
    import urllib.parse
    import urllib.request

    base = f"http://127.0.0.1:{port}"
    done = {"status": 0, "screen": 0}
    jar = http.cookiejar.CookieJar()  # one login (five a minute from one address), ten pages open
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/api/login", urllib.parse.urlencode({"password": PASSWORD}).encode(), timeout=30).read()

    def page() -> None:
        end, n = time.monotonic() + seconds, 0
        while time.monotonic() < end:
            opener.open(base + "/api/status", timeout=30).read()
            done["status"] += 1
            if screen and n % 2 == 0:
                opener.open(base + "/api/screen", timeout=30).read()
                done["screen"] += 1
            n += 1
            time.sleep(1.0)

    threads = [threading.Thread(target=page) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(done))


def frames(kiosk, n: int) -> list:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        kiosk.step(1 / 60, events=[])
        kiosk.stage.present()  # (as the kiosk does)
        out.append((time.perf_counter() - t) * 1000)
        time.sleep(max(0.0, 1 / 60 - (time.perf_counter() - t)))  # paced as the live loop is
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=900)
    parser.add_argument("--browsers", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="fewer frames (the suite's smoke run)")
    parser.add_argument("--no-screen", action="store_true", help="the pages poll the status only")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return browsers(args.child, args.browsers, args.frames / 60 + 5, not args.no_screen)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from installation.remote.console.password import set_password
    from installation.remote.console.server import Console
    from installation.remote.console.settings import ConsoleConfig

    from conftest import kiosk_in_process

    n = 180 if args.quick else args.frames
    data = Path(tempfile.mkdtemp(prefix="bench-console-"))
    set_password(data, PASSWORD)
    import pygame

    pygame.display.set_mode((1920, 1080))  # (frames are presented, as the kiosk does: a display to flip)
    kiosk = kiosk_in_process(size=(1920, 1080))
    kiosk.show.switch("player", disc_id=kiosk.collection.library.discs[0].id)
    frames(kiosk, 60)  # the disc drawn, the caches warm
    console = Console(ConsoleConfig(host="127.0.0.1", port=0), data, kiosk.bus, kiosk.health.status.read,
                      board=kiosk.health.status)
    console.start()
    try:
        base = frames(kiosk, n)
        child = subprocess.Popen([sys.executable, __file__, "--child", str(console.port), "--frames", str(n),
                                  "--browsers", str(args.browsers)] + (["--no-screen"] if args.no_screen else []),
                                 stdout=subprocess.PIPE, text=True)
        time.sleep(2.0)  # all of them logged in and polling
        polled = frames(kiosk, n)
        served = json.loads(child.communicate(timeout=n / 60 + 60)[0] or "{}")
    finally:
        console.close()

    def p(xs, q):
        return xs[min(len(xs) - 1, int(q * len(xs)))]

    print(f"console: the kiosk's frames at 1920x1080 (player, surface path), {n} frames each")
    print(f"  without the console polled   median {p(base, 0.5):6.2f} ms  p99 {p(base, 0.99):6.2f} ms  (baseline)")
    print(f"  {args.browsers} browsers polling          median {p(polled, 0.5):6.2f} ms  p99 {p(polled, 0.99):6.2f} ms"
          f"  p99 ratio {p(polled, 0.99) / p(base, 0.99):.2f}x (goal <= 1.10x)")
    print(f"  served meanwhile: {served.get('status', 0)} status, {served.get('screen', 0)} pictures of the screen")


if __name__ == "__main__":
    main()
