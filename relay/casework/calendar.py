"""Working days in mainland China, and deadlines counted in them.

Two sources, in this order:

1. ``relay/data/holidays.toml``: the city's own copy of the State Council's
   yearly notice (国务院办公厅关于某年部分节假日安排的通知). A year listed there
   replaces the library's data for that year, so a city can add next year's
   dates the day the notice comes out, before a new library release.
2. The ``chinese-calendar`` package, which covers 2004 up to the last notice
   published before its release.

A year in neither source is *missing*: it is logged once as a warning, added
to ``WorkingCalendar.missing_years`` for the console to show, and counted as
plain Monday-to-Friday weeks; with ``strict=True`` it raises ``YearNotCovered``
instead.

How a deadline is counted (see docs/relay.md, "Working days and case types"):

- The day the period starts is not counted; counting begins the next day
  (民法典 第二百零一条; 民事诉讼法 第八十五条; 刑事诉讼法 第一百零五条).
- ``working`` periods count only working days (行政许可法 第八十二条,
  政府信息公开条例 第三十三条: 工作日 excludes 法定节假日); a 调休 Saturday counts.
- ``calendar`` periods count every day, but a last day that is not a working
  day moves to the next working day (民法典 第二百零三条第一款; 民事诉讼法
  第八十五条: 期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期).
- The period ends at 24:00 Beijing time of its last day (民法典 第二百零三条
  第二款: 期间的最后一日的截止时间为二十四时). We give that instant as
  23:59:59 so it reads as the last day wherever it is shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import chinese_calendar
from chinese_calendar import constants as library_data

from ..timefmt import BEIJING

log = logging.getLogger("relay.calendar")

HOLIDAYS_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays.toml"
END_OF_DAY = dt.time(23, 59, 59)
LIBRARY_YEARS = frozenset(day.year for day in library_data.holidays)


class DayUnit(enum.StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


class CalendarDataError(ValueError):
    """The holidays file cannot be used; the message names the file and the entry."""


class YearNotCovered(LookupError):
    """A strict calendar was asked about a year that neither source covers."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"no holiday data for {year}: neither chinese-calendar {chinese_calendar_version()} "
            f"nor the holidays file lists it; add the State Council's {year} dates to the holidays file"
        )
        self.year = year


@dataclasses.dataclass(frozen=True)
class YearDates:
    """One year of the State Council's notice: days off and 调休 working days."""

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    notice: str = ""


def chinese_calendar_version() -> str:
    return str(getattr(chinese_calendar, "__version__", "?"))


class WorkingCalendar:
    """Which days are working days, and when a period counted from a moment ends."""

    def __init__(self, years: Mapping[int, YearDates] | None = None, *, strict: bool = False, source: str = "") -> None:
        self.years: dict[int, YearDates] = dict(years or {})
        self.strict = strict
        self.source = source
        self.missing_years: set[int] = set()

    @classmethod
    def load(cls, path: Path | str | None = None, *, strict: bool = False) -> WorkingCalendar:
        """The library plus the holidays file at ``path`` (default: relay/data/holidays.toml)."""
        file = Path(path) if path is not None else HOLIDAYS_FILE
        return cls(read_holidays_file(file), strict=strict, source=str(file))

    def covers(self, year: int) -> bool:
        return year in self.years or year in LIBRARY_YEARS

    def is_working_day(self, day: dt.date) -> bool:
        if isinstance(day, dt.datetime):
            day = day.astimezone(BEIJING).date()
        listed = self.years.get(day.year)
        if listed is not None:
            return day in listed.workdays or (day.weekday() < 5 and day not in listed.holidays)
        if day.year in LIBRARY_YEARS:
            return bool(chinese_calendar.is_workday(day))
        self._missing(day.year)
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """End (24:00 Beijing time) of the ``days``-th working day after the day of ``start``."""
        return self.add_days(start, days, DayUnit.WORKING)

    def add_days(self, start: dt.datetime, days: int, unit: DayUnit | str) -> dt.datetime:
        """End of a period of ``days`` calendar or working days that starts at ``start``."""
        unit = DayUnit(unit)
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be an aware datetime")
        if days < 0:
            raise ValueError("days must not be negative")
        day = start.astimezone(BEIJING).date()
        if unit is DayUnit.CALENDAR:
            day += dt.timedelta(days=days)
        else:
            for _ in range(days):
                day = self.next_working_day(day + dt.timedelta(days=1))
        return dt.datetime.combine(self.next_working_day(day), END_OF_DAY, tzinfo=BEIJING)

    def _missing(self, year: int) -> None:
        if self.strict:
            raise YearNotCovered(year)
        if year not in self.missing_years:
            self.missing_years.add(year)
            log.warning(
                "relay.calendar: no holiday data for %s (chinese-calendar %s covers %s-%s; %s lists %s); "
                "counting Monday to Friday as working days, which ignores holidays and 调休 — "
                "add the State Council's %s dates to the holidays file",
                year,
                chinese_calendar_version(),
                min(LIBRARY_YEARS),
                max(LIBRARY_YEARS),
                self.source or "no holidays file",
                sorted(self.years) or "no years",
                year,
            )


