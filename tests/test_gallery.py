"""The gallery of boxes on a real Mosquitto (Debian's), started by the test on a loopback port
with the shipped ACL and a password file: retained statuses with a last will, commands to one
box or all posted on each box's bus, and the broker refusing whoever may not command."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from installation.core.commands import CommandBus, PlayDisc
from installation.remote.gallery.link import GalleryLink
from installation.remote.gallery.settings import GalleryConfig

from conftest import ROOT, free_tcp_port, free_udp_port, kiosk_status, start_kiosk, wait_for, write_config

pytestmark = pytest.mark.skipif(shutil.which("mosquitto") is None, reason="apt install mosquitto (make test does)")
SITE = "test"
USERS = {"box-a": "пароль-a", "box-b": "пароль-b", "console": "пароль-пульта"}


@pytest.fixture
def broker(tmp_path):
    """Mosquitto with the shipped ACL and a password file of its own, on a free loopback port."""
    port, folder = free_tcp_port(), tmp_path / "broker"
    folder.mkdir()
    passwd = folder / "passwd"
    for n, (user, password) in enumerate(USERS.items()):
        subprocess.run(["mosquitto_passwd", "-b"] + (["-c"] if n == 0 else []) + [str(passwd), user, password],
                       check=True, capture_output=True, timeout=30)
    shipped = (ROOT / "gallery" / "mosquitto.conf").read_text(encoding="utf-8")
    conf = folder / "mosquitto.conf"
    conf.write_text(shipped.replace("listener 1883", f"listener {port} 127.0.0.1")
                    .replace("/etc/mosquitto/bonemusic.passwd", str(passwd))
                    .replace("/etc/mosquitto/bonemusic.acl", str(ROOT / "gallery" / "bonemusic.acl"))
                    .replace("persistence true", "persistence false")
                    # (as root it would become the `mosquitto` user, who cannot read a test's folders)
                    + ("user root\n" if os.geteuid() == 0 else ""), encoding="utf-8")
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    wait_for(listening, 20, "mosquitto listening")
    yield port, folder
    proc.terminate()
    proc.wait(10)


class Watcher:
    """A plain paho client, as another program on the network would be."""

    def __init__(self, port: int, user: str = "console", password: str = USERS["console"]):
        self.messages: list = []
        self.refused = None
        self.connected = threading.Event()
        c = self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        if user:
            c.username_pw_set(user, password)

        def on_connect(client, userdata, flags, reason, properties):
            if reason.is_failure:
                self.refused = str(reason)
            else:
                client.subscribe(f"bonemusic/{SITE}/#", qos=1)
            self.connected.set()

        c.on_connect = on_connect
        c.on_message = lambda client, userdata, msg: self.messages.append(
            (time.monotonic(), msg.topic, msg.payload.decode("utf-8", "replace"), msg.retain))
        c.connect("127.0.0.1", port, keepalive=5)
        c.loop_start()
        self.connected.wait(10)

    def statuses(self, box: str) -> list:
        return [json.loads(p) for _, t, p, _ in self.messages if t == f"bonemusic/{SITE}/{box}/status" and p]

    def send(self, box: str, body: dict) -> None:
        payload = json.dumps(body, ensure_ascii=False)
        self.client.publish(f"bonemusic/{SITE}/{box}/cmd", payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def link(port: int, box: str, folder, status, keepalive: int = 2) -> tuple:
    secret = folder / f"{box}.secret"
    secret.write_text(USERS[box if box in USERS else "console"] + "\n", encoding="utf-8")
    cfg = GalleryConfig(enabled=True, broker=f"127.0.0.1:{port}", site=SITE, box=box,
                        username="" if box in USERS else "console", keepalive_seconds=keepalive)
    bus = CommandBus()
    g = GalleryLink(cfg, bus, status, secret)
    g.start()
    wait_for(lambda: g.connected, 15, f"{box} connected")
    return g, bus


def test_a_box_publishes_its_status_and_takes_commands_the_broker_lets_through(broker, caplog):
    port, folder = broker
    a, bus_a = link(port, "box-a", folder, lambda: {"scene": "attract", "disc": "", "underruns": 0})
    b, bus_b = link(port, "box-b", folder, lambda: {"scene": "player", "disc": "vals-kisti"})
    watcher = Watcher(port)
    try:
        wait_for(lambda: watcher.statuses("box-a") and watcher.statuses("box-b"), 10, "both statuses, retained")
        assert watcher.statuses("box-a")[-1]["online"] is True and watcher.statuses("box-b")[-1]["disc"] == "vals-kisti"
        assert watcher.statuses("box-a")[-1]["since"], "since when it is online"
        watcher.send("all", {"action": "disc", "id": "свинг-под-черепом"})  # the console's user, to all
        watcher.send("box-b", {"action": "volume", "level": 0.25})  # and to one box
        wait_for(lambda: bus_b._queue.qsize() >= 2, 10, "box-b's two commands")
        got_a, got_b = bus_a.drain(), bus_b.drain()
        assert got_a == [PlayDisc("свинг-под-черепом")]
        assert got_b[0] == PlayDisc("свинг-под-черепом") and type(got_b[1]).__name__ == "SetVolume"
        # box-b's own user and an anonymous client may not command: the broker drops it
        box_b_user = Watcher(port, "box-b", USERS["box-b"])
        box_b_user.send("box-a", {"action": "stop"})
        anonymous = Watcher(port, "", "")
        assert anonymous.refused is not None, "no anonymous clients on the gallery's broker"
        watcher.send("box-a", {"action": "nonsense"})  # logged and dropped by the box
        watcher.send("box-a", {"action": "selftest"})  # after both: when it is here, they came first
        wait_for(lambda: bus_a._queue.qsize() >= 1, 10, "the console's self-test at box-a")
        assert [type(c).__name__ for c in bus_a.drain()] == ["RunSelfTest"], "box-b's stop never reached box-a"
        assert "gallery: a command on bonemusic/test/box-a/cmd dropped: no action 'nonsense'" in caplog.text
        box_b_user.close()
        anonymous.close()
        # the console's box sees every box; another box sees none but itself
        hall, _ = link(port, "hall", folder, dict)
        wait_for(lambda: {"box-a", "box-b"} <= {x["box"] for x in hall.boxes()}, 10, "the gallery from the console")
        assert {x["box"] for x in a.boxes()} <= {"box-a"}, "a box cannot read the others' status (the ACL)"
        hall.close()
        a.close()
        wait_for(lambda: watcher.statuses("box-a")[-1]["online"] is False, 10, "closing says offline")
    finally:
        a.close()
        b.close()
        watcher.close()


async def _upload(port: int, disc_id: str, password: str) -> int:
    """A disc uploaded in a box's console, as the page's form does it."""
    import aiohttp

    source = ROOT / "assets" / "discs" / "свинг-под-черепом"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        async with s.post(f"http://127.0.0.1:{port}/api/login", data={"password": password}) as r:
            csrf = (await r.json())["csrf"]
        form = aiohttp.FormData()
        form.add_field("id", disc_id)
        for name, file in (("scan", "scan.jpg"), ("audio", "audio.ogg"), ("yaml", "disc.yaml")):
            form.add_field(name, (source / file).read_bytes(), filename=file)
        async with s.post(f"http://127.0.0.1:{port}/api/discs", data=form, headers={"X-CSRF-Token": csrf}) as r:
            return r.status


@pytest.mark.slow
def test_kiosks_on_one_broker_share_a_disc_obey_all_and_a_killed_box_catches_up(broker, tmp_path):
    """Two real kiosks (their own content copies, data dirs, OSC and console ports): a disc uploaded
    in box-a's console joins box-b; "show this disc" to all plays it on both; box-b killed with
    SIGKILL is offline at once; a disc added meanwhile reaches it when it is started again."""
    import asyncio

    from installation.remote.console.password import set_password

    port, folder = broker
    keepalive, kiosks, osc, web, cfgs = 2, {}, {}, {}, {}
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    (folder / "site.token").write_text("токен-выставки\n", encoding="utf-8")
    logs = {box: tmp_path / f"{box}.log" for box in ("box-a", "box-b")}
    joined = lambda box, disc: f"new disc from the gallery, from box-a: {disc}" in logs[box].read_text()  # noqa: E731
    try:
        for box in ("box-a", "box-b"):
            (folder / f"{box}.secret").write_text(USERS[box] + "\n", encoding="utf-8")
            osc[box], web[box] = free_udp_port(), free_tcp_port()
            shutil.copytree(ROOT / "assets", tmp_path / box / "content")
            set_password(tmp_path / box / "data", "пароль-галереи")
            cfgs[box] = write_config(
                tmp_path / f"{box}.yaml", tmp_path / box / "content", tmp_path / box / "data",
                f"display:\n  size: [640, 400]\naudio:\n  device: no-such-device\nosc:\n  port: {osc[box]}\n"
                f"console:\n  port: {web[box]}\n"
                f"gallery:\n  enabled: true\n  broker: 127.0.0.1:{port}\n  site: {SITE}\n  box: {box}\n"
                f"  password_file: {folder / (box + '.secret')}\n  token_file: {folder / 'site.token'}\n"
                f"  keepalive_seconds: {keepalive}\n")
            kiosks[box] = start_kiosk(cfgs[box], env, logs[box])
        watcher = Watcher(port)
        wait_for(lambda: all(watcher.statuses(b) and watcher.statuses(b)[-1]["online"] for b in kiosks), 30,
                 "both kiosks online")
        uploaded = time.monotonic()
        assert asyncio.run(_upload(web["box-a"], "буги-из-галереи", "пароль-галереи")) == 201
        wait_for(lambda: joined("box-b", "буги-из-галереи"), 30, "the disc uploaded on box-a, in box-b's show")
        print(f"uploaded on box-a -> in box-b's collection after {time.monotonic() - uploaded:.2f} s")
        watcher.send("all", {"action": "disc", "id": "буги-из-галереи"})
        for box in kiosks:
            wait_for(lambda: kiosk_status(osc[box]).get("disc") == "буги-из-галереи", 30, f"{box} playing it")
        wait_for(lambda: watcher.statuses("box-b")[-1].get("disc") == "буги-из-галереи", 10, "box-b's status")
        killed = time.monotonic()
        kiosks["box-b"].send_signal(signal.SIGKILL)
        kiosks["box-b"].wait(10)
        wait_for(lambda: watcher.statuses("box-b")[-1]["online"] is False, 30, "box-b offline")
        seen = next(t for t, topic, p, _ in reversed(watcher.messages) if topic.endswith("box-b/status")
                    and p and json.loads(p)["online"] is False)
        print(f"box-b killed -> offline on the broker after {seen - killed:.2f} s (keepalive {keepalive} s)")
        assert seen - killed < 1.5 * keepalive + 1.0, "the broker's keepalive (1.5 x) plus a loaded machine's second"
        assert watcher.statuses("box-a")[-1]["online"] is True
        assert asyncio.run(_upload(web["box-a"], "пока-его-не-было", "пароль-галереи")) == 201  # while box-b is off
        started = time.monotonic()
        kiosks["box-b"] = start_kiosk(cfgs["box-b"], env, logs["box-b"])
        wait_for(lambda: joined("box-b", "пока-его-не-было"), 30, "box-b catching up on what it missed")
        print(f"box-b started again -> caught up after {time.monotonic() - started:.2f} s (from its start)")
        assert not list((tmp_path / "box-b" / "data" / "gallery-incoming").glob("*")), "nothing half-fetched"
        watcher.close()
    finally:
        for proc in kiosks.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(20)


@pytest.mark.slow
def test_the_console_shows_the_gallery_and_commands_all_boxes(broker, tmp_path):
    """The console of the box logged in as the console's user, in Debian's chromium: a tile per
    box (online, then offline when one leaves), and "play" to all reaching every box."""
    from installation.remote.console.password import set_password
    from installation.remote.console.server import Console
    from installation.remote.console.settings import ConsoleConfig

    from conftest import browser_page

    port, folder = broker
    a, bus_a = link(port, "box-a", folder, lambda: {"scene": "attract", "disc": "", "fps": 60.0, "underruns": 0,
                                                    "selftest": "ok"})
    b, bus_b = link(port, "box-b", folder, lambda: {"scene": "player", "disc": "vals-kisti", "fps": 59.8})
    hall, _ = link(port, "hall", folder, lambda: {"scene": "carousel"})
    set_password(tmp_path / "data", "пароль-галереи")
    console = Console(ConsoleConfig(host="127.0.0.1", port=0), tmp_path / "data", CommandBus(), dict, gallery=hall)
    console.start()
    try:
        with browser_page(tmp_path, 390, 844) as page:
            page.goto(f"http://127.0.0.1:{console.port}/")
            page.fill("#password", "пароль-галереи")
            page.click("#login-form button[type=submit]")
            page.wait_for_selector("#box-list li:has-text('box-b')", timeout=20000)
            assert page.locator("#box-list li").count() == 3, "box-a, box-b and the console's own box"
            page.select_option("#gallery-target", "all")
            page.fill("#gallery-disc", "свинг-под-черепом")
            page.click("[data-gallery=disc]")
            wait_for(lambda: bus_a._queue.qsize() and bus_b._queue.qsize(), 10, "play to all, on both boxes")
            assert bus_a.drain() == bus_b.drain() == [PlayDisc("свинг-под-черепом")]
            b.close()
            page.wait_for_selector("#box-list li.off:has-text('box-b')", timeout=20000)
            page.locator("#gallery").screenshot(path=str(tmp_path / "console-gallery.png"))
    finally:
        console.close()
        for g in (a, b, hall):
            g.close()


def _box_with_files(port, folder, box, content, data, discs):
    """A box that shares discs: its console's server for the files, its link and fetcher."""
    from installation.content.library import load_disc
    from installation.remote.console.password import set_password
    from installation.remote.console.server import Console
    from installation.remote.console.settings import ConsoleConfig
    from installation.remote.console.views import Shown
    from installation.remote.gallery.discs import Fetcher
    from installation.screen.disc_art import load_scan

    (folder / f"{box}.secret").write_text(USERS[box] + "\n", encoding="utf-8")
    set_password(data, "пароль-галереи")
    bus, token = CommandBus(), "токен-выставки"
    shown = Shown(lambda: discs, dict)
    check = lambda path: load_disc(path, deep=True, check_scan=load_scan)  # noqa: E731
    fetcher = Fetcher(content, data / "gallery-incoming", bus, token, check,
                      lambda disc_id: (content / disc_id).exists(), 50 * 10 ** 6)
    console = Console(ConsoleConfig(host="127.0.0.1", port=0), data, bus, dict, shown=shown)
    cfg = GalleryConfig(enabled=True, broker=f"127.0.0.1:{port}", site=SITE, box=box, keepalive_seconds=2)
    g = GalleryLink(cfg, bus, dict, folder / f"{box}.secret", shown.all, fetcher, token, lambda: console.port)
    console.gallery = g
    console.start()
    g.start()
    return g, bus, console


