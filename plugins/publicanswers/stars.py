"""所长星级: approved public star ratings, each given to the chief in post on its day.

The export (schema 2) lists every approved free-standing rating with its
station and its day (Beijing time). A rating belongs to the chief who held the
post that day (``Station.chief_on``), so a new chief starts with no stars; a
rating given in a stated vacancy counts for the station only.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from citymodel import City, Station
from citymodel.tenure import ChiefTerm


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


def stars_between(ratings: list[StarRating], station: str, first: dt.date, last: dt.date) -> list[int]:
    return [r.stars for r in ratings if r.station == station and first <= r.day <= last]


def term_stars(ratings: list[StarRating], station: Station, term: ChiefTerm) -> list[int]:
    return stars_between(ratings, station.slug, term.since, term.until or dt.date.max)


def chief_ratings(city: City, ratings: list[StarRating]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{station: {term key: summary}}`` for every chief of every station."""
    by_station: dict[str, list[StarRating]] = defaultdict(list)
    for rating in ratings:
        by_station[rating.station].append(rating)
    return {
        station.slug: {
            term.key: summary(term_stars(by_station[station.slug], station, term)) for term in station.chiefs
        }
        for station in city.stations.values()
    }


def current_chief_ratings(city: City, per_chief: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """What the station page's 群众评价 shows: the current chief's stars only."""
    return {slug: per_chief[slug][station.current_chief.key] for slug, station in city.stations.items()}
