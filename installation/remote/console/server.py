"""The console's web server (aiohttp) on a thread and event loop of its own. It reaches the
show only by posting commands on the bus and reading the status snapshot the main loop
publishes; a slow or hostile browser costs this thread, never a frame.

Nobody is let in without the password: a session cookie (HttpOnly, SameSite=Strict) after
POST /api/login, and every state-changing request must come from this console's own origin
and carry the session's CSRF token in X-CSRF-Token (pages and scripts alike)."""
from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from aiohttp import web

from ...content.library import Disc, Limits
from ...core.commands import CommandBus, DiscChanged, ScheduleChanged
from ...core.yamlconf import ConfigError
from ...service.status import StatusBoard
from ..actions import ACTIONS, command_for
from ..gallery.link import GalleryLink
from .edits import edit_disc_yaml
from .gallery_pages import GalleryPages
from .password import check_password, has_password
from .previews import MakePreview, Previews
from .records import Records, error
from .schedule import Load, edit_schedule, schedule_of
from .sessions import Sessions
from .settings import ConsoleConfig, is_local
from .uploads import Refused, Upload
from .views import Shown

log = logging.getLogger(__name__)
COOKIE = "bm_session"
STATIC = Path(__file__).resolve().parent / "static"
PAGES = {"index.html": "text/html", "console.js": "text/javascript", "console.css": "text/css"}
NO_PASSWORD = "no console password is set: run `python -m installation console-password` on the box"
EVENT_SECONDS = 1.0  # the status pushed to an open page this often
SAFE = ("GET", "HEAD", "OPTIONS")


