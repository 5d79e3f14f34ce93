"""The calendar, worked out from the wall clock alone: opening hours (config.yaml
`opening_hours:`) and demos (`demos:`).

A demo is a weekly rule (`sat 15:00`, `fri,sat 19:30`) or a one-off date (`2026-12-31 18:00`)
in the gallery's local time. Local times become instants through the time zone database, so
a daylight-saving change moves nothing: a demo in the spring gap (02:30 on the night the
clocks jump) happens at the first instant after it, and one in the autumn's repeated hour
happens once, in its first pass. Each occurrence has a key (`rule index @ local date`); the
ledger in the data directory remembers which keys fired, were missed, postponed or cancelled,
so a restart never fires one twice and a kiosk that was off at the time does not cut late.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..core.states import DemoKind
from ..core.yamlconf import limits
from ..service.atomic import save_state

log = logging.getLogger(__name__)

UTC = dt.timezone.utc
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKLY = re.compile(r"^\s*([a-z]{3}(?:\s*,\s*[a-z]{3})*)\s+(\d{1,2}):(\d{2})\s*$")
_ONE_OFF = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})\s*$")
LEDGER_DAYS = 60  # older entries are dropped from the ledger


def parse_when(text: str) -> Tuple[Optional[Tuple[int, ...]], dt.datetime]:
    """`sat 15:00` -> ((5,), 1900-01-01 15:00); `2026-12-31 18:00` -> (None, that local time).
    ValueError names what is wrong, for config.yaml's file:line message."""
    m = _WEEKLY.match(text.lower())
    if m:
        names = [d.strip() for d in m.group(1).split(",")]
        bad = [d for d in names if d not in DAYS]
        if bad:
            raise ValueError(f"unknown day {bad[0]!r}; days are {', '.join(DAYS)}")
        hour, minute = int(m.group(2)), int(m.group(3))
        _check_time(hour, minute)
        return tuple(DAYS.index(d) for d in names), dt.datetime(1900, 1, 1, hour, minute)
    m = _ONE_OFF.match(text)
    if m:
        y, mo, d, hour, minute = (int(g) for g in m.groups())
        _check_time(hour, minute)
        try:
            return None, dt.datetime(y, mo, d, hour, minute)
        except ValueError as exc:
            raise ValueError(f"not a date: {text!r} ({exc})") from None
    raise ValueError(f"expected a weekly rule such as 'sat 15:00' or a date such as '2026-12-31 18:00', "
                     f"got {text!r}")


def _check_time(hour: int, minute: int) -> None:
    if hour > 23 or minute > 59:
        raise ValueError(f"not a time of day: {hour}:{minute:02d}")


def _check_zone(name: str) -> None:
    if name:
        zone(name)


