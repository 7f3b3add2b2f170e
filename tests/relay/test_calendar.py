"""The working-day calendar and the case types' legal time limits, with the real chinese-calendar package."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest

from relay.casework.calendar import (
    HOLIDAYS_FILE,
    LIBRARY_YEARS,
    CalendarDataError,
    DayUnit,
    WorkingCalendar,
    YearNotCovered,
)
from relay.casework.case_types import (
    CaseTypeDataError,
    CaseTypes,
    SourceStatus,
    UnknownCaseType,
    final_deadline,
)
from relay.timefmt import BEIJING

UTC = dt.UTC


def beijing(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BEIJING)


def end_of(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.load()


@pytest.fixture(scope="module")
def library_only() -> WorkingCalendar:
    return WorkingCalendar()


# --- National Day, 调休 Saturdays, Spring Festival -----------------------------


@pytest.mark.parametrize("name", ["calendar", "library_only"])
def test_national_day_2025_is_off_and_the_make_up_days_work(name: str, request: pytest.FixtureRequest) -> None:
    cal: WorkingCalendar = request.getfixturevalue(name)
    assert not any(cal.is_working_day(dt.date(2025, 10, day)) for day in range(1, 9))  # 国庆、中秋 Oct 1-8
    assert cal.is_working_day(dt.date(2025, 9, 28))  # a Sunday, 上班
    assert cal.is_working_day(dt.date(2025, 10, 11))  # a Saturday, 上班
    assert not cal.is_working_day(dt.date(2025, 10, 12))  # an ordinary Sunday


@pytest.mark.parametrize("name", ["calendar", "library_only"])
def test_national_day_2026_is_off_and_the_make_up_days_work(name: str, request: pytest.FixtureRequest) -> None:
    cal: WorkingCalendar = request.getfixturevalue(name)
    assert not any(cal.is_working_day(dt.date(2026, 10, day)) for day in range(1, 8))  # 国庆 Oct 1-7
    assert cal.is_working_day(dt.date(2026, 10, 8))
    assert cal.is_working_day(dt.date(2026, 9, 20))  # a Sunday, 上班
    assert cal.is_working_day(dt.date(2026, 10, 10))  # a Saturday, 上班


def test_a_deadline_skips_national_day_and_lands_on_a_make_up_saturday(calendar: WorkingCalendar) -> None:
    # Received on Wednesday 30 September 2026: Oct 1-7 are off, Thu 8 and Fri 9 count, Saturday 10 is 上班.
    due = calendar.add_working_days(beijing(2026, 9, 30, 15, 20), 3)
    assert due == end_of(2026, 10, 10)
    assert due.weekday() == 5
    # 2025: Oct 1-8 off, Thu 9, Fri 10, then Saturday 11 is 上班.
    assert calendar.add_working_days(beijing(2025, 9, 30), 3) == end_of(2025, 10, 11)


def test_a_working_day_limit_counts_a_make_up_sunday(calendar: WorkingCalendar) -> None:
    # Friday 26 September 2025 + 1 working day: Sunday 28 is a working day.
    assert calendar.add_working_days(beijing(2025, 9, 26), 1) == end_of(2025, 9, 28)


def test_spring_festival_2026(calendar: WorkingCalendar) -> None:
    assert not any(calendar.is_working_day(dt.date(2026, 2, day)) for day in range(15, 24))
    assert calendar.is_working_day(dt.date(2026, 2, 14))  # Saturday before, 上班
    assert calendar.is_working_day(dt.date(2026, 2, 28))  # Saturday after, 上班
    friday = beijing(2026, 2, 13)
    assert calendar.add_working_days(friday, 1) == end_of(2026, 2, 14)
    assert calendar.add_working_days(friday, 2) == end_of(2026, 2, 24)
    assert calendar.add_working_days(friday, 5) == end_of(2026, 2, 27)
    assert calendar.add_working_days(friday, 6) == end_of(2026, 2, 28)


def test_spring_festival_2025(calendar: WorkingCalendar) -> None:
    assert not any(calendar.is_working_day(dt.date(2025, 1, 28) + dt.timedelta(days=n)) for n in range(8))
    assert calendar.is_working_day(dt.date(2025, 1, 26)) and calendar.is_working_day(dt.date(2025, 2, 8))
    assert calendar.add_working_days(beijing(2025, 1, 27), 1) == end_of(2025, 2, 5)


def test_the_holidays_file_agrees_with_the_library_where_both_cover() -> None:
    listed = WorkingCalendar.load()
    for year in sorted(set(listed.years) & LIBRARY_YEARS):
        day = dt.date(year, 1, 1)
        while day.year == year:
            assert listed.is_working_day(day) == chinese_calendar.is_workday(day), day
            day += dt.timedelta(days=1)


# --- calendar-day limits: the last day rolls past holidays ---------------------


def test_a_calendar_day_limit_ending_in_a_holiday_rolls_to_the_first_working_day(calendar: WorkingCalendar) -> None:
    # 3 days from 30 September 2026 would end on 3 October, inside National Day: the period ends on 8 October.
    assert calendar.add_days(beijing(2026, 9, 30), 3, DayUnit.CALENDAR) == end_of(2026, 10, 8)
    # Holidays in the middle of a period are not taken out.
    assert calendar.add_days(beijing(2026, 9, 25), 15, "calendar") == end_of(2026, 10, 10)  # a 调休 Saturday
    # An ordinary Sunday at the end rolls to Monday.
    assert calendar.add_days(beijing(2026, 11, 20), 9, "calendar") == end_of(2026, 11, 30)
    # 5 days from 10 February 2026 end on 15 February, Spring Festival: the first working day after is the 24th.
    assert calendar.add_days(beijing(2026, 2, 10), 5, "calendar") == end_of(2026, 2, 24)


def test_a_calendar_day_limit_ending_on_a_working_day_stays(calendar: WorkingCalendar) -> None:
    assert calendar.add_days(beijing(2026, 6, 1), 30, "calendar") == end_of(2026, 7, 1)
    assert calendar.add_days(beijing(2026, 9, 10), 30, "calendar") == end_of(2026, 10, 10)  # a 调休 Saturday


# --- midnight in Beijing --------------------------------------------------------


def test_the_start_day_is_the_day_in_beijing(calendar: WorkingCalendar) -> None:
    # 23:59 on Friday 9 October 2026 is still the 9th: the next working day is Saturday 10 (调休).
    assert calendar.add_working_days(beijing(2026, 10, 9, 23, 59), 1) == end_of(2026, 10, 10)
    # 00:00 on the 10th is the 10th: that day is not counted, the next working day is Monday 12.
    assert calendar.add_working_days(beijing(2026, 10, 10, 0, 0), 1) == end_of(2026, 10, 12)
    # The same two moments given in UTC (15:59 and 16:00 on the 9th) give the same answers.
    assert calendar.add_working_days(dt.datetime(2026, 10, 9, 15, 59, tzinfo=UTC), 1) == end_of(2026, 10, 10)
    assert calendar.add_working_days(dt.datetime(2026, 10, 9, 16, 0, tzinfo=UTC), 1) == end_of(2026, 10, 12)


def test_the_deadline_is_the_end_of_the_last_day_in_beijing(calendar: WorkingCalendar) -> None:
    due = calendar.add_working_days(dt.datetime(2026, 9, 30, 16, 30, tzinfo=UTC), 1)  # 00:30 on 1 October, Beijing
    assert due == end_of(2026, 10, 8)
    assert due.astimezone(UTC) == dt.datetime(2026, 10, 8, 15, 59, 59, tzinfo=UTC)


def test_a_start_on_a_holiday_counts_from_the_next_working_day(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(beijing(2026, 10, 3), 1) == end_of(2026, 10, 8)
    assert calendar.add_working_days(beijing(2026, 10, 3), 0) == end_of(2026, 10, 8)


def test_naive_or_negative_input_is_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="aware"):
        calendar.add_working_days(dt.datetime(2026, 10, 9, 10, 0), 1)
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(beijing(2026, 10, 9), -1)
    with pytest.raises(ValueError):
        calendar.add_days(beijing(2026, 10, 9), 1, "fortnightly")


# --- a year nobody has dates for ----------------------------------------------


def first_uncovered_year(cal: WorkingCalendar) -> int:
    year = max(LIBRARY_YEARS | set(cal.years)) + 1
    assert not cal.covers(year)
    return year


def test_a_year_missing_from_both_sources_warns_once_and_is_flagged(caplog: pytest.LogCaptureFixture) -> None:
    cal = WorkingCalendar.load()
    year = first_uncovered_year(cal)
    assert cal.covers(2026) and cal.covers(2025)
    with caplog.at_level("WARNING", logger="relay.calendar"):
        cal.add_working_days(dt.datetime(year, 3, 2, 10, 0, tzinfo=BEIJING), 10)
        cal.is_working_day(dt.date(year, 6, 1))
    warnings = [record for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 1
    assert f"no holiday data for {year}" in warnings[0].getMessage()
    assert "holidays.toml" in warnings[0].getMessage()
    assert cal.missing_years == {year}


def test_a_deadline_running_into_a_missing_year_is_flagged() -> None:
    cal = WorkingCalendar.load()
    year = first_uncovered_year(cal)
    cal.add_working_days(dt.datetime(year - 1, 12, 30, 10, 0, tzinfo=BEIJING), 5)
    assert cal.missing_years == {year}


def test_a_strict_calendar_refuses_a_missing_year() -> None:
    cal = WorkingCalendar.load(strict=True)
    year = first_uncovered_year(cal)
    with pytest.raises(YearNotCovered) as raised:
        cal.add_working_days(dt.datetime(year, 3, 2, 10, 0, tzinfo=BEIJING), 1)
    assert raised.value.year == year
    assert cal.missing_years == set()


def test_the_city_adds_a_year_in_the_holidays_file(tmp_path: Path) -> None:
    year = first_uncovered_year(WorkingCalendar.load())
    # Made-up dates for a year no notice covers yet: only the mechanism is under test.
    saturday = dt.date(year, 10, 8) + dt.timedelta(days=(5 - dt.date(year, 10, 8).weekday()) % 7)
    path = tmp_path / "holidays.toml"
    path.write_text(
        HOLIDAYS_FILE.read_text(encoding="utf-8")
        + f"""
