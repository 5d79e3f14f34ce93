"""Running unattended: systemd's notify protocol against a socket this test listens on (READY
after the first frame, watchdog pings that stop when the main loop or the sound stalls), the
unit file as systemd reads it, scenes that raise, and a platter turning for 30 days."""
from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pygame
import pytest

from installation.app.kiosk import Kiosk, Services
from installation.config.composed import load_config
from installation.content.library import load_library
from installation.remote.osc.messages import message
from installation.screen.platter import Platter
from installation.service.notify import Notifier
from installation.show.show import FAULT_LIMIT

from conftest import ROOT, free_udp_port, kiosk_status, start_kiosk, wait_for, write_config


class Listener:
    """systemd's side of $NOTIFY_SOCKET: a datagram socket collecting what the kiosk says."""

    def __init__(self, path: Path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.messages: list = []  # (time, text)

    def collect(self, seconds: float) -> list:
        end = time.monotonic() + seconds
        got = []
        while time.monotonic() < end:
            try:
                got.append((time.monotonic(), self.sock.recv(4096).decode()))
            except socket.timeout:
                pass
        self.messages += got
        return got

    def wait_for(self, text: str, timeout: float) -> float:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for at, msg in self.collect(0.2):
                if text in msg:
                    return at
        raise AssertionError(f"no {text!r} from the kiosk in {timeout} s; got {self.messages[-3:]}")

    def close(self):
        self.sock.close()


def pings(messages) -> int:
    return sum("WATCHDOG=1" in m for _, m in messages)


def test_notifier_speaks_the_protocol_and_is_silent_without_a_socket(tmp_path):
    listener = Listener(tmp_path / "notify")
    n = Notifier({"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "2000000"})
    assert n.ping_every == 1.0
    n.ready("attract · up 0d 0h00m")
    n.watchdog(10.0, alive=True, status="player")
    n.watchdog(10.5, alive=True, status="player")  # not due yet
    n.watchdog(11.1, alive=False, status="player")  # due, but the sound is dead: silence
    n.watchdog(11.2, alive=True, status="player")
    got = [m for _, m in listener.collect(0.3)]
    assert got == ["READY=1\nSTATUS=attract · up 0d 0h00m", "WATCHDOG=1\nSTATUS=player", "WATCHDOG=1\nSTATUS=player"]
    assert not Notifier({}).send("READY=1")
    other = Notifier({"NOTIFY_SOCKET": "x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"})
    assert other.ping_every is None, "a watchdog meant for another process is not ours to ping"
    listener.close()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_the_unit_file_verifies_clean(tmp_path):
    unit = tmp_path / "kiosk.service"
    unit.write_text((ROOT / "kiosk.service").read_text().replace("@PROJECT@", str(ROOT))
                    .replace("@DATA@", str(tmp_path / "data")))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    text = result.stdout + result.stderr
    assert result.returncode == 0 and "kiosk.service" not in text, text
    body = unit.read_text()
    assert "Type=notify" in body and "WatchdogSec=" in body and "NotifyAccess=main" in body
    for hardening in ("NoNewPrivileges=yes", "ProtectSystem=strict", f"ReadWritePaths=-{tmp_path / 'data'}",
                      "PrivateTmp=yes", "ProtectHome=read-only", "BindReadOnlyPaths=-/tmp/.X11-unix"):
        assert hardening in body.splitlines(), hardening


@pytest.mark.slow
def test_the_real_kiosk_pings_only_while_frames_and_sound_are_alive(tmp_path):
    socket_path = tmp_path / "notify"
    listener = Listener(socket_path)
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "data",
                       f"audio:\n  device: no-such-device\nosc:\n  port: {free_udp_port()}\n")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "NOTIFY_SOCKET": str(socket_path), "WATCHDOG_USEC": "1000000"}
    with open(tmp_path / "kiosk.log", "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "installation", "--config", str(cfg), "run"], cwd=ROOT,
                                env=env, stdout=out, stderr=out)
    try:
        listener.wait_for("READY=1", 60)
        assert "STATUS=attract" in listener.messages[-1][1] and "no display" in listener.messages[-1][1]
        assert pings(listener.collect(3.0)) >= 4, "pinging twice a second for a 1 s watchdog"
        listener.wait_for("no sound device", 30)  # once the sound process has found none (slower when loaded)
        assert "no sound device" in listener.messages[-1][1], "the status says the sound has no device"
        child = int(subprocess.run(["pgrep", "-P", str(proc.pid), "bonemusic-audio"], capture_output=True,
                                   text=True).stdout.split()[0])
        os.kill(child, signal.SIGSTOP)  # the sound stalls: the sound process is replaced, no restart of all
        listener.collect(8.0)
        log = (tmp_path / "data" / "kiosk.log").read_text(encoding="utf-8")
        assert "restart" in log.lower(), "the stalled sound process was replaced"
        assert pings(listener.collect(8.0)) >= 4, "and the watchdog is fed again (a loaded machine: a moment later)"
        with contextlib.suppress(ProcessLookupError):  # it was killed and replaced
            os.kill(child, signal.SIGCONT)
        os.kill(proc.pid, signal.SIGSTOP)  # the main loop hangs
        try:
            assert pings(listener.collect(2.0)) == 0
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        listener.wait_for("WATCHDOG=1", 10)
        proc.send_signal(signal.SIGTERM)
        listener.wait_for("STOPPING=1", 20)
        assert proc.wait(20) == 0
        runs = json.loads((tmp_path / "data" / "runs.json").read_text(encoding="utf-8"))
        assert runs["ended"] == "SIGTERM" and not runs["running"], "the next start will say how this one ended"
    finally:
        if proc.poll() is None:
            proc.kill()
        listener.close()


@pytest.fixture
def kiosk():
    pygame.display.init()
    pygame.font.init()
    cfg = load_config(ROOT / "config.yaml")
    return Kiosk(cfg, load_library(ROOT / "assets"), pygame.Surface((800, 500)))


def test_a_sound_that_stays_stalled_stops_the_pings(kiosk):
    from installation.sound.port import SoundStatus

    class Sound:  # what the kiosk reads of the sound process: its block counter
        blocks = 0

        def status(self):
            return SoundStatus(blocks=self.blocks)
    health = kiosk.health
    health.sound = sound = Sound()
    assert health.sound_alive(100.0)
    sound.blocks = 512
    assert health.sound_alive(101.0)
    assert health.sound_alive(105.9), "under 5 s without a block: still alive"
    assert not health.sound_alive(106.1), "5 s without a block: stalled, no more pings"
    sound.blocks = 513
    assert health.sound_alive(106.2)


def test_the_start_s_self_test_waits_for_a_sound_process_still_opening_its_device(kiosk):
    """On a loaded box the sound process can take longer than the 10 s after start to open its
    device: the start's self-test waits for it (up to a minute more), rather than report a sound
    'not taking sound' that is only slow to start (a loaded run's did)."""
    from installation.show.health import SELF_TEST_AFTER_START, SOUND_START_PATIENCE
    from installation.sound.port import SoundStatus

    class Sound:
        device = "starting"

        def status(self):
            return SoundStatus(device=self.device)

    class Bus:
        posted: list = []

        def post(self, command):
            self.posted.append(command)
    health, bus, show = kiosk.health, Bus(), kiosk.show
    health.sound = sound = Sound()
    for now in (SELF_TEST_AFTER_START, SELF_TEST_AFTER_START + 5.0, SELF_TEST_AFTER_START + 20.0):
        show.now = now
        health.tick(bus)
    assert bus.posted == [], "not while the sound process is still starting"
    sound.device = "pulse"
    show.now += 1.0
    health.tick(bus)
    assert [c.reason for c in bus.posted] == ["at start"], "once it has its device"
    # a sound process that never opens one is tested (and reported) after the minute's patience
    health._self_test_at, bus.posted, sound.device = SELF_TEST_AFTER_START, [], "starting"
    show.now = SELF_TEST_AFTER_START + SOUND_START_PATIENCE + 0.1
    health.tick(bus)
    assert [c.reason for c in bus.posted] == ["at start"]


def test_a_failing_scene_goes_back_to_attract_and_is_taken_out_after_repeats(kiosk, monkeypatch, caplog):
    kiosk.show.switch("carousel")
    monkeypatch.setattr(type(kiosk.show.scenes["carousel"]), "draw", lambda self, surface: 1 / 0)
    for attempt in range(FAULT_LIMIT):
        kiosk.show.switch("carousel")
        kiosk.step(1 / 60, events=[])
        assert kiosk.show.scene.name == "attract", attempt
    assert "ZeroDivisionError" in caplog.text and "Traceback" in caplog.text
    assert "carousel" in kiosk.show.disabled and "taken out of the show" in caplog.text
    kiosk.show.switch("carousel")
    assert kiosk.show.scene.name == "attract", "a disabled scene is not shown again"
    kiosk.step(1 / 60, events=[])  # and the show goes on
    assert kiosk.running


def test_a_failing_command_handler_is_logged_not_fatal(kiosk, caplog):
    from installation.core.commands import PlayDisc

    kiosk.show.switch("attract")
    kiosk.commands.table[PlayDisc] = lambda c: {}["missing"]
    kiosk.bus.post(PlayDisc("x"))
    kiosk.step(1 / 60, events=[])
    assert kiosk.running and "KeyError" in caplog.text and "command PlayDisc" in caplog.text


def test_thirty_days_of_turning_keeps_every_frame_step_the_same():
    p = Platter(rpm=78.0)
    p.start(instant=True)
    dt = 1 / 60
    p.turns = 78 / 60 * 30 * 86400 % 4096 + 0.3  # where 30 days at 78 rpm leave it (the wrap keeps the angle)
    p.turns = 78 / 60 * 30 * 86400  # and unwrapped: the first update wraps it
    angles = []
    for _ in range(600):
        p.update(dt)
        angles.append(p.turns % 1.0)
    steps = [(b - a) % 1.0 for a, b in zip(angles, angles[1:])]
    assert max(steps) - min(steps) < 1e-9, "no jitter after a month"
    assert steps[0] == pytest.approx(78 / 60 * dt, rel=1e-9)
    assert p.turns < 4096


def test_opening_hours_close_and_open_the_kiosk_by_the_clock_alone():
    import datetime as dt

    from installation.screen.text import record_text
    from installation.show.calendar import OpeningHoursConfig

    pygame.display.init()
    pygame.font.init()
    cfg = load_config(ROOT / "config.yaml")
    cfg = dataclasses.replace(cfg, opening_hours=OpeningHoursConfig(enabled=True, tue="10:00-18:00"),
                              demos=dataclasses.replace(cfg.demos, timezone="Europe/Berlin"))
    clock = {"now": dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.timezone.utc)}  # Tuesday 21:00 in Berlin
    kiosk = Kiosk(cfg, load_library(ROOT / "assets"), pygame.Surface((800, 500)), Services(wall=lambda: clock["now"]))
    kiosk.show.switch("attract")  # a late start or after a power cut: the first frame already knows
    with record_text() as drawn:
        kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "closed"
    texts = [line.text for line in drawn]
    assert "Выставка закрыта" in texts and any("Откроется: ср 25.11 10:00" in t for t in texts), texts
    assert pygame.surfarray.array3d(kiosk.stage.surface).mean() < 10, "dark but for the card"
    from installation.core.commands import PlayDisc

    kiosk.bus.post(PlayDisc("bugi-na-rebrakh"))  # a performer's play waits for the opening
    kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "closed"
    clock["now"] = dt.datetime(2026, 11, 25, 8, 52, tzinfo=dt.timezone.utc)  # Wednesday 09:52: ten minutes before
    kiosk.step(1 / 60, events=[])
    kiosk.step(1 / 60, events=[])
    assert kiosk.health.self_test is not None and kiosk.health.self_test.reason == "before opening"
    assert kiosk.show.scene.name == "closed"
    clock["now"] = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc)  # Wednesday 10:00
    kiosk.step(1 / 60, events=[])
    assert kiosk.show.scene.name == "attract"