def test_a_disc_on_one_box_is_fetched_verified_and_joins_the_other(broker, tmp_path, caplog):
    """box-a announces its disc (sizes, sha256); box-b fetches it over HTTP with the site's token,
    checks it with `check`'s code and moves it in whole. A manifest whose hash does not match the
    file is refused with one line and leaves nothing; the files are not served without the token."""
    import urllib.error
    import urllib.request

    from installation.content.library import load_disc

    port, folder = broker
    content_a, content_b = tmp_path / "a" / "discs", tmp_path / "b" / "discs"
    content_b.mkdir(parents=True)
    shutil.copytree(ROOT / "assets" / "discs" / "свинг-под-черепом", content_a / "свинг-под-черепом")
    shutil.copytree(ROOT / "assets" / "discs" / "vals-kisti", content_a / "vals-kisti")
    skull = load_disc(content_a / "свинг-под-черепом")
    a, bus_a, console_a = _box_with_files(port, folder, "box-a", content_a, tmp_path / "a" / "data", [skull])
    b, bus_b, console_b = _box_with_files(port, folder, "box-b", content_b, tmp_path / "b" / "data", [])
    try:
        started = time.monotonic()
        wait_for(lambda: bus_b._queue.qsize(), 20, "the disc fetched by box-b")
        print(f"announced on box-a -> in box-b's collection after {time.monotonic() - started:.2f} s")
        arrived = bus_b.drain()
        assert [(type(c).__name__, c.source) for c in arrived] == [("DiscArrived", "the gallery, from box-a")]
        fetched = content_b / "свинг-под-черепом"
        assert arrived[0].folder == str(fetched)
        assert sorted(p.name for p in fetched.iterdir()) == sorted(p.name for p in skull.folder.iterdir())
        assert all((fetched / p.name).read_bytes() == p.read_bytes() for p in skull.folder.iterdir())
        assert not list((tmp_path / "b" / "data" / "gallery-incoming").glob("*")), "nothing half-fetched left"
        url = f"http://127.0.0.1:{console_a.port}/gallery/discs/{urllib.parse.quote('свинг-под-черепом')}/disc.yaml"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        assert refused.value.code == 403, "not without the site's token"
        # a manifest (box-a's user may write its own) whose sha256 is not the file's
        console_a.shown = type(console_a.shown)(lambda: [skull, load_disc(content_a / "vals-kisti")], dict)
        sender = Watcher(port, "box-a", USERS["box-a"])
        hand = {p.name: {"size": p.stat().st_size, "sha256": "0" * 64}
                for p in (content_a / "vals-kisti").iterdir()}
        sender.client.publish(f"bonemusic/{SITE}/box-a/discs", json.dumps({
            "box": "box-a", "url": f"http://127.0.0.1:{console_a.port}/gallery/discs",
            "discs": {"vals-kisti": hand}}), qos=1, retain=True).wait_for_publish(5)
        wait_for(lambda: "the disc vals-kisti from box-a refused" in caplog.text, 20, "the tampered disc refused")
        assert "sha256 or size is not what box-a announced" in caplog.text
        assert not (content_b / "vals-kisti").exists() and bus_b.drain() == []
        assert caplog.text.count("the disc vals-kisti from box-a refused") == 1, "one line"
        sender.close()
    finally:
        for g, c in ((a, console_a), (b, console_b)):
            g.close()
            c.close()
