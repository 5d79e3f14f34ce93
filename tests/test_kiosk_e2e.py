"""End to end under Xvfb: a real window, a real click, a real quit chord, as a visitor and a technician."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time

import pytest

from installation.screen.layout import attract_layout, carousel_layout, player_layout

from conftest import (
    ROOT,
    free_display,
    free_udp_port,
    kiosk_status,
    needs_x,
    on_display,
    screenshot,
    screenshot_showing,
    start_kiosk,
    wait_for,
    write_config,
    xdotool,
)

pytestmark = pytest.mark.slow  # end to end, in real time: `make test-fast` leaves it out


@needs_x
@pytest.mark.parametrize("touch", [False, True], ids=["mouse", "touch"])
def test_kiosk_window_touch_and_quit(xvfb, tmp_path, touch):
    """A visitor's path through the real window: attract, carousel, player, a finger on the
    record, back; xdotool's mouse on the surface path, and (SDL_MOUSE_TOUCH_EVENTS=1) the same
    gestures as touch on SDL's renderer path."""
    size = (1024, 640)
    data = tmp_path / "данные"
    port = free_udp_port()
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", data,
                       "display:\n  fullscreen: false\n  size: [1024, 640]\n"
                       f"  renderer: {'renderer' if touch else 'surface'}\n"  # both drawing paths, for real
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n")
    env = on_display(xvfb, SDL_MOUSE_TOUCH_EVENTS="1" if touch else "0")
    log = tmp_path / "kiosk.stderr"
    proc = start_kiosk(cfg, env, log)
    dpi = 96.0
    try:
        window = wait_for(lambda: xdotool(xvfb, "search", "--class", "bone-music").split(), 20, "the window")[0]
        a = attract_layout(size, dpi)
        (x, y) = a.disc_center
        attract = screenshot_showing(xvfb, tmp_path / "attract.png",
                                     lambda shot: shot[x - 100:x + 100, y - 100:y + 100].mean() > 30, "the disc")
        assert (attract[:, a.band.y:a.band.bottom] > 150).sum() > 500, "titles and the call to action below it"

        xdotool(xvfb, "mousemove", "--window", window, "512", "300", "click", "1")
        wait_for(lambda: "scene: carousel" in log.read_text(), 20, "a tap to open the carousel")
        c = carousel_layout(size, dpi)
        xdotool(xvfb, "mousemove", "--window", window, str(c.center[0]), str(c.center[1]), "click", "1")
        wait_for(lambda: "scene: player" in log.read_text(), 20, "a tap on the centre disc to play it")
        counts = wait_for(lambda: (data / "play_counts.json").exists() and
                          json.loads((data / "play_counts.json").read_text(encoding="utf-8")), 10, "play counts")
        assert counts == {"bugi-na-rebrakh": 1}, "one press, one play"
        time.sleep(1.0)
        player = screenshot(xvfb, tmp_path / "player.png")
        p = player_layout(size, dpi)
        assert (player[p.text.x:p.text.right, p.text.y:p.text.y + 60] > 170).sum() > 300, "the disc's title"
        wait_for(lambda: kiosk_status(port)["speed"] > 0.95, 30, "the platter at speed")  # (10 s missed under load)

        # a finger on the record: round a quarter turn, then held still
        cx, cy = p.disc_center
        r = p.disc_diameter * 0.3
        xdotool(xvfb, "mousemove", "--window", window, str(int(cx + r)), str(cy), "mousedown", "1")
        for k in range(1, 13):
            a_ = k * math.pi / 24
            xdotool(xvfb, "mousemove", "--window", window, str(int(cx + r * math.cos(a_))),
                    str(int(cy + r * math.sin(a_))))
        # held still, the sound stops: within moments (the null sink this kiosk plays to, with
        # its device tried again every second, can fall a few tenths of a second behind)
        held = wait_for(lambda: abs(kiosk_status(port)["speed"]) < 0.05, 5, "the sound stopped under the finger")
        xdotool(xvfb, "mouseup", "1")
        assert held
        wait_for(lambda: kiosk_status(port)["speed"] > 0.95, 10, "let go: the motor brings it back")

        back = p.controls["back"].center
        xdotool(xvfb, "mousemove", "--window", window, str(back[0]), str(back[1]), "click", "1")
        wait_for(lambda: log.read_text().count("scene: carousel") == 2, 10, "the back button")

        # the performer, over real UDP: liblo's oscsend picks a disc, python asks for the status
        if shutil.which("oscsend"):
            subprocess.run(["oscsend", "127.0.0.1", str(port), "/kiosk/disc", "s", "танго-позвонков"], check=True)
            wait_for(lambda: "танго-позвонков" in (data / "play_counts.json").read_text(encoding="utf-8"), 10,
                     "the disc chosen over OSC")
            # the status is published at the end of the frame the disc was chosen in: a frame may be slow
            assert wait_for(lambda: kiosk_status(port)["disc"] == "танго-позвонков", 10, "the status following")

        xdotool(xvfb, "key", "--window", window, "ctrl+shift+q")
        assert proc.wait(15) == 0
        assert "quit: quit keys ctrl+shift+q" in log.read_text()
        assert "null sink" in log.read_text()
        if not touch:  # the surface path in a real window turns its discs with the compiled loop (turning.py)
            assert "discs turned by the compiled loop from now" in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_headless_without_display_keeps_running_and_stops_on_sigterm(tmp_path):
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "data",
                       f"audio:\n  device: no-such-device\nosc:\n  port: {free_udp_port()}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER", "DISPLAY",
                                                            "WAYLAND_DISPLAY")}
    log = tmp_path / "kiosk.stderr"
    proc = start_kiosk(cfg, env, log)
    try:
        time.sleep(1.5)
        assert proc.poll() is None, "still running without a display"
        proc.send_signal(15)
        assert proc.wait(10) == 0
        text = log.read_text()
        assert text.count("no display") == 1 and "dummy video driver" in text
        assert "quit: SIGTERM" in text, "a stop is logged with its reason"
    finally:
        if proc.poll() is None:
            proc.kill()