def test_the_technician_overlay_on_its_chord_and_over_osc(kiosk):
    import logging

    from installation.core.commands import ShowOverlay
    from installation.screen.text import record_text

    kiosk.show.switch("attract")
    logging.getLogger("installation.test").error("a scan in свинг-под-черепом would not decode")
    chord = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_o, mod=pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT)
    kiosk.step(1 / 60, events=[chord])
    with record_text() as drawn:
        kiosk.step(1 / 60, events=[])
    text = "\n".join(line.text for line in drawn)
    assert f"OSC 127.0.0.1 : {kiosk.cfg.osc.port} (this box only)" in text, "where it listens, as shipped"
    for expected in ("Bone Music 0.", "OSC ", "fps · frame p99", "RSS", "MB (disc pictures ", "plays today",
                     "свинг-под-черепом would not"):
        assert expected in text, expected
    for _ in range(62):
        kiosk.step(1.0, events=[])
    with record_text() as drawn:
        kiosk.step(1 / 60, events=[])
    assert not any("RSS" in line.text for line in drawn), "hidden again after a minute"
    kiosk.bus.post(ShowOverlay())  # what /kiosk/overlay posts
    with record_text() as drawn:
        kiosk.step(1 / 60, events=[])
    assert any("RSS" in line.text for line in drawn)