def zone(name: str) -> dt.tzinfo:
    """The named IANA zone; "" is the machine's own (/etc/localtime)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name) if name else _local_zone()
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (examples: Europe/Moscow, Europe/Berlin)") from None


def _local_zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    try:
        with open("/etc/localtime", "rb") as fh:
            return ZoneInfo.from_file(fh, key="localtime")
    except (OSError, ValueError):
        return dt.datetime.now().astimezone().tzinfo or UTC


@dataclass(frozen=True)
class DemoConfig:
    """One demo: when, for how long, who plays what, and how long a side the lathe cuts."""

    when: str = field(metadata=limits(check=parse_when))  # 'sat 15:00' (weekly) or '2026-12-31 18:00'
    performer: str = ""
    title: str = ""
    duration_minutes: float = field(default=30.0, metadata=limits(1.0, 600.0))  # the window for cutting
    side_minutes: float = field(default=3.0, metadata=limits(0.1, 30.0))  # one side of a 78 is about 3


@dataclass(frozen=True)
class DemosConfig:
    enabled: bool = True
    timezone: str = field(default="", metadata=limits(check=_check_zone))  # "" = this machine's
    countdown_minutes: float = field(default=15.0, metadata=limits(0.0, 24 * 60.0))
    grace_minutes: float = field(default=5.0, metadata=limits(0.0, 120.0))  # later than this: missed
    events: Tuple[DemoConfig, ...] = ()


@dataclass(frozen=True)
class Occurrence:
    key: str  # "<rule index>@<local date>": the same demo under any clock change
    demo: DemoConfig
    start: dt.datetime  # aware, UTC
    end: dt.datetime

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start


def to_instant(local: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """A local wall-clock time as a UTC instant. In the spring gap (a time that does not exist)
    the instant is the same distance past the jump; in the autumn's repeated hour, the first."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def occurrences(cfg: DemosConfig, tz: dt.tzinfo, start: dt.datetime, end: dt.datetime) -> List[Occurrence]:
    """Every demo occurrence whose start lies in [start, end), in time order."""
    out = []
    first = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date() + dt.timedelta(days=1)
    for index, demo in enumerate(cfg.events):
        days, at = parse_when(demo.when)
        if days is None:
            candidates = [at]
        else:
            candidates = [dt.datetime.combine(first + dt.timedelta(days=n), at.time())
                          for n in range((last - first).days + 1)]
            candidates = [c for c in candidates if c.weekday() in days]
        for local in candidates:
            instant = to_instant(local, tz)
            if start <= instant < end:
                out.append(Occurrence(f"{index}@{local.date().isoformat()}", demo, instant,
                                      instant + dt.timedelta(minutes=demo.duration_minutes)))
    return sorted(out, key=lambda o: o.start)


@dataclass(frozen=True)
class DemoPhase:
    """What the calendar says now: `countdown` before a demo, `live` in its window (fired or
    started by the performer), `missed` in the window of one the kiosk did not see start."""

    kind: DemoKind
    occurrence: Occurrence
    seconds_to_start: float  # negative once started