@needs_x
def test_started_before_the_display_it_moves_onto_the_screen_when_one_appears(tmp_path):
    """The service started before the desktop: headless at first, then on the screen that
    appeared, drawing and answering touch, without a restart."""
    display = free_display(range(121, 160))
    port = free_udp_port()
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "data",
                       "display:\n  fullscreen: false\n  size: [800, 500]\n  renderer: surface\n  retry_seconds: 1\n"
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n")
    env = on_display(display)  # exported by the session, the X server not up yet
    log = tmp_path / "kiosk.stderr"
    proc = start_kiosk(cfg, env, log)
    xvfb = None
    try:
        assert "no display" in log.read_text()
        time.sleep(2.0)  # a few looks at a display that is not there
        assert kiosk_status(port)["scene"] == "attract", "headless, the show and OSC go on"
        xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x640x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        appeared = time.monotonic()
        window = wait_for(lambda: xdotool(display, "search", "--class", "bone-music").split(), 30, "the window")[0]
        print(f"on the screen {time.monotonic() - appeared:.1f} s after the X server started")
        wait_for(lambda: "the show moves onto it" in log.read_text(), 10, "the log line")  # written after the window
        time.sleep(1.0)
        shot = screenshot(display, tmp_path / "appeared.png")
        assert shot[:800, :500].mean() > 15 and (shot[:800, :500] > 150).sum() > 500, "the attract show drawn"
        xdotool(display, "mousemove", "--window", window, "400", "250", "click", "1")
        wait_for(lambda: "scene: carousel" in log.read_text(), 20, "a tap on the new screen")
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(20)
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)


@needs_x
def test_when_the_x_server_goes_the_kiosk_says_why_and_the_next_start_waits_for_a_display(tmp_path):
    """Xlib ends a process whose X server died; the kiosk's last words go to its log and its run
    record, and the start the service makes next says how the last run ended and runs headless."""
    display = free_display(range(160, 200))
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "800x500x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_udp_port()
    data = tmp_path / "data"
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", data,
                       "display:\n  fullscreen: true\n  renderer: surface\n  retry_seconds: 1\n"
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n")
    env = on_display(display)
    procs = []
    try:
        wait_for(lambda: os.path.exists(f"/tmp/.X11-unix/X{display[1:]}"), 10, "Xvfb")
        procs.append(start_kiosk(cfg, env, tmp_path / "first.stderr"))
        wait_for(lambda: xdotool(display, "search", "--class", "bone-music").split(), 20, "the window")
        xvfb.kill()
        xvfb.wait(5)
        assert procs[0].wait(30) != 0, "Xlib ends the process"
        log = (data / "kiosk.log").read_text(encoding="utf-8")
        assert f"display: the X server {display} went away" in log
        assert json.loads((data / "runs.json").read_text())["ended"] == f"the X server {display} went away"
        procs.append(start_kiosk(cfg, env, tmp_path / "second.stderr"))  # as systemd restarts it
        log = (data / "kiosk.log").read_text(encoding="utf-8")
        assert f"started; the last run ended: the X server {display} went away" in log
        wait_for(lambda: kiosk_status(port)["scene"] == "attract", 20, "headless, the show on until a display comes")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(20)
        if xvfb.poll() is None:
            xvfb.kill()


