"""`python -m installation run | check | screenshot | render | osc-map`: what the technician,
the curator, the performer and the tests call."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from ..config.composed import DEFAULT_CONFIG, Config, ConfigError, load_config
from ..core.commands import Quit
from ..core.registry import SCENES

log = logging.getLogger("installation")


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(f"The kiosk cannot start: {args.config} has problems:\n{exc}", file=sys.stderr)
        return 1 if args.command == "check" else 2
    if args.command == "check":
        return check(cfg, args.config)
    if args.command == "osc-map":
        from ..remote.osc.routes import osc_map

        print(osc_map())
        return 0
    if args.command == "render":
        return render(cfg, args)
    if args.command == "console-password":
        return console_password(cfg)
    if args.command in ("screenshot", "preview"):
        from ..service.logs import setup_logging

        setup_logging(None, args.verbose)
        return screenshot(cfg, args) if args.command == "screenshot" else preview(cfg, args)
    return run_kiosk(cfg, args)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m installation", description="Bone Music kiosk")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="config.yaml (default: the shipped one)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the kiosk")
    run.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    run.add_argument("--rehearse", default="", metavar="'YYYY-MM-DD HH:MM'",
                     help="rehearsal: start the clock at this local time (demos, the lathe's time)")
    run.add_argument("--speed", type=float, default=1.0,
                     help="rehearsal: the clock runs this many times faster (the audio does not)")
    sub.add_parser("check", help="validate config.yaml and every disc; one line per problem")
    sub.add_parser("osc-map", help="print the OSC addresses, their arguments and what they do")
    sub.add_parser("console-password", help="set the web console's password (read from the terminal or stdin)")
    shot = sub.add_parser("screenshot", help="render one frame to PNG without a display")
    shot.add_argument("--out", type=Path, required=True)
    shot.add_argument("--scene", default="player", choices=tuple(SCENES))
    shot.add_argument("--disc", default="", help="disc id (its folder name); default: the first")
    shot.add_argument("--at", type=float, default=2.0, help="seconds after the scene starts")
    shot.add_argument("--size", default="", help="WxH, default: display.size from the config")
    shot.add_argument("--words", action="store_true",
                      help="also print every line of text on the screen, with where it is (x y width height)")
    rend = sub.add_parser("render", help="run an audio file through the lathe-and-film chain offline")
    rend.add_argument("input", type=Path)
    rend.add_argument("output", type=Path)
    rend.add_argument("--disc", default="", help="use this disc's condition, rpm and size")
    rend.add_argument("--condition", nargs="*", default=[], metavar="KEY=VALUE",
                      help="override a condition key, e.g. hiss_db=-30 eccentricity_mm=3")
    rend.add_argument("--seconds", type=float, default=0.0, help="length; default: the whole input")
    view = sub.add_parser("preview", help="draw a disc folder on the player's screen and render 10 s of its sound")
    view.add_argument("folder", type=Path)
    view.add_argument("--out", type=Path, required=True, help="a folder for picture.jpg and sound.wav")
    view.add_argument("--seconds", type=float, default=10.0)
    for p in (run, shot, rend, view):  # also accepted after the subcommand
        p.add_argument("--config", type=Path, default=argparse.SUPPRESS)
    return parser


def check(cfg: Config, config_path: Path) -> int:
    """Problems make the exit status 1; warnings (keys that change nothing) are printed only."""
    from ..config.composed import exposure_warnings, no_effect_warnings
    from ..content.library import load_library
    from ..screen.advice import dpi_warnings, reported_screen, scan_warnings
    from ..screen.disc_art import load_scan

    logging.disable(logging.WARNING)  # the lines below say it all, once
    library = load_library(cfg.content_dir, deep=True, check_scan=load_scan, limits=cfg.content.limits,
                           more=cfg.disc_folders[1:])
    screen = reported_screen()
    warnings = (no_effect_warnings(cfg, [d.info.condition for d in library.discs]) + exposure_warnings(cfg)
                + dpi_warnings(cfg, screen) + scan_warnings(cfg, library.discs, screen))
    for problem in library.problems:
        print(problem)
    for warning in warnings:
        print(f"warning: {warning}")
    counted = ", ".join(f"{n} {word}{'' if n == 1 else 's'}{tail}" for n, word, tail in (
        (len(library.discs), "disc", " ready"), (len(library.problems), "problem", ""), (len(warnings), "warning", "")))
    print(f"{config_path} is valid; {counted}", file=sys.stderr)
    return 1 if library.problems else 0


def render(cfg: Config, args: argparse.Namespace) -> int:
    import dataclasses

    import soundfile

    from ..content.library import Condition, load_library
    from ..core.yamlconf import load_dataclass
    from ..sound.offline import progress_bar
    from .preview import play_through

    info = None
    if args.disc:
        disc = load_library(cfg.content_dir, limits=cfg.content.limits, more=cfg.disc_folders[1:]).find(args.disc)
        if disc is None:
            print(f"no disc {args.disc!r} in {cfg.content_dir / 'discs'}", file=sys.stderr)
            return 1
        info = disc.info
    try:
        overrides = "\n".join(f"{k.strip()}: {v.strip()}" for k, v in (c.split("=", 1) for c in args.condition))
        extra = load_dataclass(Path("--condition"), Condition, overrides or "{}")
    except ValueError:
        print("--condition: write KEY=VALUE, e.g. hiss_db=-30", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    given = {c.split("=", 1)[0].strip() for c in args.condition}
    base = info.condition if info else Condition()
    condition = dataclasses.replace(base, **{k: getattr(extra, k) for k in given})
    try:
        out, rate = play_through(cfg, args.input, condition, info.diameter_cm if info else 24.0,
                                 info.rpm if info else 78.0, args.seconds, progress_bar)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    soundfile.write(str(args.output), out, rate)
    print(f"{args.output}: {len(out) / rate:.2f} s at {rate} Hz, peak {np.abs(out).max():.3f}")
    return 0


def screenshot(cfg: Config, args: argparse.Namespace) -> int:
    import pygame

    from ..content.library import load_library
    from .preview import draw_frame

    size = _parse_size(args.size) if args.size else cfg.display.size
    library = load_library(cfg.content_dir, limits=cfg.content.limits, more=cfg.disc_folders[1:])
    if args.disc and library.find(args.disc) is None:
        print(f"no disc {args.disc!r}; discs: {', '.join(d.id for d in library.discs)}", file=sys.stderr)
        return 1
    screen, drawn = draw_frame(cfg, library, args.scene, args.disc, args.at, size, words=args.words)
    pygame.image.save(screen, str(args.out))
    print(args.out)
    for rect, line, *_ in drawn:  # what is written where, readable over SSH
        print(f"{rect.x:5d} {rect.y:5d} {rect.width:5d} {rect.height:4d}  {line}")
    return 0


def preview(cfg: Config, args: argparse.Namespace) -> int:
    """A disc folder (not yet in the show) drawn and played: what the console's preview shows."""
    from .preview import preview as make_preview

    logging.disable(logging.WARNING)
    try:
        disc = disc_check(cfg)(args.folder)
        paths = make_preview(cfg, disc, args.out, args.seconds)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


