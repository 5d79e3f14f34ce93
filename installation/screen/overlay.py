"""The technician's overlay (kiosk.overlay_keys, /kiosk/overlay): what to check on the box
without opening a terminal: version, drawing path, uptime, addresses and OSC port, frame
rate, memory, the sound device, plays today, the last self-test and the last problems."""
from __future__ import annotations

from typing import Any

import pygame

from .. import __version__
from .text import draw_text
from .layout import typography
from .scene_base import INK
from ..service.vitals import ip_addresses, rss_mb

Kiosk = Any  # the kiosk, read for its figures (kiosk.py imports this module, not the other way)


def overlay_lines(k: Kiosk) -> list[str]:
    engine = k.engine
    up = int(k.now)
    osc = f"{', '.join(ip_addresses())} : {k.cfg.osc.port}" if k.cfg.osc.enabled else "off"
    lines = [f"Bone Music {__version__} · {k.canvas.name} drawing · up {up // 86400}d {up // 3600 % 24}h"
             f"{up // 60 % 60:02d}m",
             f"OSC {osc}",
             f"{k.frames.fps:.0f} fps · frame p99 {k.frames.p99_ms:.1f} ms · RSS {rss_mb():.0f} MB "
             f"(disc pictures {k.pictures.megabytes:.0f} MB of {k.cfg.display.picture_cache_mb})",
             f"sound: {getattr(engine, 'device_name', 'none') if engine else 'none'} · "
             f"underruns {engine.underruns if engine else 0} · plays today {k.plays_today[1]}",
             f"scene {k.scene.name if k.scene else '-'} · {k.status_line()}",
             (f"self-test {k.self_test.when} ({k.self_test.reason}): {k.self_test.summary()}"
              if k.self_test else "self-test: not run yet"),
             "last problems:" if k.problems.lines else "no problems logged"]
    return lines + [f"  {line}" for line in list(k.problems.lines)[-10:]]


def draw_overlay(k: Kiosk, surface: pygame.Surface) -> None:
    """A dark panel at the top with one line each, cut to the screen's width."""
    lines = overlay_lines(k)
    w, h = surface.get_size()
    size = max(13, typography((w, h), k.cfg.display.dpi).small - 2)
    panel = pygame.Surface((int(w * 0.94), int(size * 1.3 * (len(lines) + 1))), pygame.SRCALPHA)
    panel.fill((0, 0, 0, 215))
    surface.blit(panel, (int(w * 0.03), int(h * 0.03)))
    y = int(h * 0.03) + size // 2
    for line in lines:
        y = draw_text(surface, line, (int(w * 0.05), y), size, INK, line_gap=1.3, width=int(w * 0.9), max_lines=1)
