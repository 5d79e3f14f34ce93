"""The console in a real browser (Debian's chromium, headless, driven by Playwright) against
the real kiosk under Xvfb: its sound process, its OSC server, a copy of the content and a data
dir of its own. One visit, as a technician and a curator would make it from a phone."""
from __future__ import annotations

import shutil
import signal
import socket

import pytest

from installation.remote.console.password import set_password
from installation.remote.osc.messages import message
from installation.screen.layout import player_layout

from conftest import (
    ROOT,
    browser_page,
    free_tcp_port,
    free_udp_port,
    kiosk_status,
    on_display,
    screenshot_showing,
    start_kiosk,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.slow
PASSWORD = "рентгениздат-1956"
REHEARSAL = "2026-12-05 14:58"


@pytest.fixture
def kiosk_on_screen(tmp_path, xvfb):
    data, web, osc = tmp_path / "данные", free_tcp_port(), free_udp_port()
    content = tmp_path / "content"
    shutil.copytree(ROOT / "assets", content)
    set_password(data, PASSWORD)
    cfg = write_config(tmp_path / "config.yaml", content, data,
                       "display:\n  fullscreen: false\n  size: [1024, 640]\n"
                       f"audio:\n  device: no-such-device\nosc:\n  port: {osc}\nconsole:\n  port: {web}\n")
    # the kiosk's clock injected as a rehearsal's: a demo added at 15:05 counts down from the start
    proc = start_kiosk(cfg, on_display(xvfb), tmp_path / "stderr.txt", "--rehearse", REHEARSAL)
    try:
        yield f"http://127.0.0.1:{web}/", osc, content, xvfb, data
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def test_the_technician_and_the_curator_on_a_phone(kiosk_on_screen, tmp_path):
    """Logged in (after a wrong password), the kiosk live, a self-test asked for, a disc added
    through the form and its caption corrected, the new disc playing in the kiosk, a folder
    dropped in by hand joining too; a phone's viewport, screenshots looked at."""
    url, osc, content, display, data = kiosk_on_screen
    source = ROOT / "assets" / "discs" / "свинг-под-черепом"
    new = "пластинка-из-консоли"
    log = data / "kiosk.log"
    with browser_page(tmp_path, 390, 844) as page:
        page.goto(url)
        page.fill("#password", "not the password")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#login-error:has-text('Неверный пароль')")  # (and the server's words after)
        assert page.is_hidden("#now")
        page.screenshot(path=str(tmp_path / "console-login.png"))
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#now-scene:has-text('attract')", timeout=20000)
        page.wait_for_selector("#disc-list li:has-text('Свинг под черепом')")
        assert page.locator("#disc-list li").count() == 6, "every disc of the collection, with its scan"
        page.click("[data-action=selftest]")
        page.wait_for_selector("#action-result:has-text('✓')")
        wait_for(lambda: "self-test (asked for in the console from 127.0.0.1)" in log.read_text(encoding="utf-8"),
                 20, "the self-test the console asked for, in the kiosk's log")
        page.reload()  # the session survives a reload (the cookie), without the password again
        page.wait_for_selector("#now-scene:has-text('attract')", timeout=20000)
        fields = {"id": new, "title_ru": "Буги из консоли", "title_en": "Boogie from the Console",
                  "artist_ru": "Трио «Пульт»", "artist_en": "The Console Trio", "city_ru": "Ленинград",
                  "city_en": "Leningrad", "year": "1957", "body_ru": "череп", "body_en": "skull",
                  "caption_ru": "Добавлена куратором с телефона.", "caption_en": "Added by a curator from a phone."}
        for name, value in fields.items():
            page.fill(f"#add-form [name={name}]", value)
        page.set_input_files("#add-scan", str(source / "scan.jpg"))
        garbage = tmp_path / "не-звук.ogg"
        garbage.write_bytes(b"OggS" + bytes(4000))
        page.set_input_files("#add-audio", str(garbage))  # a garbage sound first: check's line on the page
        page.click("#add-form button[value=no]")
        page.wait_for_selector("#add-result:has-text('cannot decode audio')", timeout=60000)
        assert not (content / "discs" / new).exists()
        page.set_input_files("#add-audio", str(source / "audio.ogg"))
        page.click("#add-form button[value=no]")  # a look and a listen first
        page.wait_for_selector("#preview:not([hidden])", timeout=170000)  # (some 5 s idle; a busy CI is slower)
        page.wait_for_function("document.querySelector('#preview-picture').naturalWidth === 1024", timeout=20000)
        page.wait_for_function("document.querySelector('#preview-sound').duration > 9.9", timeout=20000)
        assert not (content / "discs" / new).exists(), "not in the show before it is published"
        page.locator("#preview").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "console-preview.png"), full_page=True)
        page.click("#preview-publish")
        page.wait_for_selector(f"#add-result:has-text('{new}')", timeout=60000)
        page.screenshot(path=str(tmp_path / "console-add.png"), full_page=True)
        assert sorted(p.name for p in (content / "discs" / new).iterdir()) == ["audio.ogg", "disc.yaml", "scan.jpg"]
        card = page.locator("#disc-list li", has_text="Буги из консоли")  # then its caption corrected
        card.locator("summary").click()
        card.locator("[data-key='caption.ru']").fill("Подпись, исправленная с телефона.")
        card.locator(".editor button").click()
        wait_for(lambda: f"disc changed from the console, from 127.0.0.1: {new}" in log.read_text(encoding="utf-8"),
                 20, "the edit taken by the show")
        page.click("#demo-add")  # a demo for later today, through the schedule's form
        row = page.locator("#demo-rows .demo").last
        row.locator("[name=when]").fill("2026-12-05 15:05")  # minutes after the rehearsal's clock began
        row.locator("[name=title]").fill("Буги на плёнке")
        page.click("#schedule-form button[type=submit]")
        page.wait_for_selector("#schedule-result:has-text('Сохранено')")
        assert "Буги на плёнке" in (tmp_path / "config.yaml").read_text(encoding="utf-8")
        wait_for(lambda: kiosk_status(osc).get("scene") == "live_cut", 30, "the countdown on the kiosk")
        countdown = screenshot_showing(display, tmp_path / "kiosk-countdown.png",
                                       lambda s: (s > 170).sum() > 2000, "the countdown's words")
        assert countdown is not None
        page.wait_for_selector("#now-scene:has-text('live_cut')", timeout=20000)
        page.wait_for_selector("#now-next_demo:has-text('2026-12-05 15:05 Буги на плёнке')", timeout=20000)
        # both processes' memory, read live (a sound process just replaced, as under load, reads 0 a moment)
        page.wait_for_function("Number(document.querySelector('#now-sound_memory_mb').textContent) > 20", timeout=30000)
        assert float(page.text_content("#now-memory_mb")) > 50
        assert "1024x640" in page.text_content("#now-display")
        assert page.locator("#plays-chart rect").count() == 24, "plays by the hour, today"
        refused = page.evaluate("""async () => (await fetch('/api/actions/stop', {method: 'POST'})).status""")
        assert refused == 403, "a change without the session's token, from the page itself"
        page.click("#lang")
        page.wait_for_selector("dt:has-text('Scene')")
        page.wait_for_selector("#disc-list li:has-text('Swing Under the Skull')")
        page.screenshot(path=str(tmp_path / "console-phone.png"), full_page=True)
        page.click("#logout")  # and the rate limit: five wrong tries, then even the right one waits
        for _ in range(5):
            page.fill("#password", "not the password")
            page.click("#login-form button[type=submit]")
            page.wait_for_selector("#login-error:not(:empty)")
            page.evaluate("document.querySelector('#login-error').textContent = ''")
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#login-error:has-text('too many tries')")
        assert page.is_hidden("#now")
    assert "Подпись, исправленная с телефона." in (content / "discs" / new / "disc.yaml").read_text(encoding="utf-8")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:  # the performer plays it, over OSC
        sock.sendto(message("/kiosk/disc", new), ("127.0.0.1", osc))
    wait_for(lambda: kiosk_status(osc).get("disc") == new, 30, "the new disc playing in the kiosk")
    p = player_layout((1024, 640), 96.0)
    shot = screenshot_showing(display, tmp_path / "kiosk-player.png",
                              lambda s: (s[p.text.x:p.text.right, p.text.y:p.text.y + 60] > 170).sum() > 300,
                              "the new disc's title in the player")
    assert shot is not None
    # and one the curator copies in by hand while the show runs: it joins within seconds
    shutil.copytree(source, content / "discs" / "руками")
    dropped = "new disc from a folder dropped into the content folder: руками"
    wait_for(lambda: dropped in log.read_text(encoding="utf-8"), 30, "the folder dropped in, in the show")
