"""The console's read-outs beside the status: a picture of the screen, the log's tail and file,
the live cuts' archive (listen, download, delete when named again). Bounded reads, off the loop."""
from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path
from typing import List, Optional, Tuple

from aiohttp import web

from ...lathe.archive import Archive
from ...service.status import StatusBoard
from .views import cuts, log_tail, png

log = logging.getLogger(__name__)
PICTURE_SECONDS = 1.0  # a picture of the screen at most this often


def error(status: int, text: str, problems: Optional[List[str]] = None) -> web.Response:
    """Every refusal of the console: JSON `{"error": ...}` with its status (and `check`'s lines)."""
    return web.json_response({"error": text, **({"problems": problems} if problems is not None else {})},
                             status=status)


class Records:
    def __init__(self, data_dir: Path, board: Optional[StatusBoard]):
        self.archive, self.log_path = Archive(data_dir), Path(data_dir) / "kiosk.log"
        self.board = board  # where the main loop leaves a picture of the screen when asked
        self._png: Tuple[float, bytes] = (-1.0, b"")  # the last picture, as a PNG

    def routes(self) -> List[web.RouteDef]:
        return [web.get("/api/screen", self.screen), web.get("/api/log", self._log),
                web.get("/api/log/download", self._log_file), web.get("/api/cuts", self._cuts),
                web.get("/api/cuts/{name}/audio", self._cut_audio),
                web.post("/api/cuts/{name}/delete", self._cut_delete)]

    async def screen(self, request: web.Request) -> web.StreamResponse:
        """What is on the screen now: a picture the main loop takes after its next frame (one a
        second at most, whoever asks: a fresher one is shared)."""
        board = self.board
        if board is None:
            return error(503, "this kiosk takes no pictures of its screen")
        asked = time.monotonic()
        last = board.picture()
        if last is None or asked - last.taken > PICTURE_SECONDS:
            board.want_picture()
            while time.monotonic() - asked < 3.0:
                last = board.picture()
                if last is not None and last.taken >= asked:
                    break
                await asyncio.sleep(0.02)
        if last is None:
            return error(503, "no frame drawn to take a picture of (yet)")
        if self._png[0] != last.taken:  # made once a picture, however many pages ask for it
            self._png = (last.taken, await asyncio.get_running_loop().run_in_executor(None, png, last.size, last.rgb))
        return web.Response(body=self._png[1], content_type="image/png", headers={"Cache-Control": "no-store"})

    async def _log(self, request: web.Request) -> web.Response:
        try:
            lines = int(request.query.get("lines", "200"))
        except ValueError:
            return error(400, "lines: a whole number")
        loop = asyncio.get_running_loop()
        tail = await loop.run_in_executor(None, log_tail, self.log_path, lines, request.query.get("contains", ""))
        return web.json_response({"lines": tail})

    async def _log_file(self, request: web.Request) -> web.StreamResponse:
        if not self.log_path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(self.log_path, headers={"Content-Type": "text/plain; charset=utf-8",
                                                        "Content-Disposition": "attachment; filename=kiosk.log"})

    async def _cuts(self, request: web.Request) -> web.Response:
        return web.json_response(await asyncio.get_running_loop().run_in_executor(None, cuts, self.archive))

    async def _cut_audio(self, request: web.Request) -> web.StreamResponse:
        cut = self.archive.find(request.match_info["name"])
        if cut is None or not cut.audio.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(cut.audio, headers={
            "Content-Type": "audio/wav", "Content-Disposition": f"attachment; filename={cut.folder.name}.wav"})

    async def _cut_delete(self, request: web.Request) -> web.Response:
        """A cut deleted for good, when the request names it again in `confirm` (the page asks)."""
        name, who = request.match_info["name"], request.remote or "?"
        cut = self.archive.find(name)
        if cut is None:
            return error(404, f"no cut {name!r}")
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict) or body.get("confirm") != name:
            return error(400, "confirm: the cut's name again, to delete it for good")
        await asyncio.get_running_loop().run_in_executor(None, shutil.rmtree, cut.folder)
        log.warning("console: the cut %s deleted from %s", name, who)
        return web.json_response({"ok": True})
