"""The technician's overlay (kiosk.overlay_keys, /kiosk/overlay): what to check on the box
without opening a terminal: version, drawing path, uptime, addresses and OSC port, frame
rate, memory, the sound device, plays today, the last self-test and the last problems."""
from __future__ import annotations

import pygame

from .. import __version__
from ..remote.console.settings import is_local
from ..service.vitals import ip_addresses, rss_mb
from ..show.health import Health
from .layout import typography
from .palette import INK
from .scene_base import SceneHost
from .text import draw_text


def listening(host: str, port: int) -> str:
    """Where OSC is really heard: every address of the box, or the one it is bound to."""
    if host in ("", "0.0.0.0", "::"):
        return f"{', '.join(ip_addresses())} : {port} (every address of this box)"
    return f"{host} : {port}" + (" (this box only)" if is_local(host) else "")


def overlay_lines(k: SceneHost, health: Health) -> list[str]:
    up = int(k.show.now)
    sound = health.sound_status()
    osc = listening(k.cfg.osc.host, k.cfg.osc.port) if k.cfg.osc.enabled else "off"
    lines = [f"Bone Music {__version__} · {k.stage.canvas.name} drawing · up {up // 86400}d {up // 3600 % 24}h"
             f"{up // 60 % 60:02d}m",
             f"OSC {osc}",
             f"{health.frames.fps:.0f} fps · frame p99 {health.frames.p99_ms:.1f} ms · RSS {rss_mb():.0f} MB "
             f"(disc pictures {k.stage.pictures.megabytes:.0f} MB of {k.cfg.display.picture_cache_mb})",
             f"sound: {sound.device}{' · loading a disc' if sound.loading else ''} · underruns {sound.underruns} · "
             f"plays today {k.collection.plays_today[1]}",
             f"scene {k.show.scene.name if k.show.scene else '-'} · {health.status_line()}",
             (f"self-test {health.self_test.when} ({health.self_test.reason}): {health.self_test.summary()}"
              if health.self_test else "self-test: not run yet"),
             "last problems:" if health.problems.lines else "no problems logged"]
    return lines + [f"  {line}" for line in list(health.problems.lines)[-10:]]


def draw_overlay(k: SceneHost, health: Health, surface: pygame.Surface) -> None:
    """A dark panel at the top with one line each, cut to the screen's width."""
    lines = overlay_lines(k, health)
    w, h = surface.get_size()
    size = max(13, typography((w, h), k.cfg.display.dpi).small - 2)
    panel = pygame.Surface((int(w * 0.94), int(size * 1.3 * (len(lines) + 1))), pygame.SRCALPHA)
    panel.fill((0, 0, 0, 215))
    surface.blit(panel, (int(w * 0.03), int(h * 0.03)))
    y = int(h * 0.03) + size // 2
    for line in lines:
        y = draw_text(surface, line, (int(w * 0.05), y), size, INK, line_gap=1.3, width=int(w * 0.9), max_lines=1)