def test_the_overlay_names_every_address_only_when_osc_hears_on_every_one():
    from installation.screen.overlay import listening
    from installation.service.vitals import ip_addresses

    assert listening("127.0.0.1", 9000) == "127.0.0.1 : 9000 (this box only)"
    assert listening("0.0.0.0", 9000) == f"{', '.join(ip_addresses())} : 9000 (every address of this box)"
    assert listening("192.0.2.7", 9001) == "192.0.2.7 : 9001"


def test_a_display_is_looked_for_where_a_desktop_would_put_it(tmp_path, monkeypatch):
    """Started before the session exported its variables: the compositor's socket is found."""
    from installation.screen.recovery import display_candidate

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":199")  # an X server that is not there
    assert display_candidate() is None
    (tmp_path / "wayland-1").touch()  # labwc has started
    assert display_candidate() == "wayland wayland-1"
    assert os.environ["WAYLAND_DISPLAY"] == "wayland-1"


def test_every_start_says_how_the_last_run_ended_and_crashing_in_a_row_backs_off(tmp_path, caplog):
    from installation.service.lifecycle import Lifecycle

    t = [1000.0]
    data = tmp_path / "данные"
    with caplog.at_level(logging.INFO):
        first = Lifecycle(data, clock=lambda: t[0])
        assert first.begin() == 0.0
        first.end("SIGTERM")
        t[0] += 30
        assert Lifecycle(data, clock=lambda: t[0]).begin() == 0.0
        assert "the last run ended: SIGTERM" in caplog.text
        waits = []
        for _ in range(6):  # killed each time (no end): crashing in a row
            t[0] += 10
            waits.append(Lifecycle(data, clock=lambda: t[0]).begin())
        assert "ended without stopping" in caplog.text
    assert waits == [0.0, 5.0, 10.0, 20.0, 40.0, 60.0], "the run that was quit cleanly does not count"
    t[0] += 600  # it ran ten minutes before the next crash: no wait
    assert Lifecycle(data, clock=lambda: t[0]).begin() == 0.0
    (data / "runs.json").write_text("{not json", encoding="utf-8")
    assert Lifecycle(data, clock=lambda: t[0]).begin() == 0.0, "a corrupt record is replaced, not fatal"


