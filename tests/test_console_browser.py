"""The console in a real browser (Debian's chromium, headless, driven by Playwright) against
the real kiosk: its sound process, its OSC server, its data dir. A wrong password refused, the
right one let in, the kiosk's state live on the page, an action reaching the kiosk; the page on
a phone's viewport, screenshot looked at."""
from __future__ import annotations

import os
import signal

import pytest

from installation.remote.console.password import set_password

from conftest import ROOT, browser_page, free_tcp_port, free_udp_port, kiosk_status, start_kiosk, wait_for, write_config

pytestmark = pytest.mark.slow
PASSWORD = "рентгениздат-1956"


@pytest.fixture
def kiosk(tmp_path):
    data, web, osc = tmp_path / "данные", free_tcp_port(), free_udp_port()
    set_password(data, PASSWORD)
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", data,
                       f"audio:\n  device: no-such-device\nosc:\n  port: {osc}\nconsole:\n  port: {web}\n")
    proc = start_kiosk(cfg, {**os.environ, "SDL_VIDEODRIVER": "dummy"}, tmp_path / "stderr.txt")
    try:
        yield f"http://127.0.0.1:{web}/", osc, data
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def test_log_in_see_the_kiosk_live_and_act_on_it_from_a_phone(kiosk, tmp_path):
    url, osc, data = kiosk
    with browser_page(tmp_path, 390, 844) as page:  # a phone
        page.goto(url)
        page.fill("#password", "not the password")
        page.click("button[type=submit]")
        page.wait_for_selector("#login-error:has-text('wrong password')")
        assert page.is_hidden("#now")
        page.screenshot(path=str(tmp_path / "console-login.png"))
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#now-scene:has-text('attract')", timeout=20000)
        page.click("[data-action=selftest]")
        page.wait_for_selector("#action-result:has-text('✓')")
        wait_for(lambda: "self-test (asked for in the console from 127.0.0.1)" in (data / "kiosk.log").read_text(
            encoding="utf-8"), 20, "the self-test the console asked for, in the kiosk's log")
        page.click("#lang")
        page.wait_for_selector("dt:has-text('Screen')")
        page.screenshot(path=str(tmp_path / "console-now-phone.png"), full_page=True)
        assert kiosk_status(osc)["scene"] == "attract"
        page.reload()  # the session survives a reload (the cookie), without the password again
        page.wait_for_selector("#now-scene:has-text('attract')", timeout=20000)