class Console:
    def __init__(self, cfg: ConsoleConfig, data_dir: Path, bus: CommandBus, status: Callable[[], Dict[str, Any]],
                 clock: Callable[[], float] = time.monotonic, discs_dir: Optional[Path] = None,
                 add_disc: Optional[Callable[[Path], Disc]] = None, limits: Limits = Limits(),
                 shown: Optional[Shown] = None, board: Optional[StatusBoard] = None,
                 config_path: Optional[Path] = None, load_config: Optional[Load] = None,
                 preview: Optional[MakePreview] = None, gallery: Optional[GalleryLink] = None):
        """`add_disc(folder)`: `check`'s own validation of a disc folder (ConfigError with its
        lines); uploads go to `discs_dir` (content.directory/discs); `preview(folder, out)` draws
        and plays one (app/preview.py)."""
        self.cfg, self.data_dir, self.bus, self.status = cfg, Path(data_dir), bus, status
        self.discs_dir = discs_dir or self.data_dir / "discs"
        self.uploads_dir = self.data_dir / "uploads"
        self.add_disc, self.limits = add_disc, limits
        self.shown, self.records = shown, Records(self.data_dir, board)
        self.previews = Previews(self.uploads_dir, bus, preview, clock)
        self.gallery = gallery  # the other boxes, where this one is on the gallery's broker
        self.config_path = config_path  # the technician's config.yaml: the schedule is edited in it
        self.load_config = load_config  # how the kiosk reads it (config/composed.py)
        self.sessions = Sessions(cfg.session_hours, clock)
        self.locked = not has_password(self.data_dir)  # (a password set later counts at the next start)
        self.host = "127.0.0.1" if self.locked else cfg.host
        self.port = 0  # as bound (cfg.port, or the one the system chose for port 0)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._failed: Optional[BaseException] = None

    # -- the thread --------------------------------------------------------------------------
    def start(self) -> None:
        """Listen (OSError naming the address when it cannot), on a thread of its own."""
        if self.locked and not is_local(self.cfg.host):
            log.warning("console: %s; until then it serves 127.0.0.1 only, not %s", NO_PASSWORD, self.cfg.host)
        self._thread = threading.Thread(target=self._run, name="console", daemon=True)
        self._thread.start()
        self._ready.wait(15)
        if self._failed is not None:
            raise OSError(f"console: cannot listen on {self.host}:{self.cfg.port}: {self._failed}")
        log.info("console: http://%s:%d/", self.host, self.port)

    def _run(self) -> None:
        self.previews.clear_leftovers()
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # the port taken, the address not this box's
            self._failed = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup() if self._runner else asyncio.sleep(0))
        loop.close()

    async def _serve(self) -> None:
        app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        app.add_routes([  # every page and endpoint, one table (docs/console.md says what each does)
            web.get("/", self._page), web.get("/static/{name}", self._page),
            web.post("/api/login", self._login), web.post("/api/logout", self._logout),
            web.get("/api/session", self._session), web.get("/api/status", self._status),
            web.get("/api/events", self._events), web.post("/api/actions/{name}", self._action),
            web.post("/api/discs", self._add_disc), web.get("/api/discs", self._discs),
            web.get("/api/discs/{id}/scan", self._scan), web.post("/api/discs/{id}/edit", self._edit),
            web.get("/api/schedule", self._schedule), web.post("/api/schedule", self._edit_schedule),
            web.get("/api/plays", self._plays), *GalleryPages(lambda: self.gallery, self.shown, self.records).routes(),
            *self.previews.routes(), *self.records.routes()])
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.cfg.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def close(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not loop.is_running():
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)

    # -- the gate ----------------------------------------------------------------------------
    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        path = request.path
        if request.method not in SAFE:
            origin = request.headers.get("Origin")
            if origin is not None and origin != f"{request.scheme}://{request.host}":
                log.warning("console: %s %s from %s refused: it came from another site (%s)", request.method, path,
                            request.remote, origin)
                return error(403, f"a request from another site ({origin}) is refused")
        if not path.startswith("/api/") or path == "/api/login":
            return await handler(request)
        csrf = self.sessions.csrf(request.cookies.get(COOKIE))
        if csrf is None:
            return error(401, "log in first (POST /api/login)")
        if request.method not in SAFE and request.headers.get("X-CSRF-Token") != csrf:
            log.warning("console: %s %s from %s refused: no or a wrong X-CSRF-Token", request.method, path,
                        request.remote)
            return error(403, "this request needs the session's token in X-CSRF-Token")
        return await handler(request)

    # -- pages ---------------------------------------------------------------------------------
    async def _page(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name", "index.html")
        if name not in PAGES:
            raise web.HTTPNotFound()
        return web.FileResponse(STATIC / name, headers={"Content-Type": f"{PAGES[name]}; charset=utf-8",
                                                        "Cache-Control": "no-cache",
                                                        "X-Content-Type-Options": "nosniff"})

    # -- logging in ----------------------------------------------------------------------------
    async def _login(self, request: web.Request) -> web.Response:
        who = request.remote or "?"
        if self.locked:
            return error(403, NO_PASSWORD)
        if not self.sessions.may_try(who):
            log.warning("console: login from %s refused: more than 5 tries a minute", who)
            return error(429, "too many tries: wait a minute")
        form = await request.post()
        password = form.get("password")
        if not isinstance(password, str) or not password:
            return error(400, "the form field `password` is missing")
        loop = asyncio.get_running_loop()  # scrypt takes a while: not on the loop itself
        if not await loop.run_in_executor(None, check_password, self.data_dir, password):
            log.warning("console: a wrong password from %s", who)
            return error(401, "wrong password")
        token, csrf = self.sessions.open()
        log.info("console: logged in from %s", who)
        response = web.json_response({"csrf": csrf})
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                            max_age=int(self.cfg.session_hours * 3600))
        return response

    async def _logout(self, request: web.Request) -> web.Response:
        self.sessions.close(request.cookies.get(COOKIE))
        response = web.json_response({"ok": True})
        response.del_cookie(COOKIE, path="/")
        return response

    async def _session(self, request: web.Request) -> web.Response:
        return web.json_response({"csrf": self.sessions.csrf(request.cookies.get(COOKIE))})

    # -- what is on ----------------------------------------------------------------------------
    def snapshot(self) -> Dict[str, Any]:
        return json.loads(json.dumps(dict(self.status()), default=str))  # (a copy, and JSON whatever it held)

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot())

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the status every EVENT_SECONDS while the page is open."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        try:
            while self.sessions.csrf(request.cookies.get(COOKIE)) is not None:
                await response.write(f"data: {json.dumps(self.snapshot())}\n\n".encode("utf-8"))
                await asyncio.sleep(EVENT_SECONDS)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def _add_disc(self, request: web.Request) -> web.Response:
        """A disc uploaded (docs/console.md): 201, or 4xx with what `check` would say."""
        who = request.remote or "?"
        if self.add_disc is None:
            return error(503, "this kiosk takes no uploads")
        upload = Upload(self.discs_dir, self.uploads_dir, int(self.limits.max_audio_mb * 1e6), self.limits)
        loop = asyncio.get_running_loop()
        try:
            await upload.receive(await request.multipart())
            disc = await loop.run_in_executor(None, upload.validate, self.add_disc)  # decoding: not on the loop
            if upload.publish_now:
                return await self.previews.publish(upload, disc, who)
            return await self.previews.stage(upload, disc, who)
        except Refused as exc:
            upload.discard()
            log.warning("console: a disc upload from %s refused: %s%s", who, exc.error,
                        "".join(f"\n  {p}" for p in exc.problems))
            return error(exc.status, exc.error, exc.problems)
        except (ValueError, OSError, AssertionError) as exc:  # a broken multipart, the disk full
            upload.discard()
            log.warning("console: a disc upload from %s failed: %s", who, exc)
            return error(400, f"the upload failed: {exc}")

    # -- the collection, the log, the cuts -----------------------------------------------------
    async def _discs(self, request: web.Request) -> web.Response:
        return web.json_response(self.shown.listing() if self.shown else [])

    async def _plays(self, request: web.Request) -> web.Response:
        """Plays by the hour of one day (?day=YYYY-MM-DD, default today): the charts' numbers."""
        day = request.query.get("day", "")
        if day and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            return error(400, f"day: YYYY-MM-DD, not {day[:20]!r}")
        return web.json_response(self.shown.plays(day) if self.shown else {"day": day, "hours": [0] * 24, "discs": {}})

    async def _scan(self, request: web.Request) -> web.StreamResponse:
        path = self.shown.scan(request.match_info["id"]) if self.shown else None
        if path is None:
            raise web.HTTPNotFound()
        kind = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
        return web.FileResponse(path, headers={"Content-Type": kind, "X-Content-Type-Options": "nosniff"})

    async def _edit(self, request: web.Request) -> web.Response:
        """A disc's texts, order or hiding, into its disc.yaml (edits.py); the show takes them now."""
        who, disc = request.remote or "?", self.shown.find(request.match_info["id"]) if self.shown else None
        if disc is None:
            return error(404, f"no disc {request.match_info['id']!r}")
        try:
            changes = await request.json()
            if not isinstance(changes, dict) or not changes:
                raise Refused(400, "a JSON object of what to change")
            await asyncio.get_running_loop().run_in_executor(None, edit_disc_yaml, disc.folder / "disc.yaml", changes)
        except Refused as exc:
            return error(exc.status, exc.error, exc.problems)
        except ValueError as exc:
            return error(400, f"not JSON: {exc}")
        self.bus.post(DiscChanged(str(disc.folder), f"the console, from {who}"))
        log.info("console: %s edited from %s: %s", disc.id, who, ", ".join(sorted(changes)))
        return web.json_response({"ok": True})

    async def _schedule(self, request: web.Request) -> web.Response:
        if self.config_path is None or self.load_config is None:
            return error(503, "this kiosk was started without a config file to edit")
        try:
            cfg = await asyncio.get_running_loop().run_in_executor(None, self.load_config, self.config_path)
        except ConfigError as exc:
            return web.json_response({"error": "config.yaml does not load", "problems": exc.problems}, status=500)
        return web.json_response(schedule_of(cfg))

    async def _edit_schedule(self, request: web.Request) -> web.Response:
        """Opening hours and demos into config.yaml (schedule.py), in force at the next frame."""
        who = request.remote or "?"
        if self.config_path is None or self.load_config is None:
            return error(503, "this kiosk was started without a config file to edit")
        try:
            changes = await request.json()
            cfg = await asyncio.get_running_loop().run_in_executor(None, edit_schedule, self.config_path, changes,
                                                                   self.load_config)
        except Refused as exc:
            return error(exc.status, exc.error, exc.problems)
        except ValueError as exc:
            return error(400, f"not JSON: {exc}")
        self.bus.post(ScheduleChanged(cfg.opening_hours, cfg.demos, str(cfg.data_path / "demos.json")))
        log.info("console: the schedule edited from %s (%s)", who, ", ".join(sorted(changes)))
        return web.json_response(schedule_of(cfg))

    # -- doing ---------------------------------------------------------------------------------
    async def _action(self, request: web.Request) -> web.Response:
        name, who = request.match_info["name"], request.remote or "?"
        try:
            body = await request.json() if request.can_read_body else {}
            command = command_for(name, body if isinstance(body, dict) else {}, f"in the console from {who}")
        except (ValueError, TypeError, KeyError) as exc:
            return error(400, f"{name}: {exc}")
        if command is None:
            return error(404, f"no action {name!r} ({', '.join(ACTIONS)})")
        if not self.bus.post(command):
            return error(503, "the kiosk is busy: try again")
        log.info("console: %s %s from %s", name, json.dumps(body, ensure_ascii=False) if body else "", who)
        return web.json_response({"ok": True})