def test_a_technician_quitting_and_starting_again_is_not_a_crash_loop(tmp_path):
    """Five clean quits in a minute (a technician trying things): no wait (it said "2 starts in
    the last 120 s: waiting 5 s")."""
    from installation.service.lifecycle import Lifecycle

    t = [1000.0]
    for _ in range(5):
        run = Lifecycle(tmp_path, clock=lambda: t[0])
        assert run.begin() == 0.0
        t[0] += 10
        run.end("quit: the technician's keys")


def test_the_self_test_names_each_problem_a_technician_can_act_on(tmp_path, monkeypatch):
    from installation.lathe.station import LatheView
    from installation.show import selftest
    from installation.sound.engine import AudioEngine
    from installation.sound.settings import AudioConfig

    content = tmp_path / "экспозиция"
    shutil.copytree(ROOT / "assets" / "discs" / "bugi-na-rebrakh", content / "discs" / "bugi-na-rebrakh")
    (content / "discs" / "битый").mkdir()
    (content / "discs" / "битый" / "disc.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    library = load_library(content)
    engine = AudioEngine(AudioConfig(device="no-such-device"))
    engine.start()
    try:
        report = selftest.run_self_test("10:00", "test", engine.status(), True, library, tmp_path,
                                        LatheView(state="fault", reason="the guard is open"))
        monkeypatch.setattr(selftest, "MIN_FREE_MB", 1e12)
        full = selftest.check_disk(tmp_path)
    finally:
        engine.close()
    checks = {c.name: c for c in report.checks}
    assert not report.ok and set(checks) == {"sound", "content", "disk", "lathe"}
    assert not checks["sound"].ok and "no audio device" in checks["sound"].detail
    assert not checks["content"].ok and "1 discs; 1 skipped" in checks["content"].detail
    assert checks["disk"].ok and "GB free" in checks["disk"].detail
    assert not checks["lathe"].ok and "the guard is open" in checks["lathe"].detail
    assert not full.ok and "MB free in" in full.detail
    assert report.summary().startswith("sound: no audio device") and "lathe: fault" in report.summary()


@pytest.mark.slow
def test_the_real_kiosk_tests_itself_at_start_and_when_asked_over_osc(tmp_path):
    port = free_udp_port()
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "data",
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    proc = start_kiosk(cfg, env, tmp_path / "kiosk.stderr")
    try:
        result = wait_for(lambda: (s := kiosk_status(port)["selftest"]) != "not run yet" and s, 60,
                          "the start's self-test")
        assert result.startswith("sound: no audio device"), result
        log = tmp_path / "data" / "kiosk.log"
        assert "self-test (at start): PROBLEMS" in log.read_text(encoding="utf-8")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(message("/kiosk/selftest"), ("127.0.0.1", port))
        wait_for(lambda: "self-test (asked for over OSC)" in log.read_text(encoding="utf-8"), 20, "the asked-for test")
        assert "self-test: content: ok · 6 discs, none skipped" in log.read_text(encoding="utf-8")
    finally:
        proc.terminate()
        proc.wait(20)


def test_the_disk_check_measures_a_data_folder_not_made_yet(tmp_path):
    from installation.show.selftest import check_disk

    check = check_disk(tmp_path / "данные" / "ещё нет")
    assert check.ok and "GB free" in check.detail


def test_memory_a_cut_left_behind_is_handed_back(tmp_path):
    """Rendering a cut's x-ray blank leaves the heap's high-water mark behind; the kiosk hands it
    back after the cut (and hourly). In a process of its own, so nothing else muddles RSS."""
    script = """
import numpy as np, pygame
from installation.screen.cut_disc import render_blank
from installation.service.vitals import release_memory, rss_mb
pygame.display.init()
start = rss_mb()
groove = np.stack([np.linspace(115, 60, 5000), np.linspace(0, 200, 5000), np.full(5000, 0.5)], axis=1)
for _ in range(2):
    render_blank(groove, 24.0)
before = rss_mb()
release_memory()
print(start, before, rss_mb())
"""
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    start, before, after = (float(v) for v in out.stdout.split()[-3:])
    assert before - start > 10, (start, before, after)
    assert after < before - 0.5 * (before - start), f"RSS {before:.0f} -> {after:.0f} MB (from {start:.0f})"


def test_install_service_without_a_user_systemd_says_what_to_do_and_leaves_nothing(tmp_path):
    """As root over SSH (no user session): it printed systemd's errors, `installing anyway`,
    exited 2 and left a unit file behind."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    reach = subprocess.run(["systemctl", "--user", "show-environment"], env=env, capture_output=True, timeout=20) \
        if shutil.which("systemctl") else None
    if reach is not None and reach.returncode == 0:
        pytest.skip("this machine has a user systemd even so: the script would install for real")
    result = subprocess.run([str(ROOT / "scripts" / "install-service.sh")], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "there is no systemd user session here" in result.stderr and "loginctl enable-linger" in result.stderr
    assert "Nothing was installed." in result.stderr
    assert not list(tmp_path.rglob("*")), "no unit file, no folder left behind"
