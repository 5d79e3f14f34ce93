"""An upload kept back for a look first: the disc drawn as visitors will see it and 10 s of its
sound through the disc emulation, made by the kiosk's `preview` command in a process of its own;
then published (the same one rename as a direct upload) or discarded. Staged uploads live under
<data dir>/uploads, expire after an hour, and do not outlive the kiosk."""
from __future__ import annotations

import asyncio
import logging
import re
import shutil
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from aiohttp import web

from ...content.library import Disc
from ...core.commands import CommandBus, DiscArrived
from .records import error
from .uploads import Refused, Upload

log = logging.getLogger(__name__)
KEPT_SECONDS = 3600.0  # a preview nobody published or discarded is gone after this
MOST_KEPT = 3  # staged uploads at once (each is a whole disc on the data disk)
FILES = {"picture.jpg": "image/jpeg", "sound.wav": "audio/wav"}
TOKEN = re.compile(r"[0-9a-f]{16}")
MakePreview = Callable[[Path, Path], None]  # (disc folder, out folder): picture.jpg, sound.wav


class Previews:
    def __init__(self, uploads_dir: Path, bus: CommandBus, make: Optional[MakePreview],
                 clock: Callable[[], float] = time.monotonic):
        self.uploads_dir, self.bus, self.make, self.clock = uploads_dir, bus, make, clock
        self._kept: Dict[str, Tuple[Upload, Disc, float]] = {}  # token -> the upload, its disc, since when

    def clear_leftovers(self) -> None:
        """Uploads a stopped kiosk left half-done or unpublished: nothing of them stays."""
        if self.uploads_dir.is_dir():
            for folder in self.uploads_dir.iterdir():
                shutil.rmtree(folder, ignore_errors=True)

    def routes(self) -> List[web.RouteDef]:
        return [web.get("/api/previews/{token}/{name}", self._file),
                web.post("/api/previews/{token}/publish", self._publish),
                web.post("/api/previews/{token}/discard", self._discard)]

    async def publish(self, upload: Upload, disc: Disc, who: str) -> web.Response:
        """Into the content folder in one rename, and into the show at the next frame: 201."""
        await asyncio.get_running_loop().run_in_executor(None, upload.publish)
        self.bus.post(DiscArrived(str(upload.discs_dir / disc.id), f"the console, from {who}"))
        log.info("console: the disc %s added from %s", disc.id, who)
        return web.json_response({"id": disc.id}, status=201)

    async def stage(self, upload: Upload, disc: Disc, who: str) -> web.Response:
        """Draw and play it aside; 202 with where its picture and sound are, or Refused."""
        if self.make is None:
            raise Refused(503, "this kiosk makes no previews")
        self._expire()
        assert upload.folder is not None
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.make, upload.folder, upload.preview_dir)
        except RuntimeError as exc:
            raise Refused(422, f"the preview failed: {exc}") from exc
        token = upload.staging.name
        self._kept[token] = (upload, disc, self.clock())
        log.info("console: a preview of %s made for %s", disc.id, who)
        base = f"/api/previews/{token}"
        return web.json_response({"id": disc.id, "preview": token, "picture": f"{base}/picture.jpg",
                                  "sound": f"{base}/sound.wav", "publish": f"{base}/publish",
                                  "discard": f"{base}/discard"}, status=202)

    def _expire(self) -> None:
        now = self.clock()
        by_age = sorted(self._kept, key=lambda t: self._kept[t][2])
        for n, token in enumerate(by_age):
            if now - self._kept[token][2] > KEPT_SECONDS or len(by_age) - n >= MOST_KEPT:
                self._kept.pop(token)[0].discard()

    def _find(self, request: web.Request) -> Optional[Tuple[str, Upload, Disc]]:
        self._expire()
        token = request.match_info["token"]
        kept = self._kept.get(token) if TOKEN.fullmatch(token) else None
        return (token, kept[0], kept[1]) if kept else None

    async def _file(self, request: web.Request) -> web.StreamResponse:
        found, name = self._find(request), request.match_info["name"]
        if found is None or name not in FILES:
            return error(404, "no such preview (an hour old, published, or discarded)")
        return web.FileResponse(found[1].preview_dir / name, headers={"Content-Type": FILES[name],
                                                                      "X-Content-Type-Options": "nosniff"})

    async def _publish(self, request: web.Request) -> web.Response:
        found = self._find(request)
        if found is None:
            return error(404, "no such preview (an hour old, published, or discarded)")
        token, upload, disc = found
        try:
            response = await self.publish(upload, disc, request.remote or "?")
        except Refused as exc:
            return error(exc.status, exc.error, exc.problems)
        self._kept.pop(token, None)
        return response

    async def _discard(self, request: web.Request) -> web.Response:
        found = self._find(request)
        if found is None:
            return error(404, "no such preview (an hour old, published, or discarded)")
        self._kept.pop(found[0])
        found[1].discard()
        log.info("console: the preview of %s discarded from %s", found[2].id, request.remote or "?")
        return web.json_response({"ok": True})
