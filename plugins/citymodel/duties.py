"""Posting duty: a work log every calendar week, a warning every fixed fortnight.

The one definition that ``invoke duties`` and the 考核 pages both read
(docs/kaohe.md, "Posting duty"):

- A *duty period* of the work log is a calendar week, Monday to Sunday,
  Beijing time (the dates in content are Beijing time). One of the warning is a
  fortnight: 14 days from ``CITY["duty_anchor"]`` (a Monday), then every 14 days.
  Duties count from the anchor on; periods that start before it are not counted,
  nor those that end before the station's first recorded chief took the post.
- A period is *met* when the station published at least one post of the module
  dated in it, *exempt* when it has no working day (the State Council's holiday
  calendar, ``relay.casework.calendar.WorkingCalendar``) and nothing was
  posted, *open* while it has not ended and nothing was posted yet, and
  *missed* when it has ended with nothing posted. Judged "as of" a day, a
  period has ended when its last day is before that day; posts dated after
  that day do not count.
- A 考核 period (week, month, quarter, year) counts the duty periods whose
  last day falls in it: met ÷ (met + missed). Open and exempt periods count
  neither way, so the first day of a month shows no missed week.
- For a chief, the duty periods that overlap their time in post count; a
  period in which the chief changed counts for both.
- ``invoke duties`` lists a duty as late when the last ended period that is not
  exempt was missed and nothing has been posted in the open period since; it is
  late by the days since the last day of the first missed period of that
  unbroken run (exempt periods neither break nor extend a run). A post in the
  open period clears the reminder; the missed periods still count in 考核.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .model import City, Station
from .tenure import ChiefTerm

DUTY_MODULES = ("worklog", "warning")
PERIOD_DAYS = {"worklog": 7, "warning": 14}
PERIOD_NAMES = {"worklog": "周", "warning": "双周"}
Status = Literal["met", "missed", "open", "exempt"]


class DutyAnchorError(ValueError):
    """``CITY["duty_anchor"]`` is not a Monday written YYYY-MM-DD."""


def parse_anchor(text: str) -> dt.date:
    try:
        anchor = dt.date.fromisoformat(str(text))
    except ValueError:
        raise DutyAnchorError(
            f"citymodel: CITY['duty_anchor'] {text!r} is not a date: write a Monday as YYYY-MM-DD, e.g. '2026-08-31'"
        ) from None
    if anchor.weekday() != 0:
        monday = anchor - dt.timedelta(days=anchor.weekday())
        raise DutyAnchorError(
            f"citymodel: CITY['duty_anchor'] {anchor} is a {anchor:%A}, not a Monday: use {monday} (the Monday before)"
        )
    return anchor


@dataclass(frozen=True)
class DutyPeriod:
    module: str
    start: dt.date
    end: dt.date  # the last day, inclusive

    def describe(self) -> str:
        return f"{self.start:%Y-%m-%d}—{self.end:%m-%d}"


@dataclass(frozen=True)
class DutyTally:
    """One duty of one station (or chief) over one 考核 period, as of a day."""

    module: str
    met: int
    missed: int
    exempt: int
    open: int

    @property
    def due(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        return self.met / self.due if self.due else None

    def describe(self) -> str:
        return f"{self.met}/{self.due} {PERIOD_NAMES[self.module]}"


@dataclass(frozen=True)
class LateDuty:
    station: str
    station_name: str
    module: str
    module_name: str
    last_posted: dt.date | None
    missed: tuple[DutyPeriod, ...]  # the unbroken run of missed periods up to the last ended one
    days_late: int

    def describe(self) -> str:
        last = self.last_posted.isoformat() if self.last_posted else "从未发布"
        unit = PERIOD_NAMES[self.module]
        count = f"{len(self.missed)} {unit}" if self.module == "worklog" else f"{len(self.missed)} 个{unit}"
        run = (
            f"{self.missed[0].describe()} 这一{unit}未发布"
            if len(self.missed) == 1
            else f"自 {self.missed[0].describe()} 起连续 {count}未发布"
        )
        return f"{self.station_name}（{self.station}）{self.module_name}：{run}，已逾期 {self.days_late} 天（最近一篇 {last}）"


def default_working_day() -> Callable[[dt.date], bool]:
    from relay.casework.calendar import WorkingCalendar

    return WorkingCalendar.load().is_working_day


class PostingDuty:
    """The posting duties of every station of ``city``."""

    def __init__(self, city: City, is_working_day: Callable[[dt.date], bool] | None = None) -> None:
        self.city = city
        self.anchor = parse_anchor(city.config["duty_anchor"])
        self.is_working_day = is_working_day or default_working_day()
        self._exempt: dict[DutyPeriod, bool] = {}
        posted: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        for post in city.posts.values():
            if post.module in DUTY_MODULES:
                posted[(post.station, post.module)].append(post.date.date())
        self.posted = {key: sorted(days) for key, days in posted.items()}

    def stations(self) -> list[Station]:
        """Every station, in district then slug order (as ``invoke duties`` and the 考核 tables list them)."""
        districts = list(self.city.config["districts"])
        return sorted(self.city.stations.values(), key=lambda s: (districts.index(s.district), s.slug))

    def period_of(self, module: str, day: dt.date) -> DutyPeriod:
        length = PERIOD_DAYS[module]
        start = self.anchor + dt.timedelta(days=(day - self.anchor).days // length * length)
        return DutyPeriod(module, start, start + dt.timedelta(days=length - 1))

    def periods_ending_in(self, module: str, first: dt.date, last: dt.date) -> list[DutyPeriod]:
        """Duty periods (from the anchor on) whose last day lies in ``first`` … ``last``."""
        period = self.period_of(module, max(first, self.anchor))
        if period.end < first:
            period = self.period_of(module, period.end + dt.timedelta(days=1))
        found = []
        while period.end <= last:
            found.append(period)
            period = self.period_of(module, period.end + dt.timedelta(days=1))
        return found

    def exempt(self, period: DutyPeriod) -> bool:
        if period not in self._exempt:
            days = (period.start + dt.timedelta(days=n) for n in range((period.end - period.start).days + 1))
            self._exempt[period] = not any(self.is_working_day(day) for day in days)
        return self._exempt[period]

    def posts_in(self, station: str, period: DutyPeriod, as_of: dt.date) -> int:
        days = self.posted.get((station, period.module), [])
        return bisect_right(days, min(period.end, as_of)) - bisect_left(days, period.start)

    def status(self, station: str, period: DutyPeriod, as_of: dt.date) -> Status:
        if self.posts_in(station, period, as_of):
            return "met"
        if self.exempt(period):
            return "exempt"
        return "missed" if period.end < as_of else "open"

    def tally(
        self,
        station: str,
        module: str,
        first: dt.date,
        last: dt.date,
        as_of: dt.date,
        chief: ChiefTerm | None = None,
    ) -> DutyTally:
        """The duty periods ending in ``first`` … ``last`` that have begun by ``as_of``, by status.

        With ``chief``, only the periods that overlap the chief's time in post.
        """
        counts = {"met": 0, "missed": 0, "exempt": 0, "open": 0}
        for period in self.periods_ending_in(module, first, last):
            if period.start > as_of:
                break
            if chief and not (period.start <= (chief.until or dt.date.max) and period.end >= chief.since):
                continue
            if period.end < self.city.stations[station].history_since:
                continue  # before the station's first chief: it had nothing to post yet
            counts[self.status(station, period, as_of)] += 1
        return DutyTally(module, **counts)

    def last_posted(self, station: str, module: str, as_of: dt.date) -> dt.date | None:
        days = self.posted.get((station, module), [])
        index = bisect_right(days, as_of)
        return days[index - 1] if index else None

    def late(self, as_of: dt.date) -> list[LateDuty]:
        """Duties whose last ended, not exempt period was missed and not made up in the open one."""
        found = []
        for station in self.stations():
            for module in DUTY_MODULES:
                run: list[DutyPeriod] = []
                period = self.period_of(module, as_of)
                while period.start >= self.anchor and period.end >= station.history_since:
                    status = self.status(station.slug, period, as_of)
                    if status == "met":
                        break
                    if status == "missed":  # open and exempt periods neither break a run nor extend it
                        run.insert(0, period)
                    period = self.period_of(module, period.start - dt.timedelta(days=1))
                if run:
                    found.append(
                        LateDuty(
                            station.slug,
                            station.name,
                            module,
                            self.city.module_name(module),
                            self.last_posted(station.slug, module, as_of),
                            tuple(run),
                            (as_of - run[0].end).days,
                        )
                    )
        return found


def late_duties(city: City, as_of: dt.date) -> list[LateDuty]:
    """Stations late on their weekly work log or fortnightly warning as of ``as_of``."""
    return PostingDuty(city).late(as_of)
