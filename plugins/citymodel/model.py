"""Stations, posts, warnings and guides as read from ``content/``."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .problems import Problem
from .tenure import ChiefTerm, Vacancy

FIXED_MODULES = ("worklog", "warning", "qa", "help", "disclosure")
RELAY_MODULES = ("qa", "help")


@dataclass
class Station:
    slug: str
    name: str
    district: str
    address: str
    hours: str
    phone: str
    report_phone: str
    email: str
    jurisdiction: str
    modules: list[str]
    chief: str
    chief_rank: str
    chief_badge: str
    chief_born: int | None
    chief_photo: str
    chief_since: dt.date
    source_path: str
    body: str = ""
    past_chiefs: list[ChiefTerm] = field(default_factory=list)  # oldest first
    vacancies: list[Vacancy] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"stations/{self.slug}/"

    @property
    def current_chief(self) -> ChiefTerm:
        return ChiefTerm(self.chief, self.chief_rank, self.chief_badge, self.chief_photo, self.chief_since)

    @property
    def chiefs(self) -> list[ChiefTerm]:
        """Every chief's term, the current one last."""
        return [*self.past_chiefs, self.current_chief]

    @property
    def history_since(self) -> dt.date:
        """The first day the profile accounts for (a chief's term or a stated vacancy)."""
        return min([term.since for term in self.chiefs] + [gap.since for gap in self.vacancies])

    def chief_on(self, day: dt.date) -> ChiefTerm | None:
        """The chief in post on ``day``; None in a stated vacancy or before the history begins."""
        return next((term for term in self.chiefs if term.holds(day)), None)

    def vacancy_on(self, day: dt.date) -> Vacancy | None:
        return next((gap for gap in self.vacancies if gap.since <= day <= gap.until), None)

    def chief_age(self, today: dt.date) -> int | None:
        return today.year - self.chief_born if self.chief_born else None

    def public_fields(self, city: City) -> dict[str, Any]:
        """What ``api/stations.json`` says of this station (its official mailbox included, for the relay)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "district": self.district,
            "address": self.address,
            "hours": self.hours,
            "phone": self.phone,
            "report_phone": self.report_phone,
            "jurisdiction": self.jurisdiction,
            "email": self.email,
            "modules": {slug: city.module_name(slug) for slug in city.modules_of(self)},
            "chief": {
                "name": self.chief,
                "rank": self.chief_rank,
                "badge": self.chief_badge,
                "photo": self.chief_photo,
                "since": self.chief_since.isoformat(),
            },
            "past_chiefs": [
                {
                    "name": term.name,
                    "rank": term.rank,
                    "badge": term.badge,
                    "since": term.since.isoformat(),
                    "until": term.until.isoformat() if term.until else None,
                }
                for term in self.past_chiefs
            ],
            "url": self.url,
        }


@dataclass
class WarningInfo:
    level: str
    area: str
    effective: dt.datetime
    expires: dt.datetime
    official: bool = False

    def is_active(self, now: dt.datetime) -> bool:
        return self.effective <= now < self.expires

    def is_expired(self, now: dt.datetime) -> bool:
        return now >= self.expires


@dataclass
class Post:
    slug: str
    title: str
    date: dt.datetime
    station: str
    module: str
    summary: str
    source_path: str
    warning: WarningInfo | None = None


@dataclass
class Guide:
    slug: str
    title: str
    category: str
    fee: str
    source_path: str
    content_path: str
    forms: list[tuple[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"guides/{self.slug}/"


@dataclass
class City:
    """Everything the build knows about the city's content, checked."""

    settings: Mapping[str, Any]
    stations: dict[str, Station] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    guides: dict[str, Guide] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # What the build cleans out of chiefs' HTML (safehtml): reported, not fatal to a build.
    notices: list[Problem] = field(default_factory=list)
    tag_slugs: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Mapping[str, Any]:
        city: Mapping[str, Any] = self.settings["CITY"]
        return city

    def module_name(self, slug: str) -> str:
        names = {**self.config["modules"], **self.config["optional_modules"]}
        return str(names.get(slug, slug))

    def modules_of(self, station: Station) -> list[str]:
        return [*FIXED_MODULES, *station.modules]

    def stations_by_district(self) -> list[tuple[str, list[Station]]]:
        groups = []
        for district in self.config["districts"]:
            members = [s for s in self.stations.values() if s.district == district]
            if members:
                groups.append((district, sorted(members, key=lambda s: s.slug)))
        return groups

    def now(self) -> BuildNow:
        """The build's notion of now, local time.

        ``CITY["today"]`` pins it (tests, 考核 as of a day); otherwise the
        ``SOURCE_DATE_EPOCH`` environment variable gives it, so that two builds
        of the same content are byte for byte the same; otherwise the clock.
        """
        pinned = self.config.get("today")
        if pinned:
            moment = dt.datetime.fromisoformat(str(pinned))
        elif os.environ.get("SOURCE_DATE_EPOCH"):
            moment = self.local_time(dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC))
        else:
            moment = self.local_now()
        return BuildNow.of(moment, self)

    def local_time(self, moment: dt.datetime) -> dt.datetime:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(self.settings.get("TIMEZONE") or "Asia/Shanghai")).replace(tzinfo=None)

    def __fingerprint__(self) -> tuple[Any, ...]:
        """What pages can read of the city (its settings are part of the build key)."""
        return (self.stations, self.posts, self.guides)

    def local_now(self) -> dt.datetime:
        """The real time in the city's zone (``TIMEZONE``), naive like the dates in content."""
        return self.local_time(dt.datetime.now(dt.UTC))

    def latest_by(self, station: str, module: str, day: dt.date) -> Post | None:
        """The newest post of a module published on or before ``day``."""
        posts = [p for p in self.posts.values() if p.station == station and p.module == module and p.date.date() <= day]
        return max(posts, key=lambda p: p.date, default=None)


