"""Keyboard chords such as ``ctrl+shift+q`` (the technician's quit), parsed once from config."""
from __future__ import annotations

from dataclasses import dataclass

import pygame

_MODS = {"ctrl": pygame.KMOD_CTRL, "shift": pygame.KMOD_SHIFT, "alt": pygame.KMOD_ALT, "meta": pygame.KMOD_META}


@dataclass(frozen=True)
class Chord:
    mods: tuple[int, ...]
    key: int

    def matches(self, event: pygame.event.Event) -> bool:
        return event.type == pygame.KEYDOWN and event.key == self.key and all(event.mod & m for m in self.mods)


def parse_chord(text: str) -> Chord:
    """``"ctrl+shift+q"`` -> Chord; ValueError naming the bad part otherwise."""
    parts = [p.strip().lower() for p in text.split("+") if p.strip()]
    if not parts:
        raise ValueError("empty key chord")
    *mods, key = parts
    for m in mods:
        if m not in _MODS:
            raise ValueError(f"unknown modifier {m!r} (use {', '.join(_MODS)})")
    code = getattr(pygame, f"K_{key}", None) or getattr(pygame, f"K_{key.upper()}", None)
    if code is None:
        raise ValueError(f"unknown key {key!r} (examples: q, escape, f12)")
    return Chord(tuple(_MODS[m] for m in mods), code)