def run_kiosk(cfg: Config, args: argparse.Namespace, attach=None) -> int:
    """The kiosk until it quits; `attach(kiosk)` runs just before its loop (the soak's visitors)."""
    from ..service.logs import setup_logging

    setup_logging(cfg.data_path, args.verbose)
    from .. import tune_threads
    from ..screen.xlib import before_x_ends_us
    from ..service.lifecycle import Lifecycle
    from ..service.notify import Notifier

    tune_threads()
    notifier = Notifier()
    lifecycle = Lifecycle(cfg.data_path)
    wait = lifecycle.begin()  # logs how the last run ended
    if wait:
        notifier.status(f"waiting {wait:g} s after repeated restarts")
        time.sleep(wait)
    kiosk, services = build_kiosk(cfg, args, notifier)
    bus, lathe = kiosk.bus, services.lathe
    # systemd stops with SIGTERM: finish the frame, fade nothing, close the device cleanly.
    signal.signal(signal.SIGTERM, lambda *_: bus.post(Quit("SIGTERM")))

    def last_words(reason: str) -> None:  # the X server went away: Xlib ends the process next
        log.error("display: %s; ending now, the service starts the kiosk again and it waits for a display", reason)
        if lathe is not None:
            lathe.close()  # the cutter up and stopped, the recording closed
        lifecycle.end(reason)

    before_x_ends_us(last_words)
    ended = "an error in the main loop"
    try:
        if attach is not None:
            attach(kiosk)
        kiosk.run()
        ended = kiosk.health.quit_reason or "the main loop ended"
    finally:
        lifecycle.end(ended)
        kiosk.stage.pictures.close()
        close_services(services)
    return 0


