"""The self-test: what a technician would check before the doors open, in one report.

Run shortly after start, when the opening hours begin, and on demand (`/kiosk/selftest`).
Each check says ok or what is wrong in words a technician can act on; the report goes to the
log, to OSC (`/status/selftest`) and onto the technician's overlay."""
from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from ..core.states import LatheState
from ..service.atomic import unsaved
from ..sound.port import SoundStatus

MIN_FREE_MB = 500.0  # a 10-minute live cut is about 115 MB (mono float WAV at 48 kHz)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{self.name}: {'ok' if self.ok else 'PROBLEM'} · {self.detail}"


@dataclass(frozen=True)
class SelfTestReport:
    when: str  # local time, for people
    reason: str
    checks: Tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def summary(self) -> str:
        """One line for OSC and the status: 'ok' or the problems."""
        bad = [c for c in self.checks if not c.ok]
        return "ok" if not bad else "; ".join(f"{c.name}: {c.detail}" for c in bad)


def check_audio(sound: Optional[SoundStatus], rendering: bool) -> Check:
    if sound is None:
        return Check("sound", False, "no sound engine")
    if sound.is_null:
        return Check("sound", False, "no audio device (audio.device in config.yaml; trying it again every second)")
    if not rendering:
        return Check("sound", False, f"{sound.device} is not taking sound (the sound process restarts it)")
    db = 20 * math.log10(sound.level) if sound.level > 1e-6 else -120.0
    heard = f"output peak {db:.0f} dBFS" if sound.playing_id else "nothing playing"
    return Check("sound", True, f"{sound.device}, rendering, {heard}, underruns {sound.underruns}")


def check_content(library) -> Check:
    discs, problems = len(library.discs), len(library.problems)
    if not discs:
        return Check("content", False, "no playable disc (python -m installation check says why)")
    if problems:
        return Check("content", False, f"{discs} discs; {problems} skipped (python -m installation check lists them)")
    return Check("content", True, f"{discs} discs, none skipped")


def check_disk(data_dir: Path) -> Check:
    where = Path(data_dir)
    while not where.exists() and where.parent != where:  # not made yet: the disk it will be made on
        where = where.parent
    try:
        free = shutil.disk_usage(where).free / 1e6
    except OSError as exc:
        return Check("disk", False, f"{data_dir}: {exc}")
    failed = unsaved(data_dir)
    if failed:
        return Check("disk", False, f"cannot save in {data_dir}: {'; '.join(failed)}; the show goes on with its "
                                    "state in memory")
    if free < MIN_FREE_MB:
        return Check("disk", False, f"only {free:.0f} MB free in {data_dir} (a live cut needs ~{MIN_FREE_MB:.0f})")
    return Check("disk", True, f"{free / 1000:.1f} GB free in {data_dir}")


def check_lathe(view) -> Optional[Check]:
    if view is None:
        return None
    if view.state in (LatheState.FAULT, LatheState.ABORTED):
        return Check("lathe", False, f"{view.state}: {view.reason} (/lathe/reset once it is clear)")
    return Check("lathe", True, f"{view.state}, {view.rpm or 0:.0f} rpm")


def run_self_test(when: str, reason: str, sound: Optional[SoundStatus], rendering: bool, library, data_dir: Path,
                  lathe_view=None) -> SelfTestReport:
    checks = [check_audio(sound, rendering), check_content(library), check_disk(data_dir), check_lathe(lathe_view)]
    return SelfTestReport(when, reason, tuple(c for c in checks if c is not None))
