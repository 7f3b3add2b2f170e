"""Posting duties: a work log every week, a warning every two weeks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .model import City

DUTIES = {"worklog": 7, "warning": 14}


@dataclass(frozen=True)
class LateDuty:
    station: str
    station_name: str
    module: str
    module_name: str
    last_posted: dt.date | None
    days_late: int

    def describe(self) -> str:
        last = self.last_posted.isoformat() if self.last_posted else "从未发布"
        return f"{self.station_name}（{self.station}）{self.module_name}：最近一篇 {last}，已逾期 {self.days_late} 天"


def late_duties(city: City, as_of: dt.date) -> list[LateDuty]:
    """Stations whose latest work log or warning is older than its interval.

    A duty is late when more than ``interval`` days have passed since the last
    post; a station that never posted is late counted from the chief's start date.
    """
    late = []
    for station in sorted(city.stations.values(), key=lambda s: (s.district, s.slug)):
        for module, interval in DUTIES.items():
            last = city.latest_by(station.slug, module, as_of)
            since = last.date.date() if last else station.chief_since
            overdue = (as_of - since).days - interval
            if overdue > 0:
                late.append(
                    LateDuty(
                        station.slug,
                        station.name,
                        module,
                        city.module_name(module),
                        last.date.date() if last else None,
                        overdue,
                    )
                )
    return late