# --- the holidays file -------------------------------------------------------

YEAR_KEYS = frozenset({"notice", "holidays", "workdays"})
RANGE_KEYS = frozenset({"name", "from", "to"})


def read_holidays_file(path: Path) -> dict[int, YearDates]:
    """Parse and check the holidays file (``WorkingCalendar()`` is the library alone)."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError as error:
        raise CalendarDataError(f"{path}: no such holidays file") from error
    except tomllib.TOMLDecodeError as error:
        raise CalendarDataError(f"{path}: not valid TOML: {error}") from error
    return parse_holidays(document, str(path))


def parse_holidays(document: Mapping[str, Any], where: str) -> dict[int, YearDates]:
    years: dict[int, YearDates] = {}
    for key, table in document.items():
        if not (key.isdigit() and len(key) == 4):
            raise CalendarDataError(f"{where}: [{key}]: a table name must be a four-digit year such as [2027]")
        if not isinstance(table, dict):
            raise CalendarDataError(f"{where}: [{key}]: must be a table with holidays and workdays")
        years[int(key)] = parse_year(int(key), table, f"{where}: [{key}]")
    return years


def parse_year(year: int, table: Mapping[str, Any], where: str) -> YearDates:
    unknown = set(table) - YEAR_KEYS
    if unknown:
        raise CalendarDataError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(YEAR_KEYS))}"
        )
    holidays_list = table.get("holidays")
    if not isinstance(holidays_list, list) or not holidays_list:
        raise CalendarDataError(f"{where}: holidays must be a non-empty list of {{ name, from, to }} ranges")
    workdays_list = table.get("workdays", [])
    if not isinstance(workdays_list, list):
        raise CalendarDataError(f"{where}: workdays must be a list of dates such as [{year}-10-10]")
    holidays: set[dt.date] = set()
    for index, entry in enumerate(holidays_list):
        holidays.update(parse_range(year, entry, f"{where} holidays[{index}]"))
    workdays = {check_date(year, entry, f"{where} workdays[{index}]") for index, entry in enumerate(workdays_list)}
    clash = holidays & workdays
    if clash:
        raise CalendarDataError(f"{where}: {', '.join(map(str, sorted(clash)))} listed both as holiday and as workday")
    notice = table.get("notice", "")
    if not isinstance(notice, str):
        raise CalendarDataError(f"{where}: notice must be a string (the title of the State Council's notice)")
    return YearDates(year, frozenset(holidays), frozenset(workdays), notice)


def parse_range(year: int, entry: Any, where: str) -> Iterable[dt.date]:
    if not isinstance(entry, dict) or set(entry) - RANGE_KEYS or not {"from", "to"} <= set(entry):
        raise CalendarDataError(
            f'{where}: must look like {{ name = "国庆节", from = {year}-10-01, to = {year}-10-07 }}'
        )
    first = check_date(year, entry["from"], f"{where}.from")
    last = check_date(year, entry["to"], f"{where}.to")
    if last < first:
        raise CalendarDataError(f"{where}: to ({last}) is before from ({first})")
    return (first + dt.timedelta(days=offset) for offset in range((last - first).days + 1))


def check_date(year: int, value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise CalendarDataError(f"{where}: {value!r} is not a date; write it bare, as {year}-10-01 (no quotes)")
    if value.year != year:
        raise CalendarDataError(f"{where}: {value} is not in {year}")
    return value
