"""所长星级: approved public star ratings, each given to the chief in post on its day.

The export (schema 2) lists every approved free-standing rating with its
station and its day (Beijing time). A rating belongs to the chief who held the
post that day (``Station.chief_on``), so a new chief starts with no stars; a
rating given in a stated vacancy counts for the station only.
"""

from __future__ import annotations

import datetime as dt
import statistics
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from citymodel import City


@dataclass(frozen=True)
class StarRating:
    station: str
    stars: int
    day: dt.date


def star_ratings(data: dict[str, Any]) -> list[StarRating]:
    return [StarRating(r["station"], int(r["stars"]), dt.date.fromisoformat(r["date"])) for r in data["star_ratings"]]


def summary(stars: list[int]) -> dict[str, Any]:
    """Count, mean (two decimals) and how many gave each number of stars, as the station page shows them."""
    return {
        "count": len(stars),
        "mean": round(statistics.fmean(stars), 2) if stars else None,
        "distribution": {str(value): stars.count(value) for value in range(1, 6)},
    }


class StarIndex:
    """The ratings by station and day, for the many periods of the 考核 pages (a city has years of them)."""

    def __init__(self, ratings: list[StarRating]) -> None:
        self.days: dict[str, list[dt.date]] = defaultdict(list)
        self.stars: dict[str, list[int]] = defaultdict(list)
        for rating in sorted(ratings, key=lambda r: (r.station, r.day)):
            self.days[rating.station].append(rating.day)
            self.stars[rating.station].append(rating.stars)

    def between(self, station: str, first: dt.date, last: dt.date) -> list[int]:
        days = self.days.get(station, [])
        return self.stars[station][bisect_left(days, first) : bisect_right(days, last)] if days else []

    def everywhere(self, first: dt.date, last: dt.date) -> list[int]:
        return [stars for station in sorted(self.days) for stars in self.between(station, first, last)]


def chief_ratings(city: City, ratings: list[StarRating]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{station: {term key: summary}}`` for every chief of every station."""
    index = StarIndex(ratings)
    return {
        station.slug: {
            term.key: summary(index.between(station.slug, term.since, term.until or dt.date.max))
            for term in station.chiefs
        }
        for station in city.stations.values()
    }


def current_chief_ratings(city: City, per_chief: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """What the station page's 群众评价 shows: the current chief's stars only."""
    return {slug: per_chief[slug][station.current_chief.key] for slug, station in city.stations.items()}