class Ledger:
    """What happened to each occurrence, in `<data_dir>/demos.json` (atomic writes)."""

    def __init__(self, path: Optional[Path]):
        self.path = path
        self.entries: Dict[str, Dict[str, str]] = {}
        self.unsaved = False  # the last save failed (the data disk full or read-only): kept in memory
        if path is not None and path.exists():
            try:
                self.entries = {str(k): dict(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
            except (ValueError, AttributeError, TypeError, OSError) as exc:
                log.error("%s: unreadable, starting a new demo ledger (%s)", path, exc)

    def get(self, key: str) -> Dict[str, str]:
        return self.entries.get(key, {})

    def mark(self, key: str, now: dt.datetime, **values: str) -> None:
        entry = self.entries.setdefault(key, {"seen": now.isoformat()})
        entry.update(values)
        cutoff = (now - dt.timedelta(days=LEDGER_DAYS)).isoformat()
        self.entries = {k: v for k, v in self.entries.items() if v.get("seen", "") >= cutoff}
        self.save()

    def save(self) -> None:
        """To disk; when the disk refuses, the ledger goes on in memory (the show never stops for
        its own state) and is saved again at the next change or retry."""
        if self.path is not None:
            self.unsaved = not save_state(self.path, json.dumps(self.entries, ensure_ascii=False, indent=1),
                                          "the demo ledger")


class DemoSchedule:
    """The calendar plus the ledger. `tick(now)` is called once a frame with the wall clock
    (UTC, aware) and returns the transitions to act on: each at most once per occurrence."""

    def __init__(self, cfg: DemosConfig, ledger_path: Optional[Path] = None, tz: Optional[dt.tzinfo] = None):
        self.cfg = cfg
        self.tz = tz if tz is not None else zone(cfg.timezone)
        self.ledger = Ledger(ledger_path)
        self._retry_save = dt.datetime.min.replace(tzinfo=UTC)
        self._longest = dt.timedelta(minutes=max([d.duration_minutes for d in cfg.events] or [0]))

    def _effective(self, occ: Occurrence) -> Optional[Occurrence]:
        """The occurrence as the performer left it: postponed, cancelled (None) or as planned."""
        entry = self.ledger.get(occ.key)
        if entry.get("cancelled"):
            return None
        if entry.get("moved_to"):
            start = dt.datetime.fromisoformat(entry["moved_to"])
            return Occurrence(occ.key, occ.demo, start, start + occ.duration)
        return occ

    def around(self, now: dt.datetime, ended: bool = False) -> List[Occurrence]:
        """Occurrences that could matter now: running, or starting within a week (`ended`: and
        those that ended in the last two days)."""
        horizon = dt.timedelta(days=8)
        early = now - self._longest - dt.timedelta(days=2)  # postponed ones included
        found = [self._effective(o) for o in occurrences(self.cfg, self.tz, early, now + horizon)]
        since = now - dt.timedelta(days=2) if ended else now
        return sorted((o for o in found if o is not None and o.end > since), key=lambda o: o.start)

    def _done(self, occ: Occurrence, now: dt.datetime) -> bool:
        """Run, missed or over: done for good, whatever the clock does next (NTP correcting a Pi
        by an hour must not show a finished demo's countdown again, nor open its window twice)."""
        entry = self.ledger.get(occ.key)
        return bool(entry.get("done")) or (occ.start > now and bool(entry.get("fired") or entry.get("missed")))

    def phase(self, now: dt.datetime) -> Optional[DemoPhase]:
        """The demo that matters now, without changing anything (what a restart would see)."""
        countdown = dt.timedelta(minutes=self.cfg.countdown_minutes)
        for occ in self.around(now):
            if self._done(occ, now):
                continue
            to_start = (occ.start - now).total_seconds()
            entry = self.ledger.get(occ.key)
            if occ.start <= now:
                return DemoPhase(DemoKind.LIVE if entry.get("fired") else DemoKind.MISSED, occ, to_start)
            if now >= occ.start - countdown:
                return DemoPhase(DemoKind.COUNTDOWN, occ, to_start)
        return None

    def next_demo(self, now: dt.datetime) -> Optional[Occurrence]:
        upcoming = [o for o in self.around(now) if o.start > now and not self._done(o, now)]
        return upcoming[0] if upcoming else None

    def tick(self, now: dt.datetime) -> List[Tuple[str, Occurrence]]:
        """("fired", occ) the first time a demo's start is seen in time; ("missed", occ) when the
        kiosk first sees one later than grace_minutes after its start. Both go in the ledger."""
        if not self.cfg.enabled:
            return []
        if self.ledger.unsaved and now >= self._retry_save:  # the disk may have room again
            self._retry_save = now + dt.timedelta(minutes=1)
            self.ledger.save()
        out = []
        grace = dt.timedelta(minutes=self.cfg.grace_minutes)
        for occ in self.around(now, ended=True):
            if occ.start > now:
                break
            entry = self.ledger.get(occ.key)
            if occ.end <= now:
                if (entry.get("fired") or entry.get("missed")) and not entry.get("done"):
                    self.ledger.mark(occ.key, now, done=now.isoformat())  # its window is over, for good
                continue
            if entry.get("fired") or entry.get("missed"):
                continue
            if now - occ.start <= grace:
                self.ledger.mark(occ.key, now, fired=now.isoformat())
                out.append(("fired", occ))
            else:
                self.ledger.mark(occ.key, now, missed=now.isoformat())
                log.warning("demo %s (%s) was missed: the kiosk was not running at %s; it is not cut late "
                            "unless the performer starts it (/demo/start)", occ.key, occ.demo.title,
                            occ.start.astimezone(self.tz).strftime("%a %d %b %H:%M"))
                out.append(("missed", occ))
        return out

    # -- the performer's decisions (OSC /demo/...) ---------------------------------------------
    def current(self, now: dt.datetime) -> Optional[Occurrence]:
        """The demo a performer's /demo/... command is about: the running or missed one, else the next."""
        p = self.phase(now)
        return p.occurrence if p is not None else self.next_demo(now)

    def postpone(self, now: dt.datetime, minutes: float) -> Optional[Occurrence]:
        occ = self.current(now)
        if occ is None:
            return None
        start = max(occ.start, now) + dt.timedelta(minutes=minutes)
        self.ledger.mark(occ.key, now, moved_to=start.isoformat(), fired="", missed="")
        log.info("demo %s postponed to %s", occ.key, start.astimezone(self.tz).strftime("%a %H:%M"))
        return self._effective(occ)

    def start_now(self, now: dt.datetime) -> Optional[Occurrence]:
        """The performer starts the current demo now (a missed one too): it fires at once."""
        occ = self.current(now)
        if occ is None:
            return None
        self.ledger.mark(occ.key, now, moved_to=now.isoformat(), fired=now.isoformat(), missed="")
        log.info("demo %s started by the performer", occ.key)
        return self._effective(occ)

    def cancel(self, now: dt.datetime) -> Optional[Occurrence]:
        occ = self.current(now)
        if occ is not None:
            self.ledger.mark(occ.key, now, cancelled="1")
            log.info("demo %s cancelled by the performer", occ.key)
        return occ


# -- opening hours -----------------------------------------------------------------------------
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str) -> Optional[Tuple[dt.time, dt.time]]:
    """`10:00-18:00` -> (10:00, 18:00); `closed` -> None. ValueError says what is wrong."""
    if text.strip().lower() in ("closed", "-", ""):
        return None
    m = _HOURS.match(text)
    if not m:
        raise ValueError(f"expected opening hours such as '10:00-18:00' or 'closed', got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    for h, mi in ((h1, m1), (h2, m2)):
        if h > 24 or mi > 59 or (h == 24 and mi):
            raise ValueError(f"not a time of day: {h}:{mi:02d}")
    start = dt.time(h1 % 24, m1)
    end = dt.time.max if (h2, m2) == (24, 0) else dt.time(h2, m2)
    if end <= start:
        raise ValueError(f"closing time {h2}:{m2:02d} is not after opening time {h1}:{m1:02d}")
    return start, end


def _check_date(text: str) -> None:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date such as 2026-12-31, got {text!r}") from None


def _hours(default: str):
    return field(default=default, metadata=limits(check=parse_hours))


@dataclass(frozen=True)
class OpeningHoursConfig:
    """When visitors are in; outside: the screen dark (or a card), no sound, OSC still answering."""

    enabled: bool = False  # false: always open
    mon: str = _hours("closed")
    tue: str = _hours("10:00-18:00")
    wed: str = _hours("10:00-18:00")
    thu: str = _hours("10:00-21:00")
    fri: str = _hours("10:00-18:00")
    sat: str = _hours("10:00-18:00")
    sun: str = _hours("10:00-18:00")
    closures: Tuple[str, ...] = field(default=(), metadata=limits(check=_check_date))  # whole days closed
    closed_card: bool = True  # false: a black screen outside hours


class OpeningHours:
    def __init__(self, cfg: OpeningHoursConfig, tz: dt.tzinfo):
        self.cfg, self.tz = cfg, tz
        self.days = [parse_hours(getattr(cfg, day)) for day in DAYS]
        self.closures = {dt.date.fromisoformat(d) for d in cfg.closures}

    def is_open(self, now: dt.datetime) -> bool:
        if not self.cfg.enabled:
            return True
        local = now.astimezone(self.tz)
        hours = self.days[local.weekday()]
        return local.date() not in self.closures and hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, now: dt.datetime) -> Optional[dt.datetime]:
        """When the doors open next (local time), within two weeks; None if never."""
        local = now.astimezone(self.tz)
        for n in range(15):
            day = local.date() + dt.timedelta(days=n)
            hours = self.days[day.weekday()]
            if hours is None or day in self.closures:
                continue
            opening = to_instant(dt.datetime.combine(day, hours[0]), self.tz).astimezone(self.tz)
            if opening > local:
                return opening
        return None