[{year}]
notice = "国务院办公厅关于{year}年部分节假日安排的通知（测试用）"
holidays = [{{ name = "国庆节", from = {year}-10-01, to = {year}-10-07 }}]
workdays = [{saturday.isoformat()}]
""",
        encoding="utf-8",
    )
    cal = WorkingCalendar.load(path)
    assert cal.covers(year)
    assert not cal.is_working_day(dt.date(year, 10, 1))
    assert cal.is_working_day(saturday)  # listed as 上班
    assert not cal.is_working_day(saturday + dt.timedelta(days=7))
    assert cal.missing_years == set()


def test_a_year_in_the_file_replaces_the_library_for_that_year(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(
        '[2026]\nholidays = [{ name = "元旦", from = 2026-01-01, to = 2026-01-01 }]\n',
        encoding="utf-8",
    )
    cal = WorkingCalendar.load(path)
    assert cal.is_working_day(dt.date(2026, 10, 8))
    assert cal.is_working_day(dt.date(2026, 10, 2))  # the file, not the library, speaks for 2026
    assert not cal.is_working_day(dt.date(2025, 10, 2))  # 2025 still comes from the library


# --- a malformed holidays file names the file and the entry --------------------


@pytest.mark.parametrize(
    ("body", "entry", "problem"),
    [
        (
            '[2027]\nholidays = [{ name = "春节", from = 2027-02-05, to = "2027-02-30" }]\n',
            "[2027] holidays[0].to",
            "is not a date",
        ),
        (
            '[2027]\nholidays = [{ name = "元旦", from = 2027-01-01, to = 2027-01-01 },'
            ' { name = "国庆节", from = 2026-10-01, to = 2026-10-07 }]\n',
            "[2027] holidays[1].from",
            "is not in 2027",
        ),
        (
            '[2027]\nholidays = [{ name = "国庆节", from = 2027-10-07, to = 2027-10-01 }]\n',
            "[2027] holidays[0]",
            "is before",
        ),
        (
            '[2027]\nholidays = [{ name = "国庆节", from = 2027-10-01, to = 2027-10-07 }]\n'
            "workdays = [2027-09-26, 2027-10-03]\n",
            "[2027]",
            "2027-10-03 listed both as holiday and as workday",
        ),
        (
            '[2027]\nholidays = [{ name = "国庆节", from = 2027-10-01, to = 2027-10-07 }]\nworkday = [2027-09-26]\n',
            "[2027]",
            "unknown key(s) workday",
        ),
        ("[2027]\nworkdays = [2027-09-26]\n", "[2027]", "holidays must be a non-empty list"),
        ("[next]\nholidays = []\n", "[next]", "four-digit year"),
        ("[2027]\nworkdays = [2027-09-26\n", "", "not valid TOML"),
    ],
)
def test_a_malformed_holidays_file_names_the_file_and_the_entry(
    tmp_path: Path, body: str, entry: str, problem: str
) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CalendarDataError) as raised:
        WorkingCalendar.load(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: {entry}")
    assert problem in message


def test_a_missing_holidays_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarDataError, match="no such holidays file"):
        WorkingCalendar.load(tmp_path / "holidays.toml")


def test_a_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text('# header\n\n[2027]\nholidays = [{ name = "元旦", from = 2027-01-01 to = 2027-01-01 }]\n')
    with pytest.raises(CalendarDataError, match=r"line 4"):
        WorkingCalendar.load(path)


# --- case types -----------------------------------------------------------------


@pytest.fixture(scope="module")
def case_types() -> CaseTypes:
    return CaseTypes.load()


def test_the_case_types_table_loads_with_a_basis_for_every_national_limit(case_types: CaseTypes) -> None:
    codes = [case_type.code for case_type in case_types.all()]
    assert len(codes) == len(set(codes)) >= 8
    for case_type in case_types.all():
        assert case_type.name and case_type.limit >= 1
        if case_type.status is SourceStatus.LOCAL:
            assert not case_type.basis and "占位" in case_type.note
        else:
            assert case_type.basis.startswith("《"), case_type.code


def test_known_limits(case_types: CaseTypes) -> None:
    public_order = case_types.get("public_order_case")
    assert (public_order.limit, public_order.unit, public_order.extension) == (30, DayUnit.CALENDAR, 30)
    assert "治安管理处罚法" in public_order.basis
    disclosure = case_types.get("information_disclosure")
    assert (disclosure.limit, disclosure.unit, disclosure.extension) == (20, DayUnit.WORKING, 20)
    assert disclosure.describe_limit() == "20个工作日" and public_order.describe_limit(extended=True) == "60日"
    assert case_types.get("passport").limit + case_types.get("passport").extension == 30
    assert not case_types.get("general_help").extendable


def test_case_type_deadlines(case_types: CaseTypes, calendar: WorkingCalendar) -> None:
    received = beijing(2026, 9, 30, 15, 20)

    def due(code: str, *, extended: bool = False) -> dt.datetime:
        return final_deadline(case_types.get(code), received, calendar, extended=extended)

    assert due("public_order_case") == end_of(2026, 10, 30)  # 30 days, a Friday
    assert due("public_order_case", extended=True) == end_of(2026, 11, 30)  # 60 days falls on Sunday 29 November
    assert due("criminal_filing_review") == end_of(2026, 10, 8)  # 3 October is in National Day: rolls to the 8th
    assert due("petition") == end_of(2026, 11, 30)  # 60 days: Sunday 29 November rolls to Monday
    assert due("information_disclosure") == end_of(2026, 11, 3)  # 20 working days, counting Saturday 10 October
    assert due("information_disclosure", extended=True) == end_of(2026, 12, 1)
    assert due("passport") == end_of(2026, 10, 15)
    assert due("hotline_12345") == end_of(2026, 10, 13)  # 8, 9, 10 (调休 Saturday), 12, 13


def test_case_type_deadlines_over_spring_festival(case_types: CaseTypes, calendar: WorkingCalendar) -> None:
    received = beijing(2026, 2, 6, 9, 0)
    licence = final_deadline(case_types.get("administrative_licence"), received, calendar)
    # 9-13 Feb (5), Sat 14 (6), 24-27 (10), Sat 28 (11), 2-6 Mar (16), 9-12 Mar (20).
    assert licence == end_of(2026, 3, 12)
    id_card = final_deadline(case_types.get("resident_id_card"), received, calendar)
    assert id_card == end_of(2026, 4, 7)  # 60 days: Tuesday 7 April, just after 清明 (4-6 April)


def test_an_unknown_case_type_is_named(case_types: CaseTypes) -> None:
    with pytest.raises(UnknownCaseType, match="'lost_dog'"):
        case_types.get("lost_dog")
    assert "passport" in case_types and "lost_dog" not in case_types


GOOD_TYPE = 'code = "passport"\nname = "普通护照签发"\nlimit = 15\nunit = "calendar"\nbasis = "《护照法》第六条"\n'


@pytest.mark.parametrize(
    ("body", "entry", "problem"),
    [
        (f'[[case_type]]\n{GOOD_TYPE}status = "sourced"\nunit_ = 1\n', "case_type[0] (code 'passport')", "unknown key"),
        (
            f'[[case_type]]\n{GOOD_TYPE.replace("calendar", "weekdays")}status = "sourced"\n',
            "case_type[0] (code 'passport')",
            "unit must be",
        ),
        (
            f'[[case_type]]\n{GOOD_TYPE}status = "sourced"\n[[case_type]]\n{GOOD_TYPE}status = "sourced"\n',
            "case_type[1] (code 'passport')",
            "used twice",
        ),
        (f'[[case_type]]\n{GOOD_TYPE.replace("15", "0")}status = "sourced"\n', "case_type[0]", "limit must be"),
        (
            f'[[case_type]]\n{GOOD_TYPE.replace("《护照法》第六条", "")}status = "unverified"\n',
            "case_type[0]",
            "needs its basis",
        ),
        (f'[[case_type]]\n{GOOD_TYPE}status = "guessed"\n', "case_type[0]", "status must be"),
        (f"[[case_type]]\n{GOOD_TYPE}", "case_type[0]", "missing 'status'"),
    ],
)
def test_a_malformed_case_types_file_names_the_file_and_the_entry(
    tmp_path: Path, body: str, entry: str, problem: str
) -> None:
    path = tmp_path / "case_types.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CaseTypeDataError) as raised:
        CaseTypes.load(path)
    assert str(raised.value).startswith(f"{path}: {entry}")
    assert problem in str(raised.value)
