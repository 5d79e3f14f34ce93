"""Keyboard chords such as ``ctrl+shift+q`` (the technician's quit), parsed once from config.

Parsing needs no pygame, so the config (and everything that loads it) stays free of it;
only `Chord.matches`, called by the main loop, looks at pygame's key codes.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

MODIFIERS = ("ctrl", "shift", "alt", "meta")
NAMED_KEYS = frozenset({"escape", "space", "return", "tab", "backspace", "delete", "insert", "home", "end",
                        "pageup", "pagedown", "up", "down", "left", "right", "pause", "printscreen", "menu"}
                       | {f"f{i}" for i in range(1, 16)} | set(string.ascii_lowercase) | set(string.digits))


@dataclass(frozen=True)
class Chord:
    mods: tuple[str, ...]
    key: str

    def matches(self, event) -> bool:
        """True for the KEYDOWN event of this chord (extra modifiers held do not matter)."""
        import pygame

        if event.type != pygame.KEYDOWN or event.key != pygame.key.key_code(self.key):
            return False
        masks = {"ctrl": pygame.KMOD_CTRL, "shift": pygame.KMOD_SHIFT, "alt": pygame.KMOD_ALT,
                 "meta": pygame.KMOD_META}
        return all(event.mod & masks[m] for m in self.mods)


def parse_chord(text: str) -> Chord:
    """``"ctrl+shift+q"`` -> Chord; ValueError naming the bad part otherwise."""
    parts = [p.strip().lower() for p in text.split("+") if p.strip()]
    if not parts:
        raise ValueError("empty key chord")
    *mods, key = parts
    for m in mods:
        if m not in MODIFIERS:
            raise ValueError(f"unknown modifier {m!r} (use {', '.join(MODIFIERS)})")
    if key not in NAMED_KEYS:
        raise ValueError(f"unknown key {key!r} (examples: q, escape, f12)")
    return Chord(tuple(mods), key)
