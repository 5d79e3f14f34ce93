"""The console's part of the gallery (docs/gallery.md): the page's tiles and commands (behind the
session, as every /api/ path), and what this box serves the other boxes of the site with its
token: its discs' files and a picture of its screen."""
from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Callable, List, Optional

import aiohttp
from aiohttp import web

from ..actions import ACTIONS, command_for
from ..gallery.discs import TOKEN_HEADER, disc_files, token_header
from ..gallery.link import GalleryLink
from .records import Records, error
from .views import Shown

log = logging.getLogger(__name__)


class GalleryPages:
    def __init__(self, gallery: Callable[[], Optional[GalleryLink]], shown: Optional[Shown], records: Records):
        self.gallery, self.shown, self.records = gallery, shown, records

    def routes(self) -> List[web.RouteDef]:
        return [web.get("/api/gallery", self._gallery), web.get("/gallery/discs/{id}/{name}", self._gallery_file),
                web.get("/gallery/screen", self._gallery_screen),
                web.get("/api/gallery/{box}/screen", self._gallery_box_screen),
                web.post("/api/gallery/{box}/{name}", self._gallery_command)]

    async def _gallery(self, request: web.Request) -> web.Response:
        """Every box seen on the broker: online or not and since when, its last status."""
        gallery = self.gallery()
        if gallery is None:
            return web.json_response({"enabled": False, "boxes": []})
        return web.json_response({"enabled": True, "connected": gallery.connected, "box": gallery.box,
                                  "site": gallery.site, "boxes": gallery.boxes()})

    def _not_a_peer(self, request: web.Request) -> Optional[web.Response]:
        """None for another box of the site (its token in X-Gallery-Token; no session), else the refusal."""
        gallery = self.gallery()
        token = gallery.token if gallery is not None else ""
        if token and hmac.compare_digest(request.headers.get(TOKEN_HEADER, ""), token_header(token)):
            return None
        log.warning("console: %s asked for by %s without the site's token", request.path, request.remote)
        return error(403, "the site's token is needed (gallery.token_file)")

    async def _gallery_screen(self, request: web.Request) -> web.StreamResponse:
        """This box's screen for the console box's gallery page."""
        return self._not_a_peer(request) or await self.records.screen(request)

    async def _gallery_box_screen(self, request: web.Request) -> web.StreamResponse:
        """Another box's screen (its tile's picture), fetched from its console with the site's token."""
        box, gallery = request.match_info["box"], self.gallery()
        url = gallery.files_url(box) if gallery is not None else ""
        if gallery is None or not url:
            return error(404, f"no box {box!r} sharing its screen on the gallery (gallery.token_file)")
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=8)) as session:
                async with session.get(url.rsplit("/discs", 1)[0] + "/screen",
                                       headers={TOKEN_HEADER: token_header(gallery.token)}) as r:
                    body = await r.read()
                    if r.status != 200:
                        return error(502, f"{box}: {r.status} {body[:200].decode('utf-8', 'replace')}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return error(502, f"{box} does not answer: {exc or type(exc).__name__}")
        return web.Response(body=body, content_type="image/png", headers={"Cache-Control": "max-age=10"})

    async def _gallery_file(self, request: web.Request) -> web.StreamResponse:
        """A disc's file for another box of the site (its token in X-Gallery-Token; no session)."""
        refused = self._not_a_peer(request)
        if refused is not None:
            return refused
        disc = self.shown.find(request.match_info["id"]) if self.shown else None
        name = request.match_info["name"]
        files = {p.name: p for p in disc_files(disc.folder)} if disc is not None else {}
        if name not in files:
            return error(404, "no such file of a disc here")
        return web.FileResponse(files[name], headers={"Content-Type": "application/octet-stream"})

    async def _gallery_command(self, request: web.Request) -> web.Response:
        """An action to one box (its id) or to all: published on the broker, whose ACL decides."""
        box, name, who = request.match_info["box"], request.match_info["name"], request.remote or "?"
        gallery = self.gallery()
        if gallery is None:
            return error(503, "this box is not on a gallery broker (gallery.enabled: false)")
        if not gallery.connected:
            return error(503, "the gallery's broker is gone: the command was not sent")
        try:
            body = await request.json() if request.can_read_body else {}
            body = body if isinstance(body, dict) else {}
            if command_for(name, body, "") is None:  # (checked here too: a typo is said to the page)
                return error(404, f"no action {name!r} ({', '.join(ACTIONS)})")
            gallery.command(box, name, body)
        except (ValueError, TypeError, KeyError) as exc:
            return error(400, f"{name}: {exc}")
        log.info("console: %s to %s over the gallery from %s", name, box, who)
        return web.json_response({"ok": True})

