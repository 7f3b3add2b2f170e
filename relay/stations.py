"""The station list, read from the site's ``api/stations.json`` (path or URL)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class StationsUnavailable(RuntimeError):
    """The station list cannot be read; the message says where it looked."""


@dataclass(frozen=True)
class Tenure:
    """A chief's time in office, days in Beijing time, both ends included; ``key`` as the site names it."""

    key: str  # <badge>-<YYYYMMDD of the first day>
    since: dt.date
    until: dt.date | None = None

    def holds(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class StationInfo:
    slug: str
    name: str
    district: str
    phone: str
    url: str
    email: str = ""
    chiefs: tuple[Tenure, ...] = ()  # oldest first, the current chief last

    def chief_on(self, day: dt.date) -> str | None:
        """The key of the chief in office on ``day``, if the profile says."""
        return next((term.key for term in self.chiefs if term.holds(day)), None)


def tenures(entry: dict[str, Any]) -> tuple[Tenure, ...]:
    """The chiefs a station entry of ``api/stations.json`` lists (none when it lists none)."""
    terms = []
    for term in [*entry.get("past_chiefs", []), entry.get("chief")]:
        if not term or not term.get("since"):
            continue
        since = dt.date.fromisoformat(term["since"])
        until = dt.date.fromisoformat(term["until"]) if term.get("until") else None
        terms.append(Tenure(f"{term.get('badge', '')}-{since:%Y%m%d}", since, until))
    return tuple(terms)


SITE_DEFAULTS = {
    "name": "云澜市派出所所长在线",
    "organizer": "",
    "hotline": "",
    "icp_number": "",
    "police_record_number": "",
    "kaohe": False,
}


class Stations:
    def __init__(self, entries: list[StationInfo], site: dict[str, Any] | None = None) -> None:
        self.by_slug = {s.slug: s for s in entries}
        self.site = {**SITE_DEFAULTS, **(site or {})}  # the site's name, organizer, hotline, 备案 numbers

    def __contains__(self, slug: object) -> bool:
        return slug in self.by_slug

    def get(self, slug: str) -> StationInfo | None:
        return self.by_slug.get(slug)

    def by_district(self) -> list[tuple[str, list[StationInfo]]]:
        groups: dict[str, list[StationInfo]] = {}
        for station in self.by_slug.values():
            groups.setdefault(station.district, []).append(station)
        return list(groups.items())


def load_stations(source: str) -> Stations:
    """Read the station list from a file path or an http(s) URL."""
    try:
        if source.startswith(("http://", "https://")):
            import httpx

            data: Any = httpx.get(source, timeout=10).raise_for_status().json()
        else:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError, ImportError) as error:
        raise StationsUnavailable(
            f"RELAY_STATIONS={source}: cannot read the station list ({error}); build the site first (invoke build)"
        ) from None
    except Exception as error:  # httpx errors
        raise StationsUnavailable(f"RELAY_STATIONS={source}: {error}") from None
    return Stations(
        [
            StationInfo(s["slug"], s["name"], s["district"], s["phone"], s["url"], s.get("email", ""), tenures(s))
            for s in data["stations"]
        ],
        data.get("site"),
    )