def build_kiosk(cfg: Config, args: argparse.Namespace, notifier):
    """The kiosk and what it is attached to: the discs, the screen, the sound in a process of its
    own, OSC, play counts, the demo calendar and the lathe."""
    import pygame

    from ..content.library import load_library
    from ..core.commands import CommandBus
    from ..remote.console.views import Shown
    from ..screen.display import open_canvas
    from ..screen.recovery import DisplayWatch
    from ..service.play_counts import PlayCounts
    from ..service.status import StatusBoard
    from ..show.calendar import DemoSchedule
    from ..show.calendar import zone as time_zone
    from ..sound.process import EngineProcess
    from ..sound.turntable import Turntable
    from .kiosk import Kiosk, Services

    library = load_library(cfg.content_dir, limits=cfg.content.limits, more=cfg.disc_folders[1:])
    log.info("%d discs from %s%s", len(library.discs), cfg.content_dir,
             f"; {len(library.problems)} skipped (run `python -m installation check`)" if library.problems else "")
    pygame.font.init()  # not pygame.init(): SDL audio must not grab the card sounddevice uses
    canvas = open_canvas(cfg.display, windowed=args.windowed)
    sound = EngineProcess(cfg.audio, cfg.dsp, encoder=encoder_port(cfg))  # the sound in a process of its own
    sound.start()
    bus, status = CommandBus(cfg.osc.queue_size), StatusBoard()
    turntable = Turntable(sound, cfg.osc.encoder_timeout_seconds, cfg.osc.encoder_release_seconds)
    wall, clock = rehearsal_clocks(args.rehearse, args.speed)
    if args.rehearse or args.speed != 1.0:
        log.warning("rehearsal: %s", rehearsal_plan(cfg, wall()))
    lathe = start_lathe(cfg, bus, clock, wall, args.speed)
    counts, tz = PlayCounts(cfg.data_path), time_zone(cfg.demos.timezone)
    services = Services(sound=sound, counts=counts, bus=bus, status=status,
                        osc=start_osc(cfg, bus, sound, status, lathe, turntable), turntable=turntable,
                        schedule=DemoSchedule(cfg.demos, cfg.data_path / "demos.json") if cfg.demos.events else None,
                        lathe=lathe, notifier=notifier, display_watch=DisplayWatch(cfg.display, args.windowed),
                        wall=wall, pictures_aside=True)
    shown = Shown(lambda: library.discs, lambda: counts.counts, lambda: library.hidden, counts.day,
                  lambda: wall().astimezone(tz).date().isoformat())
    ports: list = []  # the console's, once it listens: where the other boxes fetch this one's discs
    services.gallery = start_gallery(cfg, bus, status, shown, lambda: ports[0] if ports else 0, wall)
    if services.osc is not None:
        services.osc.gallery = services.gallery
    console = services.console = start_console(cfg, bus, status, disc_check(cfg), shown, services.gallery)
    if console is not None:
        ports.append(console.port)
    services.dropped = start_dropped(cfg, bus, library)
    return Kiosk(cfg, library, canvas, services), services


def start_gallery(cfg: Config, bus, status, shown, console_port, wall):
    """This box on the gallery's broker, or None (gallery.enabled: false, as shipped). With the
    site's token, the discs are shared: announced, and fetched from the other boxes."""
    if not cfg.gallery.enabled:
        return None
    from ..remote.gallery.discs import Fetcher
    from ..remote.gallery.ledger import Ledger
    from ..remote.gallery.link import GalleryLink

    fetcher = None
    if cfg.gallery.token_file:
        token = cfg.gallery_token_path.read_text(encoding="utf-8").strip()
        fetcher = Fetcher(cfg.disc_folders, Ledger(cfg.data_path / "gallery_ledger.json"), bus, token,
                          disc_check(cfg), int((cfg.content.limits.max_audio_mb + 101) * 1e6), cfg.gallery.keep)
    link = GalleryLink(cfg.gallery, bus, status.read, cfg.gallery_password_path if cfg.gallery.password_file else None,
                       shown.all, fetcher, console_port, wall)
    link.start()
    return link


def disc_check(cfg: Config):
    """What `check` does to one disc folder: ConfigError with its lines, else the Disc."""
    from ..content.library import load_disc
    from ..screen.disc_art import load_scan

    return lambda folder: load_disc(folder, deep=True, check_scan=load_scan, limits=cfg.content.limits)


def start_dropped(cfg: Config, bus, library):
    """The watch for disc folders a curator drops into the content folder while the show runs."""
    from ..show.dropped import DroppedFolders

    watch = DroppedFolders(cfg.content_dir / "discs", bus, lambda: [d.id for d in library.discs], disc_check(cfg))
    watch.start()
    return watch


def close_services(services) -> None:
    import pygame

    for part in (services.gallery, services.dropped, services.console, services.osc, services.lathe, services.counts,
                 services.sound):
        if part is not None:
            part.close()
    pygame.quit()


def rehearsal_clocks(start: str, speed: float):
    """The wall clock (UTC) and the lathe's monotonic clock; for a rehearsal both start at
    `start` (local time) and run `speed` times faster."""
    import datetime as dt

    if not start and speed == 1.0:
        return (lambda: dt.datetime.now(dt.timezone.utc)), time.monotonic
    try:
        begin = (dt.datetime.fromisoformat(start).astimezone(dt.timezone.utc) if start
                 else dt.datetime.now(dt.timezone.utc))
    except ValueError:
        raise SystemExit(f"--rehearse: expected a local time such as '2026-11-28 14:58', got {start!r}") from None
    t0 = time.monotonic()
    log.warning("rehearsal: the clock starts at %s and runs %gx", begin.astimezone().strftime("%Y-%m-%d %H:%M"), speed)
    return (lambda: begin + dt.timedelta(seconds=(time.monotonic() - t0) * speed)), \
        (lambda: (time.monotonic() - t0) * speed)


