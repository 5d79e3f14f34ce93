"""The web console over real HTTP on loopback: nobody in without the password, logins limited
per address, every state-changing request checked for its origin and its CSRF token, actions
posted on the kiosk's command bus; the password set by the command a technician types."""
from __future__ import annotations

import http.cookiejar
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from installation.core.commands import CommandBus, PlayDisc, RunSelfTest, SetVolume
from installation.remote.console.password import FILE, check_password, set_password
from installation.remote.console.server import COOKIE, Console
from installation.remote.console.settings import ConsoleConfig

from conftest import ROOT, write_config

PASSWORD = "рентгениздат-1956"


def _json(data: bytes):
    try:
        return json.loads(data or b"{}")
    except ValueError:  # aiohttp's own 404 is text
        return {"text": data.decode("utf-8", "replace")}


class Browser:
    """A cookie-keeping HTTP client, as a script (or a page) would talk to the console."""

    def __init__(self, console: Console):
        self.base = f"http://127.0.0.1:{console.port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method: str, path: str, form=None, body=None, headers=None):
        data, hdrs = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, headers=hdrs, method=method)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, _json(response.read()), response.headers
        except urllib.error.HTTPError as err:
            return err.code, _json(err.read()), err.headers

    def login(self, password: str = PASSWORD):
        return self.call("POST", "/api/login", form={"password": password})


@pytest.fixture
def console(tmp_path):
    set_password(tmp_path, PASSWORD)
    bus = CommandBus()
    c = Console(ConsoleConfig(host="127.0.0.1", port=0), tmp_path, bus,
                lambda: {"scene": "attract", "disc": "", "position": 0.0, "underruns": 0})
    c.start()
    yield c, bus
    c.close()