class BuildNow(dt.datetime):
    """'Now' for one build. Pages read it only to tell a warning's state and a chief's age,
    so its fingerprint is those, not the minute: pages are not rebuilt as the clock ticks."""

    states: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, moment: dt.datetime, city: City) -> BuildNow:
        now = cls(*moment.timetuple()[:6], moment.microsecond)
        now.states = tuple(
            (
                slug,
                "active" if post.warning.is_active(moment) else "expired" if post.warning.is_expired(moment) else "due",
            )
            for slug, post in sorted(city.posts.items())
            if post.warning is not None
        )
        return now

    def __fingerprint__(self) -> tuple[Any, ...]:
        return (self.year, self.states)


MARKDOWN_SUFFIXES = {".md", ".markdown", ".mkd", ".mdown"}


def markdown_files(folder: Path) -> list[Path]:
    """The files Pelican's Markdown reader would read, in a stable order.

    Not a symbolic link: ``check_files`` refuses it, and reading it would put the lines of whatever it points to
    (the relay's secrets) into the problems, which go back to whoever pushed it (publisher/gitpush.py)."""
    return sorted(p for p in folder.rglob("*") if p.suffix in MARKDOWN_SUFFIXES and p.is_file() and not p.is_symlink())


def load_city(settings: Mapping[str, Any]) -> City:
    """Read and check every station, post and guide under ``settings["PATH"]``."""
    from .files import check_files
    from .rules import check_guide, check_page, check_post, check_station

    city = City(settings=settings)
    content = Path(settings["PATH"])
    check_files(city, content)
    for path in markdown_files(content / "stations"):
        check_station(city, path)
    for path in markdown_files(content / "posts"):
        check_post(city, path)
    for path in markdown_files(content / "guides"):
        check_guide(city, path)
    for path in markdown_files(content / "pages"):
        check_page(city, path)
    if not city.stations:
        city.problems.append(
            Problem(
                str(content / "stations"),
                1,
                "没有找到任何派出所简介",
                "请为每个派出所写一个简介文件（Markdown 文件），放在 content/stations/ 里（见 docs/handbook.zh.md 的「派出所简介」一节）",
            )
        )
    return city
