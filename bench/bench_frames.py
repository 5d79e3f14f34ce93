"""Frame times of the screens, and the cost of a large collection.

1. attract, carousel (5 discs in view, spinning) and player at 1920x1080 under Xvfb: the
   frame's CPU time (update + draw + present), median and p99 over 600 frames, for SDL's
   renderer with Mesa's OpenGL, SDL's software renderer, and the surface path, its discs turned
   by the compiled loop (turning.py) and, the baseline, by pygame.transform.rotate.
2. A collection of 500 discs (made here from the shipped ones): time from start to the
   first frame, RSS after scrolling the carousel across the collection, frame times while
   scrolling.
3. A 6000x6000 scan opened in the player: the process's peak RSS, the longest frame and the
   time until the disc is drawn, its picture built beside the frames (as the live kiosk does)
   and in the frame (the baseline).

    python bench/bench_frames.py [--frames 600] [--discs 500] [--quick]

`--quick` (what `make test` runs to see that the bench works) draws at 960x540, few frames,
24 discs, a 2400 px scan: its figures are not the targets'.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from targets import verdict  # noqa: E402

SIZE = (1920, 1080)
SCENES = ("attract", "carousel", "player")
# name: (display.renderer, SDL_RENDER_DRIVER, display.turn); "surface" is what `auto` keeps here
PATHS = {"renderer (OpenGL)": ("renderer", "opengl", "compiled"),
         "renderer (software)": ("renderer", "software", "compiled"),
         "surface": ("surface", "", "compiled"), "surface, pygame turns": ("surface", "", "pygame")}
BASELINE = "surface, pygame turns"  # discs turned by pygame.transform.rotate, as before turning.py


def child(args) -> None:
    """One drawing path, in its own process (SDL's video and renderer are chosen once)."""
    import dataclasses

    import numpy as np

    from installation.app.kiosk import Kiosk, Services
    from installation.config.composed import load_config
    from installation.content.library import load_library
    from installation.screen import turning
    from installation.screen.display import open_canvas
    from installation.service.vitals import rss_mb

    t0 = time.perf_counter()
    cfg = load_config(Path(args.config))
    cfg = dataclasses.replace(cfg, display=dataclasses.replace(cfg.display, size=args.size, fullscreen=False,
                                                               renderer=args.path, turn=args.turn))
    library = load_library(cfg.content_dir, more=cfg.disc_folders[1:])
    canvas = open_canvas(cfg.display, windowed=True)
    kiosk = Kiosk(cfg, library, canvas, Services(pictures_aside=not args.in_frame))
    out = {"path": canvas.name, "discs": len(library.discs)}
    if args.until_drawn:
        return until_drawn(kiosk, canvas, library.discs[0].id, out)
    scenes = args.scenes.split(",")
    for scene in scenes:
        kiosk.show.switch(scene, disc_id=library.discs[0].id)
        if scene == "carousel" and args.scroll:
            kiosk.show.scene.velocity = 0.0
        times = []
        kiosk.step(1 / 60, events=[])  # the scene asks for its pictures...
        kiosk.stage.pictures.settle()  # ...and every one of them is built before the frames are timed
        for i in range(args.frames + args.warmup):
            start = time.perf_counter()
            if scene == "carousel" and args.scroll:
                kiosk.show.scene.offset += args.scroll / 60.0  # browsing: discs keep coming into view
            kiosk.step(1 / 60, events=[])
            canvas.present()
            if i >= args.warmup:  # the first frames build pictures and textures
                times.append(time.perf_counter() - start)
            if scene == scenes[0] and i == 0:
                out["first_frame_s"] = time.perf_counter() - t0
                if args.turn == "compiled":  # (loaded beside the first frames, as the kiosk does; ready for the timing)
                    turning.warm()
        ms = np.array(times) * 1000
        out[scene] = (float(np.median(ms)), float(np.percentile(ms, 99)))
    out["rss_mb"] = rss_mb()
    print("RESULT " + json.dumps(out))


def until_drawn(kiosk, canvas, disc_id: str, out: dict) -> None:
    """The player opened on `disc_id`: frames until its picture is drawn (and 30 more); the
    process's peak RSS from just before (Linux: clear_refs 5 resets it), and RSS just before."""
    from installation.service.vitals import rss_mb

    out["rss_before_mb"] = rss_mb()
    Path("/proc/self/clear_refs").write_text("5")
    kiosk.show.switch("player", disc_id=disc_id)
    times, start, drawn_at = [], time.perf_counter(), None
    while drawn_at is None or len(times) < drawn_at + 30:
        t = time.perf_counter()
        kiosk.step(1 / 60, events=[])
        canvas.present()
        times.append(time.perf_counter() - t)
        if drawn_at is None and len(kiosk.stage.pictures):
            drawn_at, out["drawn_s"] = len(times), time.perf_counter() - start
        if time.perf_counter() - start > 120:
            raise SystemExit("the picture never came")
    out["longest_ms"] = max(times) * 1000
    out["peak_rss_mb"] = next(int(line.split()[1]) / 1024 for line in Path("/proc/self/status").open()
                              if line.startswith("VmHWM:"))
    print("RESULT " + json.dumps(out))


def big_scan(folder: Path, side: int) -> Path:
    """The shipped discs, the first one's scan a `side` x `side` JPEG (a flatbed scan at 600 dpi)."""
    import numpy as np
    import pygame

    shutil.copytree(ROOT / "assets", folder)
    first = sorted((folder / "discs").iterdir())[0]
    for old in first.glob("scan.*"):
        old.unlink()
    grain = np.random.default_rng(1).integers(0, 255, (side // 50, side // 50, 3), dtype=np.uint8)
    pygame.image.save(pygame.transform.smoothscale(pygame.surfarray.make_surface(grain), (side, side)),
                      str(first / "scan.jpg"))
    cfg = folder / "config.yaml"
    cfg.write_text(f"content:\n  directory: {folder}\ndata_dir: {folder / 'data'}\n", encoding="utf-8")
    return cfg


def run_child(path: str, driver: str, config: Path, display: str, frames: int, warmup: int, scenes: str,
              scroll: float = 0.0, *more: str, size=SIZE, turn: str = "compiled"):
    env = {**os.environ, "DISPLAY": display}
    env.pop("SDL_VIDEODRIVER", None)
    if driver:
        env["SDL_RENDER_DRIVER"] = driver
    result = subprocess.run([sys.executable, __file__, "--child", "--path", path, "--config", str(config),
                             "--frames", str(frames), "--warmup", str(warmup), "--scenes", scenes,
                             "--scroll", str(scroll), "--size", f"{size[0]}x{size[1]}", "--turn", turn, *more],
                            env=env, capture_output=True, text=True, timeout=1800)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"{path}/{driver or '-'} failed:\n{result.stderr[-2000:]}")
    return json.loads(line[7:])


def collection(folder: Path, count: int) -> Path:
    """`count` disc folders made from the shipped six (hard links where possible)."""
    shipped = sorted((ROOT / "assets" / "discs").iterdir())
    discs = folder / "discs"
    discs.mkdir(parents=True)
    for i in range(count):
        src = shipped[i % len(shipped)]
        dst = discs / f"{i:04d}-{src.name}"
        dst.mkdir()
        for f in src.iterdir():
            try:
                os.link(f, dst / f.name)
            except OSError:
                shutil.copy2(f, dst / f.name)
    (folder / "fonts").symlink_to(ROOT / "assets" / "fonts")
    shutil.copy2(ROOT / "assets" / "stories.yaml", folder / "stories.yaml")
    cfg = folder / "config.yaml"
    cfg.write_text(f"content:\n  directory: {folder}\ndata_dir: {folder / 'data'}\n", encoding="utf-8")
    return cfg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--discs", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=30, help="frames drawn before the timing (pictures are built)")
    parser.add_argument("--quick", action="store_true", help="20 frames after 10, 24 discs, a 2400 px scan: smoke")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--path", default="surface")
    parser.add_argument("--turn", default="compiled", help="display.turn: compiled or pygame")
    parser.add_argument("--config", default=str(ROOT / "config.yaml"))
    parser.add_argument("--scenes", default=",".join(SCENES))
    parser.add_argument("--scroll", type=float, default=0.0)
    parser.add_argument("--until-drawn", action="store_true", help="the player until its disc is drawn")
    parser.add_argument("--in-frame", action="store_true", help="disc pictures built in the frame (the baseline)")
    parser.add_argument("--scan-side", type=int, default=6000)
    parser.add_argument("--size", type=lambda t: tuple(int(v) for v in t.split("x")), default=SIZE)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.quick:
        args.frames, args.warmup, args.discs, args.scan_side, args.size = 20, 10, 24, 2400, (960, 540)
    if not shutil.which("Xvfb"):
        raise SystemExit("needs Xvfb (scripts/system-deps.sh test installs it)")
    size = args.size
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    display = f":{xvfb.stdout.readline().strip()}"  # the X server picks a free display and says which, once up
    try:
        print(f"Frame CPU time at {size[0]}x{size[1]} under Xvfb, median / p99 over {args.frames} frames (ms)")
        print(f"  {'path':<22}" + "".join(f"{s:>20}" for s in SCENES))
        results = {}
        for name, (path, driver, turn) in PATHS.items():
            r = results[name] = run_child(path, driver, ROOT / "config.yaml", display, args.frames, args.warmup,
                                          ",".join(SCENES), size=size, turn=turn)
            print(f"  {name:<22}" + "".join(f"{r[s][0]:>11.1f} / {r[s][1]:<6.1f}" for s in SCENES)
                  + ("" if r["path"] == path else f"  (fell back to {r['path']})"))
        ours = results["surface"]
        for name in ("renderer (OpenGL)", "renderer (software)", BASELINE):
            ratios = ", ".join(f"{s} {ours[s][0] / results[name][s][0]:.2f}x" for s in SCENES)
            print(f"  surface against {name} (median, cost ratio): {ratios}")
        with tempfile.TemporaryDirectory() as tmp:
            cfg = collection(Path(tmp) / "content", args.discs)
            print(f"\nA collection of {args.discs} discs, carousel scrolled 3 discs a second for {args.frames} frames")
            many = {}
            for name in ("renderer (OpenGL)", "surface", BASELINE):
                path, driver, turn = PATHS[name]
                r = many[name] = run_child(path, driver, cfg, display, args.frames, args.warmup, "carousel", 3.0,
                                           size=size, turn=turn)
                print(f"  {name:<22} first frame {r['first_frame_s']:.2f} s after start, RSS {r['rss_mb']:.0f} MB, "
                      f"scrolling {r['carousel'][0]:.1f} / {r['carousel'][1]:.1f} ms (median / p99), "
                      f"{r['discs']} discs")
        with tempfile.TemporaryDirectory() as tmp:
            cfg = big_scan(Path(tmp) / "content", args.scan_side)
            print(f"\nA {args.scan_side}x{args.scan_side} scan opened in the player (surface path)")
            found = {}
            for name, more in (("beside the frames", ()), ("in the frame (baseline)", ("--in-frame",))):
                r = found[name] = run_child("surface", "", cfg, display, 0, 0, "player", 0.0, "--until-drawn", *more,
                                            size=size)
                print(f"  {name:<24} peak RSS {r['peak_rss_mb']:.0f} MB (from {r['rss_before_mb']:.0f}), longest "
                      f"frame {r['longest_ms']:.0f} ms, disc drawn after {r['drawn_s']:.2f} s")
            new, old = found["beside the frames"], found["in the frame (baseline)"]
            print(f"  against the baseline: peak RSS {new['peak_rss_mb'] / old['peak_rss_mb']:.2f}x, "
                  f"longest frame {new['longest_ms'] / old['longest_ms']:.2f}x")
        print("issue 22's targets for the picture (the surface path: what `auto` keeps on this machine):")
        for scene in SCENES:
            verdict(f"{scene} at {size[0]}x{size[1]}, frame p99", ours[scene][1], 16.7, " ms")
        r = many["surface"]
        verdict(f"{args.discs} discs, first frame", r["first_frame_s"], 2.0, " s")
        verdict(f"{args.discs} discs, RSS", r["rss_mb"], 350, " MB", fmt=".0f")
        verdict(f"{args.discs} discs, scrolling p99", r["carousel"][1], 16.7, " ms")
    finally:
        xvfb.terminate()
        xvfb.wait(5)


if __name__ == "__main__":
    main()