def test_the_password_is_kept_as_a_salted_hash_set_by_the_technicians_command(tmp_path):
    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "data")
    done = subprocess.run([sys.executable, "-m", "installation", "--config", str(cfg), "console-password"],
                          input=f"{PASSWORD}\n", capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    stored = (tmp_path / "data" / FILE).read_text(encoding="utf-8")
    assert PASSWORD not in stored and "salt" in stored and (tmp_path / "data" / FILE).stat().st_mode & 0o077 == 0
    assert check_password(tmp_path / "data", PASSWORD) and not check_password(tmp_path / "data", "рентгениздат")
    short = subprocess.run([sys.executable, "-m", "installation", "--config", str(cfg), "console-password"],
                           input="1234\n", capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    assert check_password(tmp_path / "data", PASSWORD), "a refused one changes nothing"


def test_nobody_in_without_the_password_and_five_tries_a_minute(console):
    c, _ = console
    b = Browser(c)
    assert b.call("GET", "/api/status")[0] == 401, "no session, no status"
    for _ in range(5):
        assert b.login("wrong")[0] == 401
    assert b.login()[0] == 429, "five tries a minute: the sixth, even the right one, waits"
    other = Browser(c)
    c.sessions._tries.clear()  # (a minute on: the limit is per minute and per address)
    status, body, headers = other.login()
    assert status == 200 and len(body["csrf"]) > 20
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    status, now, _ = other.call("GET", "/api/status")
    assert status == 200 and now["scene"] == "attract"


def test_a_state_change_needs_this_origin_and_the_sessions_token(console):
    c, bus = console
    b = Browser(c)
    csrf = b.login()[1]["csrf"]
    assert b.call("POST", "/api/actions/selftest", body={})[0] == 403, "no token"
    assert b.call("POST", "/api/actions/selftest", body={}, headers={"X-CSRF-Token": "forged"})[0] == 403
    foreign = {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
    assert b.call("POST", "/api/actions/selftest", body={}, headers=foreign)[0] == 403, "another site's page"
    assert bus.drain() == []
    own = {"X-CSRF-Token": csrf, "Origin": b.base}
    assert b.call("POST", "/api/actions/selftest", body={}, headers=own)[0] == 200
    assert b.call("POST", "/api/actions/volume", body={"level": 0.4}, headers=own)[0] == 200
    assert b.call("POST", "/api/actions/disc", body={"id": "свинг-под-черепом"}, headers=own)[0] == 200
    status, body, _ = b.call("POST", "/api/actions/volume", body={"level": 7}, headers=own)
    assert status == 400 and "0..1" in body["error"]
    commands = bus.drain()
    assert isinstance(commands[0], RunSelfTest) and "127.0.0.1" in commands[0].reason
    assert commands[1:] == [SetVolume(0.4), PlayDisc("свинг-под-черепом")]
    b.call("POST", "/api/logout", headers=own)
    assert b.call("GET", "/api/status")[0] == 401, "logged out"


def test_without_a_password_it_serves_this_box_only_and_says_why(tmp_path, caplog):
    c = Console(ConsoleConfig(host="0.0.0.0", port=0), tmp_path, CommandBus(), dict)
    with caplog.at_level("WARNING"):
        c.start()
    try:
        assert c.host == "127.0.0.1" and "console-password" in caplog.text
        status, body, _ = Browser(c).login("anything-at-all")
        assert status == 403 and "console-password" in body["error"]
    finally:
        c.close()


@pytest.mark.slow  # (several seconds: `make test` has it, `make test-fast` leaves it)
def test_check_warns_when_the_console_is_open_to_the_network(tmp_path):
    from conftest import run_cli

    cfg = write_config(tmp_path / "config.yaml", ROOT / "assets", tmp_path / "data", "console:\n  host: 0.0.0.0\n")
    out = run_cli("--config", str(cfg), "check", env={"SDL_VIDEODRIVER": "dummy"})
    assert "console.host is 0.0.0.0, but no console password is set" in out.stdout
    set_password(tmp_path / "data", PASSWORD)
    out = run_cli("--config", str(cfg), "check", env={"SDL_VIDEODRIVER": "dummy"})
    assert "the console's login page is open to the network" in out.stdout


# -- adding a disc --------------------------------------------------------------------------------
SOURCE = ROOT / "assets" / "discs" / "свинг-под-черепом"


async def _upload(port: int, parts, password: str = PASSWORD):
    """Log in and POST /api/discs as the page's form does: multipart, the session's token."""
    import aiohttp

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:  # (cookies for an IP)
        async with s.post(f"http://127.0.0.1:{port}/api/login", data={"password": password}) as r:
            csrf = (await r.json())["csrf"]
        form = aiohttp.FormData()
        for name, value, filename in parts:
            form.add_field(name, value, filename=filename)
        async with s.post(f"http://127.0.0.1:{port}/api/discs", data=form, headers={"X-CSRF-Token": csrf}) as r:
            return r.status, await r.json()


def upload(console, parts):
    import asyncio

    return asyncio.run(_upload(console.port, parts))


def disc_parts(disc_id: str = "новая-пластинка", audio: bytes = b"", scan: bytes = b"", audio_name="a.ogg"):
    return [("id", disc_id, None),
            ("scan", scan or (SOURCE / "scan.jpg").read_bytes(), "x-ray.jpg"),
            ("audio", audio or (SOURCE / "audio.ogg").read_bytes(), audio_name),
            ("yaml", (SOURCE / "disc.yaml").read_bytes(), "disc.yaml")]


@pytest.fixture
def intake(tmp_path):
    from installation.content.library import Limits, load_disc
    from installation.screen.disc_art import load_scan

    content, data = tmp_path / "content" / "discs", tmp_path / "data"
    content.mkdir(parents=True)
    set_password(data, PASSWORD)
    bus = CommandBus()
    limits = Limits(max_audio_mb=2.0)
    c = Console(ConsoleConfig(host="127.0.0.1", port=0), data, bus, dict, discs_dir=content,
                add_disc=lambda folder: load_disc(folder, deep=True, check_scan=load_scan, limits=limits),
                limits=limits)
    c.start()
    yield c, bus, content, data
    c.close()


def nothing_left(content, data) -> bool:
    return not list(content.iterdir()) and not list((data / "uploads").glob("*"))


def test_a_disc_with_a_cyrillic_name_uploaded_joins_the_collection(intake):
    from installation.content.library import Library
    from installation.show.collection import Collection

    c, bus, content, data = intake
    status, body = upload(c, disc_parts())
    assert status == 201 and body == {"id": "новая-пластинка"}, body
    folder = content / "новая-пластинка"
    assert sorted(p.name for p in folder.iterdir()) == ["audio.ogg", "disc.yaml", "scan.jpg"], "the server's names"
    assert not list((data / "uploads").glob("*")), "the staging folder is gone"
    arrived = bus.drain()
    assert len(arrived) == 1 and arrived[0].folder == str(folder)
    collection = Collection(Library([], []))
    collection.handlers()[type(arrived[0])](arrived[0])  # what the kiosk's loop does with it
    assert [d.id for d in collection.library.discs] == ["новая-пластинка"]
    status, body = upload(c, disc_parts())
    assert status == 409 and "already" in body["error"]


def test_a_garbage_audio_file_is_refused_with_checks_line_and_nothing_left(intake):
    c, bus, content, data = intake
    status, body = upload(c, disc_parts(audio=b"OggS" + b"\x00" * 5000))
    assert status == 422
    assert body["problems"] and body["problems"][0].startswith(f"{content / 'новая-пластинка' / 'audio.ogg'}: "
                                                               "cannot decode audio"), body
    assert nothing_left(content, data) and bus.drain() == []


@pytest.mark.parametrize("disc_id", ["../evil", "..", ".hidden", "a/b", "x" * 81, ""])
def test_a_name_that_is_not_a_plain_folder_is_refused(intake, disc_id):
    c, _, content, data = intake
    status, body = upload(c, disc_parts(disc_id))
    assert status == 400 and body["error"].startswith("id:"), body
    assert nothing_left(content, data) and not (content.parent / "evil").exists()


def test_an_upload_over_the_limit_is_stopped_while_it_streams(intake):
    c, _, content, data = intake
    status, body = upload(c, disc_parts(audio=b"RIFF" + b"\x00" * (3 * 2 ** 20)))  # content.max_audio_mb: 2
    assert status == 413 and "stopped while it came" in body["error"]
    assert nothing_left(content, data)


def test_a_30000_pixel_scan_is_stopped_from_its_header_while_it_streams(intake):
    import struct
    import zlib

    c, _, content, data = intake
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    chunk = lambda kind, payload: (struct.pack(">I", len(payload)) + kind + payload  # noqa: E731
                                   + struct.pack(">I", zlib.crc32(kind + payload)))
    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
            + chunk(b"IEND", b""))
    status, body = upload(c, disc_parts(scan=bomb + b"\x00" * (4 * 2 ** 20)))  # (what follows is never read)
    assert status == 413 and "stopped while it came" in body["error"], body
    assert "30000x30000" in " ".join(body["problems"]) and "max_scan_megapixels" in body["problems"][0], body
    assert nothing_left(content, data)


async def _ask(port: int, steps, password: str = PASSWORD):
    """Log in, then each (method, path, form parts or None) in turn: [(status, body bytes)]."""
    import aiohttp

    done = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        async with s.post(f"http://127.0.0.1:{port}/api/login", data={"password": password}) as r:
            token = {"X-CSRF-Token": (await r.json())["csrf"]}
        for method, path, parts in steps:
            form = None
            if parts is not None:
                form = aiohttp.FormData()
                for name, value, filename in parts:
                    form.add_field(name, value, filename=filename)
            async with s.request(method, f"http://127.0.0.1:{port}{path}", data=form, headers=token) as r:
                done.append((r.status, await r.read()))
    return done


@pytest.mark.slow  # the preview is a process of its own: some 10 s here
def test_an_upload_is_previewed_drawn_and_played_before_it_is_published(tmp_path):
    """`publish: no` keeps the disc aside; the kiosk's own preview command (a process of its
    own) draws it on the player's screen and plays 10 s of it through the disc emulation."""
    import asyncio
    import io

    import numpy as np
    import soundfile

    from installation.app.preview import preview_in_a_process
    from installation.content.library import Limits, load_disc
    from installation.screen.disc_art import load_scan

    content, data = tmp_path / "content" / "discs", tmp_path / "data"
    content.mkdir(parents=True)
    set_password(data, PASSWORD)
    cfg = write_config(tmp_path / "config.yaml", tmp_path / "content", data, "display:\n  size: [800, 480]\n")
    bus = CommandBus()
    c = Console(ConsoleConfig(host="127.0.0.1", port=0), data, bus, dict, discs_dir=content,
                add_disc=lambda folder: load_disc(folder, deep=True, check_scan=load_scan, limits=Limits()),
                preview=preview_in_a_process(cfg))
    c.start()
    try:
        (status, body), = asyncio.run(_ask(c.port, [("POST", "/api/discs", disc_parts() + [("publish", "no", None)])]))
        staged = json.loads(body)
        assert status == 202 and staged["id"] == "новая-пластинка", body
        assert not list(content.iterdir()) and bus.drain() == [], "not in the show before it is published"
        (s1, picture), (s2, sound), (s3, _), (s4, published), (s5, gone) = asyncio.run(_ask(c.port, [
            ("GET", staged["picture"], None), ("GET", staged["sound"], None),
            ("GET", "/api/previews/x/sound.wav", None), ("POST", staged["publish"], None),
            ("GET", staged["picture"], None)]))
        assert (s1, s2, s3, s4, s5) == (200, 200, 404, 201, 404)
        drawn = _decoded(picture)
        assert drawn.shape[:2] == (480, 800) and drawn.std() > 20, "the player's screen, something drawn on it"
        samples, rate = soundfile.read(io.BytesIO(sound))
        assert abs(len(samples) / rate - 10.0) < 0.05 and np.sqrt(np.mean(samples ** 2)) > 0.01, "10 s of sound"
        assert json.loads(published) == {"id": "новая-пластинка"}
        assert (content / "новая-пластинка" / "disc.yaml").is_file() and not list((data / "uploads").iterdir())
        assert [type(x).__name__ for x in bus.drain()] == ["DiscArrived"]
        (status, body), = asyncio.run(_ask(c.port, [("POST", "/api/discs", disc_parts("ещё-одна")
                                                     + [("publish", "no", None)])]))
        assert status == 202
        (status, _), = asyncio.run(_ask(c.port, [("POST", json.loads(body)["discard"], None)]))
        assert status == 200 and not (content / "ещё-одна").exists() and not list((data / "uploads").iterdir())
    finally:
        c.close()


def _decoded(jpeg: bytes):
    """A JPEG's pixels (pygame's decoder, as the kiosk's)."""
    import io
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    return pygame.surfarray.array3d(pygame.image.load(io.BytesIO(jpeg), "p.jpg")).swapaxes(0, 1)


def test_plays_by_the_hour_for_the_charts(tmp_path):
    """A play is filed under the show's hour (its clock injected) and kept across a restart;
    the console answers one day's plays by the hour, the collection's and each disc's."""
    import datetime as dt

    from installation.content.library import load_library
    from installation.remote.console.views import Shown
    from installation.service.play_counts import PlayCounts
    from installation.show.collection import Collection

    library = load_library(ROOT / "assets")
    skull, hand = library.find("свинг-под-черепом"), library.find("vals-kisti")
    moscow = dt.timezone(dt.timedelta(hours=3))
    when = [dt.datetime(2026, 12, 5, 11, 20, tzinfo=dt.timezone.utc)]  # 14:20 in Moscow
    counts = PlayCounts(tmp_path)
    collection = Collection(library, counts, wall=lambda: when[0], tz=moscow)
    for i, disc in enumerate([skull, hand, skull]):
        collection.count_play(disc, now=100.0 * i)
    when[0] += dt.timedelta(hours=2)
    collection.count_play(hand, now=1000.0)
    counts.close()
    counts = PlayCounts(tmp_path)
    set_password(tmp_path, PASSWORD)
    c = Console(ConsoleConfig(host="127.0.0.1", port=0), tmp_path, CommandBus(), dict,
                shown=Shown(lambda: library.discs, lambda: counts.counts, list, counts.day, lambda: "2026-12-05"))
    c.start()
    try:
        b = Browser(c)
        b.login()
        status, day, _ = b.call("GET", "/api/plays")
        assert status == 200 and day["day"] == "2026-12-05"
        assert [(h, n) for h, n in enumerate(day["hours"]) if n] == [(14, 3), (16, 1)]
        assert day["discs"]["свинг-под-черепом"][14] == 2 and day["discs"]["vals-kisti"][16] == 1
        listed = {d["id"]: d for d in b.call("GET", "/api/discs")[1]}
        assert listed["vals-kisti"]["plays"] == 2 and listed["vals-kisti"]["today"][14] == 1
        assert b.call("GET", "/api/plays?day=2026-12-04")[1]["hours"] == [0] * 24
        assert b.call("GET", "/api/plays?day=../x")[0] == 400
    finally:
        c.close()
        counts.close()


def test_the_collection_the_log_and_the_cuts_for_the_page(tmp_path):
    """The discs with their play counts and scans, the log's tail with a filter, the live cuts:
    listened to, downloaded, deleted only when named again; nothing outside them served."""
    import datetime as dt

    import numpy as np

    from installation.content.library import load_library
    from installation.lathe.archive import Archive
    from installation.remote.console.views import Shown

    set_password(tmp_path, PASSWORD)
    library = load_library(ROOT / "assets")
    (tmp_path / "kiosk.log").write_text("".join(f"line {i} {'свинг' if i % 10 == 0 else ''}\n" for i in range(500)),
                                        encoding="utf-8")
    archive = Archive(tmp_path)
    cut = archive.begin(dt.datetime(2026, 12, 5, 15, 0), "Анна", "Буги на плёнке", {})
    (cut.folder / "cut.wav").write_bytes(b"RIFF....WAVE")
    archive.end(cut, "done", "", 61.5, np.zeros((2, 3)), dt.datetime(2026, 12, 5, 15, 2))
    c = Console(ConsoleConfig(host="127.0.0.1", port=0), tmp_path, CommandBus(), dict,
                shown=Shown(lambda: library.discs, lambda: {"свинг-под-черепом": 7}))
    c.start()
    try:
        b = Browser(c)
        csrf = b.login()[1]["csrf"]
        status, discs, _ = b.call("GET", "/api/discs")
        skull = next(d for d in discs if d["id"] == "свинг-под-черепом")
        assert status == 200 and skull["plays"] == 7 and skull["title"]["en"] == "Swing Under the Skull"
        with b.opener.open(b.base + urllib.parse.quote(skull["scan"]), timeout=20) as scan:
            assert scan.read(2) == b"\xff\xd8", "the scan itself, a JPEG"
        status, tail, _ = b.call("GET", "/api/log?lines=3&contains=" + urllib.parse.quote("свинг"))
        assert tail["lines"] == ["line 470 свинг", "line 480 свинг", "line 490 свинг"]
        status, listed, _ = b.call("GET", "/api/cuts")
        assert [(x["performer"], x["outcome"], x["seconds"]) for x in listed] == [("Анна", "done", 61.5)]
        with b.opener.open(b.base + urllib.parse.quote(listed[0]["audio"]), timeout=20) as wav:
            assert wav.read() == b"RIFF....WAVE"
        name, token = listed[0]["name"], {"X-CSRF-Token": csrf}
        quoted = urllib.parse.quote(name)
        assert b.call("POST", f"/api/cuts/{quoted}/delete", body={}, headers=token)[0] == 400, "not named again"
        assert cut.folder.exists()
        assert b.call("GET", "/api/cuts/..%2F..%2Fconsole-password.json/audio")[0] == 404
        assert b.call("POST", f"/api/cuts/{quoted}/delete", body={"confirm": name}, headers=token)[0] == 200
        assert not cut.folder.exists() and b.call("GET", "/api/cuts")[1] == []
    finally:
        c.close()


def test_a_caption_edited_keeps_the_curators_file_and_the_player_shows_it(tmp_path):
    """The console writes into the curator's own disc.yaml (comments and the rest kept, the old
    one as disc.yaml.bak), validated first; the show takes it at once; hidden leaves the show."""
    import shutil

    from installation.content.library import load_library
    from installation.remote.console.views import Shown
    from installation.screen.text import record_text

    from conftest import kiosk_in_process

    content = tmp_path / "content"
    shutil.copytree(ROOT / "assets", content)
    set_password(tmp_path, PASSWORD)
    library = load_library(content)
    kiosk = kiosk_in_process()
    kiosk.collection.library = library
    bus = kiosk.bus
    c = Console(ConsoleConfig(host="127.0.0.1", port=0), tmp_path, bus, dict,
                shown=Shown(lambda: library.discs, dict, lambda: library.hidden))
    c.start()
    try:
        b = Browser(c)
        token = {"X-CSRF-Token": b.login()[1]["csrf"]}
        path = content / "discs" / "свинг-под-черепом" / "disc.yaml"
        before = path.read_text(encoding="utf-8")
        edit = f"/api/discs/{urllib.parse.quote('свинг-под-черепом')}/edit"
        caption = {"ru": "Новая подпись: снимок черепа с Арбата.", "en": "A new caption: a skull film from the Arbat."}
        assert b.call("POST", edit, body={"caption": caption}, headers=token)[0] == 200
        after = path.read_text(encoding="utf-8")
        assert after.splitlines()[0] == before.splitlines()[0], "the curator's comment line kept"
        assert "Новая подпись" in after and "eccentricity_mm: 2.6" in after
        assert (path.parent / "disc.yaml.bak").read_text(encoding="utf-8") == before
        status, body, _ = b.call("POST", edit, body={"order": "first"}, headers=token)
        assert status == 400 and "order" in body["error"]
        status, body, _ = b.call("POST", edit, body={"title": {"ru": ""}}, headers=token)
        assert status == 400 and "Russian" in body["error"]
        assert path.read_text(encoding="utf-8") == after, "nothing written by a refused edit"
        kiosk.step(1 / 60, events=[])  # the loop takes the change from the bus
        kiosk.show.switch("player", disc_id="свинг-под-черепом")
        kiosk.show.scene.update(1.0)
        with record_text() as drawn:
            kiosk.show.scene.draw(kiosk.stage.surface)
        assert "Новая подпись:" in " ".join(line.text for line in drawn)
        assert b.call("POST", edit, body={"hidden": True}, headers=token)[0] == 200
        kiosk.step(1 / 60, events=[])
        assert "свинг-под-черепом" not in [d.id for d in library.discs]
        listed = {d["id"]: d["hidden"] for d in b.call("GET", "/api/discs")[1]}
        assert listed["свинг-под-черепом"] is True and listed["vals-kisti"] is False
        assert b.call("POST", edit, body={"hidden": False}, headers=token)[0] == 200
        kiosk.step(1 / 60, events=[])
        assert "свинг-под-черепом" in [d.id for d in library.discs]
    finally:
        c.close()


def test_a_picture_of_what_is_on_the_screen_now(tmp_path):
    """Asked for in the console, taken by the kiosk's loop after its next frame (never by the
    console's thread): the frame itself, 640 px wide, as a PNG."""
    import threading

    import numpy as np
    import pygame

    from conftest import kiosk_in_process

    set_password(tmp_path, PASSWORD)
    kiosk = kiosk_in_process(size=(1280, 800))
    c = Console(ConsoleConfig(host="127.0.0.1", port=0), tmp_path, kiosk.bus, dict, board=kiosk.health.status)
    c.start()
    try:
        b = Browser(c)
        b.login()
        got = {}

        def ask():
            with b.opener.open(b.base + "/api/screen", timeout=20) as response:
                got["type"], got["png"] = response.headers["Content-Type"], response.read()

        asker = threading.Thread(target=ask)
        asker.start()
        while asker.is_alive():  # the loop goes on drawing; the picture is taken after a frame
            kiosk.step(1 / 60, events=[])
            frame = pygame.transform.scale(kiosk.stage.surface, (640, 400))
            asker.join(1 / 60)
        assert got["type"] == "image/png"
        picture = pygame.image.load(__import__("io").BytesIO(got["png"]), "screen.png")
        assert picture.get_size() == (640, 400)
        shown, drawn = (pygame.surfarray.array3d(s).astype(int) for s in (picture, frame))
        assert shown.max() > 100, "the disc and the titles, not a black square"
        assert np.abs(shown - drawn).mean() < 12, "what the loop drew (a frame or so apart: the disc turns)"
    finally:
        c.close()


def test_a_demo_added_in_the_schedule_counts_down_on_the_kiosk(tmp_path):
    """Opening hours and demos edited in the console go into the technician's own config.yaml
    (every comment kept, config.yaml.bak, refused with file:line when it would not load) and
    are in force at the next frame: a demo added for five minutes from now counts down."""
    import datetime as dt
    import shutil

    from installation.app.kiosk import Services
    from installation.config.composed import load_config

    from conftest import kiosk_in_process

    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    config = tmp_path / "config.yaml"
    text = config.read_text(encoding="utf-8").replace("directory: assets", f"directory: {ROOT / 'assets'}")
    config.write_text(text.replace("data_dir: ~/.local/state/bone-music", f"data_dir: {tmp_path / 'data'}"),
                      encoding="utf-8")
    before = config.read_text(encoding="utf-8")
    cfg = load_config(config)
    assert cfg.data_path == tmp_path / "data"
    set_password(cfg.data_path, PASSWORD)
    now = {"t": dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.timezone.utc)}  # the kiosk's clock, injected
    kiosk = kiosk_in_process(cfg, Services(wall=lambda: now["t"]))
    c = Console(ConsoleConfig(host="127.0.0.1", port=0), cfg.data_path, kiosk.bus, dict, config_path=config,
                load_config=load_config)
    c.start()
    try:
        b = Browser(c)
        token = {"X-CSRF-Token": b.login()[1]["csrf"]}
        assert b.call("GET", "/api/schedule")[1]["demos"]["events"] == []
        bad = {"opening_hours": {"enabled": True, "mon": "25:00-26:00"}}
        status, body, _ = b.call("POST", "/api/schedule", body=bad, headers=token)
        assert status == 422 and any(p.startswith(f"{config}:") and "mon" in p for p in body["problems"]), body
        assert config.read_text(encoding="utf-8") == before, "nothing written"
        demo = {"when": "2026-12-05 13:05", "performer": "Анна Петрова", "title": "Буги на плёнке"}
        change = {"demos": {"timezone": "Europe/Berlin", "events": [demo]}}
        status, body, _ = b.call("POST", "/api/schedule", body=change, headers=token)
        assert status == 200 and body["demos"]["events"][0]["title"] == "Буги на плёнке", body
        after = config.read_text(encoding="utf-8")
        comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
        assert all(line in after for line in comments), "every comment of the technician's file kept"
        assert (tmp_path / "config.yaml.bak").read_text(encoding="utf-8") == before
        kiosk.step(1 / 60, events=[])  # the loop takes the change
        kiosk.step(1 / 60, events=[])
        assert kiosk.programme.phase is not None and kiosk.programme.phase.kind.value == "countdown"
        assert kiosk.show.scene.name == "live_cut", "the countdown on the screen"
    finally:
        c.close()
