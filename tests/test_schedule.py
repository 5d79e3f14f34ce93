"""The demo calendar: weekly rules and one-offs in local time, DST both ways, no double fire,
a missed demo, a restart mid-countdown; config errors with file:line."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from installation.core.yamlconf import ConfigError, load_dataclass
from installation.show.calendar import DemoConfig, DemoSchedule, DemosConfig, occurrences, parse_when
from installation.show.programme import cutting_window

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def demos(*whens: str, **kw) -> DemosConfig:
    return DemosConfig(timezone="Europe/Berlin", countdown_minutes=kw.pop("countdown", 15),
                       events=tuple(DemoConfig(when=w, duration_minutes=30, **kw) for w in whens))


def test_weekly_rule_lands_on_the_weekday_in_local_time():
    occ = occurrences(demos("sat 15:00"), BERLIN, local(2026, 11, 23, 0, 0), local(2026, 12, 14, 0, 0))
    assert [o.start.astimezone(BERLIN).strftime("%a %d %H:%M") for o in occ] == \
        ["Sat 28 15:00", "Sat 05 15:00", "Sat 12 15:00"]
    assert occ[0].start == dt.datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # CET is UTC+1
    assert occ[0].end - occ[0].start == dt.timedelta(minutes=30)


def test_several_days_and_one_offs():
    cfg = demos("fri, sat 19:30", "2026-12-31 18:00")
    occ = occurrences(cfg, BERLIN, local(2026, 12, 24, 0, 0), local(2027, 1, 2, 0, 0))
    assert [o.start.astimezone(BERLIN).strftime("%m-%d %H:%M") for o in occ] == \
        ["12-25 19:30", "12-26 19:30", "12-31 18:00", "01-01 19:30"]


def test_summer_time_keeps_the_local_hour():
    """Across the March change a Saturday 15:00 stays 15:00 on the wall: its UTC instant moves."""
    occ = occurrences(demos("sat 15:00"), BERLIN, local(2027, 3, 21, 0, 0), local(2027, 4, 5, 0, 0))
    assert [o.start.hour for o in occ] == [14, 13]  # 15:00 CET, then 15:00 CEST
    assert [o.start.astimezone(BERLIN).hour for o in occ] == [15, 15]


def test_a_demo_in_the_spring_gap_happens_once_just_after_the_jump():
    occ = occurrences(demos("sun 02:30"), BERLIN, local(2027, 3, 27, 0, 0), local(2027, 3, 29, 0, 0))
    assert len(occ) == 1
    assert occ[0].start == dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST, an hour after the jump
    assert occ[0].start.astimezone(BERLIN).strftime("%H:%M") == "03:30"


def test_a_demo_in_the_repeated_autumn_hour_fires_once(tmp_path: Path):
    cfg = demos("sun 02:30")
    sched = DemoSchedule(cfg, tmp_path / "demos.json", BERLIN)
    first_pass = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second_pass = dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, an hour later
    fired = []
    t = first_pass - dt.timedelta(minutes=20)
    while t < second_pass + dt.timedelta(minutes=40):
        fired += sched.tick(t)
        t += dt.timedelta(seconds=30)
    assert [(kind, o.start) for kind, o in fired] == [("fired", first_pass)]


def test_never_fires_twice_even_across_restarts(tmp_path: Path):
    cfg = demos("sat 15:00")
    start = local(2026, 11, 28, 15, 0)
    sched = DemoSchedule(cfg, tmp_path / "demos.json", BERLIN)
    assert sched.tick(start - dt.timedelta(seconds=1)) == []
    assert [k for k, _ in sched.tick(start)] == ["fired"]
    assert sched.tick(start + dt.timedelta(seconds=1)) == []
    again = DemoSchedule(cfg, tmp_path / "demos.json", BERLIN)  # the kiosk restarted mid-demo
    assert again.tick(start + dt.timedelta(minutes=2)) == []
    assert again.phase(start + dt.timedelta(minutes=2)).kind == "live"  # the window goes on
    assert again.phase(start + dt.timedelta(minutes=31)) is None  # and ends


def test_missed_demo_is_not_cut_late_unless_the_performer_starts_it(tmp_path: Path):
    cfg = demos("sat 15:00")
    start = local(2026, 11, 28, 15, 0)
    sched = DemoSchedule(cfg, tmp_path / "demos.json", BERLIN)
    boot = start + dt.timedelta(minutes=10)  # the kiosk was off at 15:00
    assert [k for k, _ in sched.tick(boot)] == ["missed"]
    assert sched.phase(boot).kind == "missed"
    assert cutting_window(sched.phase(boot)) is None
    assert sched.tick(boot + dt.timedelta(minutes=1)) == []  # said once
    started = sched.start_now(boot + dt.timedelta(minutes=2))
    assert started.start == boot + dt.timedelta(minutes=2)
    assert cutting_window(sched.phase(boot + dt.timedelta(minutes=3))) is not None
    assert sched.tick(boot + dt.timedelta(minutes=3)) == []  # started by hand: no second fire


def test_restart_mid_countdown_works_it_out_from_the_clock(tmp_path: Path):
    cfg = demos("sat 15:00", countdown=15)
    start = local(2026, 11, 28, 15, 0)
    assert DemoSchedule(cfg, tmp_path / "d.json", BERLIN).phase(start - dt.timedelta(minutes=16)) is None
    fresh = DemoSchedule(cfg, tmp_path / "d.json", BERLIN)  # nothing remembered, only the clock
    p = fresh.phase(start - dt.timedelta(minutes=7))
    assert (p.kind, p.seconds_to_start) == ("countdown", 420.0)
    assert fresh.tick(start - dt.timedelta(minutes=7)) == []
    assert [k for k, _ in fresh.tick(start + dt.timedelta(seconds=20))] == ["fired"]


def test_postpone_and_cancel(tmp_path: Path):
    cfg = demos("sat 15:00")
    start = local(2026, 11, 28, 15, 0)
    sched = DemoSchedule(cfg, tmp_path / "d.json", BERLIN)
    moved = sched.postpone(start - dt.timedelta(minutes=5), 20)
    assert moved.start == start + dt.timedelta(minutes=20)
    assert sched.tick(start + dt.timedelta(minutes=1)) == []
    assert [k for k, _ in sched.tick(start + dt.timedelta(minutes=20))] == ["fired"]
    restarted = DemoSchedule(cfg, tmp_path / "d.json", BERLIN)  # the ledger keeps the decision
    assert restarted.phase(start + dt.timedelta(minutes=25)).occurrence.start == moved.start
    nxt = start + dt.timedelta(days=7)
    assert restarted.cancel(nxt - dt.timedelta(minutes=10)).start == nxt
    assert restarted.tick(nxt + dt.timedelta(minutes=1)) == []
    assert restarted.phase(nxt + dt.timedelta(minutes=1)) is None


def test_a_corrupt_ledger_is_reported_and_replaced(tmp_path: Path, caplog):
    (tmp_path / "d.json").write_text("{not json")
    sched = DemoSchedule(demos("sat 15:00"), tmp_path / "d.json", BERLIN)
    assert "unreadable" in caplog.text
    assert [k for k, _ in sched.tick(local(2026, 11, 28, 15, 0))] == ["fired"]


@pytest.mark.parametrize("when, message", [
    ("sat 25:00", "not a time of day"), ("sab 15:00", "unknown day 'sab'"),
    ("2026-02-30 10:00", "not a date"), ("saturday at three", "expected a weekly rule")])
def test_parse_when_refuses_with_a_reason(when, message):
    with pytest.raises(ValueError, match=message):
        parse_when(when)


def test_config_errors_name_file_and_line(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text("timezone: Europe/Berlin\nevents:\n  - when: sat 15:00\n  - when: sun 26:00\n"
                    "    side_minutes: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_dataclass(path, DemosConfig)
    assert f"{path}:4: events[1].when: not a time of day" in str(exc.value)
    path.write_text("timezone: Mars/Olympus\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r":1: timezone: unknown time zone"):
        load_dataclass(path, DemosConfig)
    path.write_text("events:\n  - when: 2026-12-31 18:00\n    title: Новый год\n", encoding="utf-8")
    cfg = load_dataclass(path, DemosConfig)
    assert cfg.events[0].when == "2026-12-31 18:00" and cfg.events[0].title == "Новый год"


# -- opening hours ---------------------------------------------------------------------------
from installation.show.calendar import OpeningHours, OpeningHoursConfig, parse_hours  # noqa: E402


def test_opening_hours_by_weekday_with_closures_and_dst():
    cfg = OpeningHoursConfig(enabled=True, mon="closed", tue="10:00-18:00", sat="11:00-24:00",
                             closures=("2026-12-01",))
    hours = OpeningHours(cfg, BERLIN)
    assert not hours.is_open(local(2026, 11, 30, 12, 0))  # Monday: closed
    assert hours.is_open(local(2026, 11, 24, 10, 0)) and not hours.is_open(local(2026, 11, 24, 9, 59))
    assert not hours.is_open(local(2026, 11, 24, 18, 0)), "closing time is out"
    assert not hours.is_open(local(2026, 12, 1, 12, 0)), "a closure day"
    assert hours.is_open(local(2026, 11, 28, 23, 59))
    assert hours.next_opening(local(2026, 11, 30, 20, 0)) == dt.datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN)
    # local hours through the change to summer time: 10:00 on the wall either side
    assert hours.is_open(local(2027, 3, 30, 10, 0)) and not hours.is_open(local(2027, 3, 30, 9, 30))
    assert OpeningHours(OpeningHoursConfig(enabled=False), BERLIN).is_open(local(2026, 11, 30, 3, 0))


@pytest.mark.parametrize("text, message", [("9-17", "expected opening hours"), ("18:00-10:00", "not after"),
                                           ("10:00-25:00", "not a time of day")])
def test_opening_hours_refuse_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        parse_hours(text)


def test_a_rehearsal_says_what_it_rehearses_or_that_there_is_nothing(tmp_path: Path):
    """The README's rehearsal with the shipped config.yaml did nothing and said nothing of why."""
    import dataclasses

    from installation.app.cli import rehearsal_plan
    from installation.config.composed import load_config

    cfg = load_config(Path(__file__).resolve().parents[1] / "config.yaml")
    at = dt.datetime(2026, 12, 5, 13, 58, tzinfo=dt.timezone.utc)
    plan = rehearsal_plan(cfg, at)
    assert plan.startswith("nothing to rehearse: no demo in the next 24 h") and "demos.events is empty" in plan
    demo = DemoConfig(when="sat 15:00", title="Буги на плёнке", performer="Анна")
    cfg = dataclasses.replace(cfg, demos=dataclasses.replace(cfg.demos, events=(demo,), timezone="Europe/Berlin"))
    assert rehearsal_plan(cfg, at) == ("1 demo(s) in the next 24 h: Sat 15:00 Буги на плёнке; the lathe is off "
                                       "(lathe.enabled: false): the countdown and live view only")
