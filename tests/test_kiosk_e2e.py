"""End to end under Xvfb: a real window, a real click, a real quit chord, as a visitor and a technician."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time


from conftest import ROOT, free_udp_port, kiosk_status, needs_x, screenshot, start_kiosk, wait_for, write_config, xdotool

@needs_x
def test_kiosk_window_touch_and_quit(xvfb, tmp_path):
    data = tmp_path / "данные"
    port = free_udp_port()
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", data,
                       "display:\n  fullscreen: false\n  size: [1024, 640]\n"
                       f"audio:\n  device: no-such-device\nosc:\n  port: {port}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER")}
    env.update(DISPLAY=xvfb, SDL_MOUSE_TOUCH_EVENTS="1")
    log = tmp_path / "kiosk.stderr"
    proc = start_kiosk(cfg, env, log)
    try:
        window = wait_for(lambda: xdotool(xvfb, "search", "--class", "bone-music").split(), 20, "the window")[0]
        time.sleep(1.0)
        attract = screenshot(xvfb, tmp_path / "attract.png")
        assert attract[412:612, 100:300].mean() > 30, "a disc turns in the middle of the window"
        assert (attract[:, 520:640] > 150).sum() > 500, "titles in the lower band"

        xdotool(xvfb, "mousemove", "--window", window, "512", "300", "click", "1")
        wait_for(lambda: "scene: player" in log.read_text(), 20, "a tap to open the player")
        time.sleep(1.0)
        player = screenshot(xvfb, tmp_path / "player.png")
        assert (player[650:1000, 40:120] > 170).sum() > 300, "the disc's title at the top right"
        counts = wait_for(lambda: (data / "play_counts.json").exists() and
                          json.loads((data / "play_counts.json").read_text(encoding="utf-8")), 10, "play counts")
        assert counts == {"bugi-na-rebrakh": 1}

        xdotool(xvfb, "mousemove", "--window", window, "300", "300", "click", "1")
        wait_for(lambda: "свинг-под-черепом" in (data / "play_counts.json").read_text(encoding="utf-8"), 10,
                 "a second tap to change the disc")
        assert (data / "kiosk.log").read_text(encoding="utf-8").count("scene: player") == 1

        # the performer, over real UDP: liblo's oscsend picks a disc, python asks for the status
        if shutil.which("oscsend"):
            subprocess.run(["oscsend", "127.0.0.1", str(port), "/kiosk/disc", "s", "танго-позвонков"], check=True)
            wait_for(lambda: "танго-позвонков" in (data / "play_counts.json").read_text(encoding="utf-8"), 10,
                     "the disc chosen over OSC")
        replies = kiosk_status(port)
        assert replies["scene"] == "player"
        assert replies["disc"] == ("танго-позвонков" if shutil.which("oscsend") else "свинг-под-черепом")
        time.sleep(0.5)
        osc_shot = screenshot(xvfb, tmp_path / "osc.png")
        assert (osc_shot[650:1000, 40:120] > 170).sum() > 300, "the new disc's title"

        xdotool(xvfb, "key", "--window", window, "ctrl+shift+q")
        assert proc.wait(15) == 0
        assert "quit: quit keys ctrl+shift+q" in log.read_text()
        assert "null sink" in log.read_text()
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