def rehearsal_plan(cfg: Config, now) -> str:
    """What a rehearsal from `now` will show: the demos of the next day, or why there are none
    (a rehearsal with the shipped config.yaml does nothing, and used to say nothing of it)."""
    import datetime as dt

    from ..show.calendar import occurrences, zone

    tz = zone(cfg.demos.timezone)
    soon = occurrences(cfg.demos, tz, now, now + dt.timedelta(days=1))
    lathe = (f"the lathe ({cfg.lathe.backend}) cuts them" if cfg.lathe.enabled
             else "the lathe is off (lathe.enabled: false): the countdown and live view only")
    if not soon:
        return (f"nothing to rehearse: no demo in the next 24 h of the rehearsal's clock "
                f"({'demos.events is empty' if not cfg.demos.events else 'none falls then'} in {cfg.source}); "
                "list one under demos: (when: sat 15:00) and start the rehearsal a few minutes before it")
    names = "; ".join(f"{o.start.astimezone(tz).strftime('%a %H:%M')} {o.demo.title or 'a demo'}" for o in soon[:5])
    return f"{len(soon)} demo(s) in the next 24 h: {names}; {lathe}"


def start_console(cfg: Config, bus, status, check, shown, gallery=None):
    """The web console on its thread, or None (disabled, or its port taken: said, the show goes on)."""
    if not cfg.console.enabled:
        return None
    from ..remote.console.server import Console
    from .preview import preview_in_a_process

    console = Console(cfg.console, cfg.data_path, bus, status.read, discs_dir=cfg.content_dir / "discs",
                      add_disc=check, limits=cfg.content.limits, shown=shown, board=status,
                      config_path=Path(cfg.source) if cfg.source else None, load_config=load_config,
                      preview=preview_in_a_process(Path(cfg.source)) if cfg.source else None, gallery=gallery)
    try:
        console.start()
    except OSError as exc:
        log.error("%s; the show goes on without it (%s)", exc, cfg.where("console.port"))
        return None
    return console


def console_password(cfg: Config) -> int:
    """Set the console's password: typed twice at a terminal, or one line on standard input."""
    import getpass

    from ..remote.console.password import set_password

    if sys.stdin.isatty():
        password = getpass.getpass("New console password: ")
        if getpass.getpass("Again: ") != password:
            print("The two differ; nothing was changed.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        path = set_password(cfg.data_path, password)
    except ValueError as exc:
        print(f"{exc}; nothing was changed.", file=sys.stderr)
        return 1
    print(f"{path}: the console's password is set (a salted scrypt hash); it counts from the next start")
    return 0


def encoder_port(cfg: Config):
    """The turntable's encoder port for the sound process to serve, or None (osc.encoder_port: 0)."""
    if not (cfg.osc.enabled and cfg.osc.encoder_port):
        return None
    from ..remote.osc.encoder_port import EncoderPort

    return EncoderPort(cfg.osc)  # read by the sound process: no frame delays the platter


def start_lathe(cfg: Config, bus, clock, wall, speed: float = 1.0):
    """The lathe station on its thread, or None when config.yaml has no lathe."""
    if not cfg.lathe.enabled:
        return None
    from ..lathe.archive import Archive
    from ..lathe.station import LatheStation, make_lathe
    from ..lathe.station_audio import StationAudio

    station = LatheStation(cfg.lathe, make_lathe(cfg.lathe), StationAudio(cfg.lathe.audio), Archive(cfg.data_path),
                           bus, clock=clock, wall=lambda: wall().astimezone(), clock_rate=speed)
    station.start()
    log.info("lathe: %s backend%s", cfg.lathe.backend,
             f" on {cfg.lathe.port}" if cfg.lathe.backend != "simulated" else "")
    return station


def start_osc(cfg: Config, bus, sound, status, lathe, turntable):
    """The OSC server, or None (with one clear line) when it is off or its port is taken."""
    if not cfg.osc.enabled:
        log.info("OSC: off (osc.enabled: false); touch and keys only")
        return None
    from ..remote.osc.server import OscServer

    try:
        server = OscServer(cfg.osc, bus, sound, status.read, lathe, turntable)
    except OSError as exc:
        log.error("OSC: cannot listen on %s:%d (%s); running without remote control", cfg.osc.host,
                  cfg.osc.port, exc)
        return None
    server.start()
    return server


def _parse_size(text: str) -> Tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"--size: expected WxH such as 1280x800, got {text!r}") from None
    return w, h
