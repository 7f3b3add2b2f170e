"""Posting duty, one definition (citymodel.duties): calendar weeks, fixed fortnights, holiday weeks exempt."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import citykit
from citymodel import SettingsError, load_city
from citymodel.duties import PostingDuty

DAY = dt.timedelta(days=1)


def duty_of(content: Path, anchor: str = "2026-11-02") -> PostingDuty:
    settings = citykit.settings_for(content, content.parent / "o")
    settings["CITY"] = {**settings["CITY"], "duty_anchor": anchor}
    city = load_city(settings)
    assert city.problems == []
    return PostingDuty(city)


def test_weeks_run_monday_to_sunday_and_fortnights_from_the_anchor(city_content: Path) -> None:
    duty = duty_of(city_content)
    week = duty.period_of("worklog", dt.date(2026, 11, 20))
    assert (week.start, week.end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    fortnight = duty.period_of("warning", dt.date(2026, 11, 20))
    assert (fortnight.start, fortnight.end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 29))
    assert duty.period_of("warning", dt.date(2026, 11, 15)).start == dt.date(2026, 11, 2)
    # A month counts the periods whose last day is in it: November's weeks end on 8, 15, 22 and 29 November.
    assert [p.end.day for p in duty.periods_ending_in("worklog", dt.date(2026, 11, 1), dt.date(2026, 11, 30))] == [
        8,
        15,
        22,
        29,
    ]


def test_a_sunday_post_meets_its_week_and_a_monday_post_the_next(city_content: Path) -> None:
    citykit.add_post(city_content, "xihu", "worklog", "xihu-sunday", "2026-11-29 23:59")
    duty = duty_of(city_content)
    november = duty.tally("xihu", "worklog", dt.date(2026, 11, 1), dt.date(2026, 11, 30), dt.date(2026, 12, 1))
    assert (november.met, november.missed) == (2, 2)  # 11-20 and 11-29 met; 11-02—08 and 11-09—15 missed
    assert november.describe() == "2/4 周"


def test_the_first_day_of_a_month_shows_no_missed_week(city_content: Path) -> None:
    duty = duty_of(city_content)
    december = duty.tally("xihu", "worklog", dt.date(2026, 12, 1), dt.date(2026, 12, 31), dt.date(2026, 12, 1))
    assert (december.met, december.missed, december.open, december.due) == (0, 0, 1, 0)
    assert december.rate is None


def test_a_week_without_a_working_day_is_exempt(city_content: Path) -> None:
    """Spring Festival 2026: 16–22 February has no working day (State Council notice; chinese-calendar)."""
    citykit.add_post(city_content, "xihu", "worklog", "xihu-feb-13", "2026-02-13 09:00")
    citykit.add_post(city_content, "dongshan", "worklog", "dongshan-feb-24", "2026-02-24 09:00")
    duty = duty_of(city_content, anchor="2026-02-09")
    # February's weeks end on 15 February (met) and 22 February (exempt); 23 February—1 March is March's.
    february = duty.tally("xihu", "worklog", dt.date(2026, 2, 1), dt.date(2026, 2, 28), dt.date(2026, 3, 2))
    assert (february.met, february.missed, february.exempt, february.describe()) == (1, 0, 1, "1/1 周")
    late = {(d.station, d.module): d for d in duty.late(dt.date(2026, 3, 2))}
    assert ("xihu", "worklog") in late and [p.start.isoformat() for p in late[("xihu", "worklog")].missed] == [
        "2026-02-23"
    ]
    # An exempt week neither breaks nor extends a run of missed weeks: dongshan missed 9—15 February.
    on_23 = {(d.station, d.module): d for d in duty.late(dt.date(2026, 2, 23))}[("dongshan", "worklog")]
    assert [p.start.isoformat() for p in on_23.missed] == ["2026-02-09"] and on_23.days_late == 8
    # The work log of 24 February meets its week, so on that day dongshan is no longer late.
    assert ("dongshan", "worklog") not in {(d.station, d.module) for d in duty.late(dt.date(2026, 2, 24))}


def test_a_chief_counts_the_periods_that_overlap_the_time_in_post(city_content: Path) -> None:
    station = city_content / "stations" / "xihu.md"
    text = station.read_text(encoding="utf-8")
    station.write_text(
        text.replace(
            "Chief_Since: 2024-03-01\n",
            "Chief_Since: 2026-11-18\nPast_Chief: 甲一 | 一级警督 | 100001 |  | 2024-03-01 | 2026-11-17\n",
        ),
        encoding="utf-8",
    )
    duty = duty_of(city_content)
    old, new = duty.city.stations["xihu"].chiefs
    as_of, first, last = dt.date(2026, 12, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    # The week 11-16—11-22 (work log on 11-20) counts for both: the chief changed in it.
    assert duty.tally("xihu", "worklog", first, last, as_of, chief=old).describe() == "1/3 周"
    assert duty.tally("xihu", "worklog", first, last, as_of, chief=new).describe() == "1/2 周"


def test_an_anchor_that_is_not_a_monday_stops_the_build(city_content: Path, tmp_path: Path) -> None:
    city = {**citykit.settings_for(city_content, tmp_path)["CITY"], "duty_anchor": "2026-11-04"}
    with pytest.raises(SettingsError, match=r"2026-11-04 is a Wednesday, not a Monday: use 2026-11-02"):
        citykit.build(city_content, tmp_path / "out", CITY=city)


def test_a_station_owes_nothing_before_its_first_chief(city_content: Path) -> None:
    """A station opened on Wednesday 2026-11-18: the weeks that ended before are not counted, its first is."""
    station = city_content / "stations" / "xihu.md"
    station.write_text(
        station.read_text(encoding="utf-8").replace("Chief_Since: 2024-03-01", "Chief_Since: 2026-11-18"),
        encoding="utf-8",
    )
    for path in (city_content / "posts" / "xihu").rglob("*.md"):
        path.unlink()
    citykit.add_post(city_content, "xihu", "worklog", "xihu-first", "2026-11-19 09:00")
    duty = duty_of(city_content)
    november = duty.tally("xihu", "worklog", dt.date(2026, 11, 1), dt.date(2026, 11, 30), dt.date(2026, 12, 1))
    assert (november.met, november.missed) == (1, 1)  # 11-16—22 met; 11-23—29 missed; 11-02—15 not counted
    late = {(d.station, d.module): d for d in duty.late(dt.date(2026, 12, 1))}
    assert [p.start.isoformat() for p in late[("xihu", "worklog")].missed] == ["2026-11-23"]
    assert [p.start.isoformat() for p in late[("xihu", "warning")].missed] == ["2026-11-16"]