@needs_x
@pytest.mark.parametrize("renderer", ["surface", "renderer"])
def test_the_show_follows_the_window_to_a_new_size(xvfb, tmp_path, renderer):
    """Full screen, then the window turned portrait, as a window manager or compositor does when
    a TV is replugged with another mode or the screen is turned: the show is laid out for the new
    size, and a touch lands where the new layout has it."""
    port = free_udp_port()
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "data",
                       f"display:\n  fullscreen: true\n  renderer: {renderer}\n"
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n")
    env = on_display(xvfb)
    log = tmp_path / "kiosk.stderr"
    proc = start_kiosk(cfg, env, log)
    dpi, size = 96.0, (400, 640)
    try:
        window = wait_for(lambda: xdotool(xvfb, "search", "--class", "bone-music").split(), 20, "the window")[0]
        time.sleep(1.0)
        xdotool(xvfb, "windowsize", window, *map(str, size))
        wait_for(lambda: "the window is now 400x640" in log.read_text(), 10, "the new size noticed")
        a = attract_layout(size, dpi)
        cx, cy = a.disc_center
        assert cx < 400
        shot = screenshot_showing(xvfb, tmp_path / f"portrait-{renderer}.png",
                                  lambda shot: shot[cx - 60:cx + 60, cy - 60:cy + 60].mean() > 30,
                                  "the disc, in the portrait window")
        assert (shot[:400, a.band.y:a.band.bottom] > 150).sum() > 300, "titles and the call to action, inside"
        xdotool(xvfb, "mousemove", "--window", window, "200", "320", "click", "1")
        wait_for(lambda: "scene: carousel" in log.read_text(), 20, "a tap on the portrait screen")
        c = carousel_layout(size, dpi)
        xdotool(xvfb, "mousemove", "--window", window, str(c.center[0]), str(c.center[1]), "click", "1")
        wait_for(lambda: "scene: player" in log.read_text(), 20,
                 "a tap on the centre disc, where the new layout has it")
        time.sleep(1.0)
        p = player_layout(size, dpi)
        player = screenshot(xvfb, tmp_path / f"portrait-player-{renderer}.png")
        assert (player[p.text.x:p.text.right, p.text.y:p.text.y + 60] > 170).sum() > 150, "the disc's title"
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(20)


@needs_x
def test_a_turn_back_by_hand_moves_the_music_back_one_turn(xvfb, tmp_path):
    """The record under a real pointer: xdotool presses on the disc, goes round the spindle in
    steps and holds still; the sound's position, asked over OSC, moved back one turn (60/rpm s)
    for a turn back over 1.5 s, and forward half of one for half a turn over 3 s (before: a turn
    back over 1.5 s moved it 8.6 s on a busy machine)."""
    import socket

    from installation.content.library import load_library
    from installation.remote.osc.messages import message

    size, dpi = (1024, 640), 96.0
    port = free_udp_port()
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "data",
                       "display:\n  fullscreen: false\n  size: [1024, 640]\n"
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n")
    log = tmp_path / "kiosk.stderr"
    proc = start_kiosk(cfg, on_display(xvfb), log)
    disc = load_library(ROOT / "assets").find("bugi-na-rebrakh")
    per_turn = 60.0 / disc.info.rpm
    p = player_layout(size, dpi)
    cx, cy = p.disc_center
    r = p.disc_diameter * 0.3
    angle = 0.0

    def to(a: float) -> None:
        x, y = round(cx + r * math.cos(a)), round(cy + r * math.sin(a))
        xdotool(xvfb, "mousemove", "--window", window, str(x), str(y))

    def resting() -> float:
        time.sleep(0.8)
        return kiosk_status(port)["position"]

    def turn(turns: float, seconds: float, steps: int) -> float:
        nonlocal angle
        start = time.monotonic()
        for k in range(1, steps + 1):
            angle += 2 * math.pi * turns / steps
            to(angle)
            time.sleep(max(0.0, start + seconds * k / steps - time.monotonic()))
        return resting()

    try:
        window = wait_for(lambda: xdotool(xvfb, "search", "--class", "bone-music").split(), 20, "the window")[0]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:  # the performer puts it on
            sock.sendto(message("/kiosk/disc", disc.id), ("127.0.0.1", port))
        wait_for(lambda: kiosk_status(port).get("disc") == disc.id and kiosk_status(port)["speed"] > 0.95
                 and kiosk_status(port)["position"] > 2.0, 30, "the disc playing at speed")
        to(angle)
        xdotool(xvfb, "mousedown", "1")
        rest = turn(10 / 360, 0.1, 2)  # past a tap: the finger has the platter
        back = turn(-1.0, 1.5, 36)
        forward = turn(0.5, 3.0, 30)
        xdotool(xvfb, "mouseup", "1")
        print(f"one turn back: {back - rest:+.3f} s, half a turn forward: {forward - back:+.3f} s "
              f"(a turn is {per_turn:.3f} s)")
        # (idle: -0.770 and +0.382 s of a 0.769 s turn; beside two busy loops and a parallel suite the
        # window's pointer lost a little of the move: -0.723 and +0.338 s. A wrong direction, half a
        # turn or two turns are far outside either)
        # (once, on a loaded run, a turn back moved it two turns; should it again, the sound process's
        # restarts say whether one came mid-turn: test_audio_process holds the hand across one)
        restarts = [line for line in log.read_text(encoding="utf-8").splitlines() if "starting it again" in line]
        assert back - rest == pytest.approx(-per_turn, rel=0.15), restarts
        assert forward - back == pytest.approx(per_turn / 2, rel=0.15), restarts
        wait_for(lambda: kiosk_status(port)["speed"] > 0.95, 10, "let go: the motor brings it back")
    finally:
        proc.terminate()
        proc.wait(20)
