"""The generator behind the station pages."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from markupsafe import Markup
from pelican import signals
from pelican.contents import Article, Page
from pelican.generators import Generator

from citymodel import City, Station

from .lookup import lookup_groups

log = logging.getLogger(__name__)

MODULE_PREVIEW = 3


class StationPagesGenerator(Generator):
    """Writes everything under ``stations/`` (the address lookup included), ``warnings/`` and ``feeds/``."""

    def generate_context(self) -> None:
        self.city: City = self.settings["CITY_MODEL"]
        self.now = now = self.city.now()  # once a build: it goes over every warning in the city
        articles: list[Article] = self.context.get("articles", [])
        self.by_station: dict[str, dict[str, list[Article]]] = defaultdict(lambda: defaultdict(list))
        for article in articles:
            self.by_station[article.station][article.module].append(article)
        warnings = [a for a in articles if getattr(a, "warning", None)]
        active = [a for a in warnings if a.warning.is_active(now)]
        active.sort(key=lambda a: (-level_rank(self.city, a.warning.level), -a.date.timestamp()))
        self.context["ACTIVE_WARNINGS"] = active
        self.context["EXPIRED_WARNINGS"] = [a for a in warnings if a.warning.is_expired(now)]
        self.context["STATIONS_BY_DISTRICT"] = self.city.stations_by_district()
        self.context["STATION_INTROS"] = {
            slug: self.render_intro(station) for slug, station in self.city.stations.items()
        }

    def render_intro(self, station: Station) -> Markup:
        page = self.readers.read_file(
            base_path=self.path,
            path=f"stations/{station.slug}.md",
            content_class=Page,
            context=self.context,
        )
        return Markup(page.content)  # cleaned by citymodel as it was read

    def generate_output(self, writer: Any) -> None:
        city = self.city
        write = writer.write_file
        write("stations/index.html", self.get_template("stations"), self.context, url="stations/", page_name="stations")
        write(
            "stations/lookup/index.html",
            self.get_template("lookup"),
            self.context,
            url="stations/lookup/",
            page_name="stations/lookup",
            place_groups=lookup_groups(sorted(city.stations.values(), key=lambda s: s.slug)),
        )
        write(
            "warnings/index.html",
            self.get_template("warnings"),
            self.context,
            paginated={"articles": self.context["EXPIRED_WARNINGS"]},
            template_name="warnings",
            url="warnings/",
            page_name="warnings",
        )
        for station in city.stations.values():
            self.write_station(writer, station, self.by_station[station.slug], self.context, self.now)
        all_articles: list[Article] = self.context.get("articles", [])
        for module in [*city.config["modules"], *city.config["optional_modules"]]:
            self.write_city_feed(writer, module, all_articles, self.context)

    def write_station(
        self,
        writer: Any,
        station: Station,
        modules: dict[str, list[Article]],
        context: dict[str, Any],
        now: dt.datetime,
        only: set[str] | None = None,
    ) -> None:
        """One station's page, its module lists and their feeds (``only`` those of these modules). Also the
        publisher's fast path, with a context that holds a new answer or an edited post. ``now`` is the
        build's, taken once (``City.now()`` goes over every warning of the city: once for each of 112
        stations it was 7 s of a 20,000-post build)."""
        city = self.city
        write = writer.write_file
        station_articles = sorted((a for posts in modules.values() for a in posts), key=lambda a: a.date, reverse=True)
        active = [a for a in modules.get("warning", []) if a.warning.is_active(now)]
        active.sort(key=lambda a: (-level_rank(city, a.warning.level), -a.date.timestamp()))  # 红色 first
        write(
            f"stations/{station.slug}/index.html",
            self.get_template("station"),
            context,
            url=station.url,
            station=station,
            station_modules=[
                (m, city.module_name(m), modules.get(m, [])[:MODULE_PREVIEW], len(modules.get(m, [])))
                for m in city.modules_of(station)
            ],
            station_warnings=active,
            page_name=f"stations/{station.slug}",
        )
        for module in city.modules_of(station):
            if only is not None and module not in only:
                continue
            url = f"{station.url}{module}/"
            write(
                f"{url}index.html",
                self.get_template("module"),
                context,
                paginated={"articles": modules.get(module, [])},
                template_name="module",
                url=url,
                station=station,
                module=module,
                module_name=city.module_name(module),
                articles=modules.get(module, []),
                page_name=url.rstrip("/"),
            )
            self.write_feed(
                writer,
                modules.get(module, []),
                f"feeds/stations/{station.slug}/{module}.atom.xml",
                f"{station.name} · {city.module_name(module)}",
                context,
            )
        self.write_feed(writer, station_articles, f"feeds/stations/{station.slug}.atom.xml", station.name, context)

    def write_city_feed(self, writer: Any, module: str, articles: list[Article], context: dict[str, Any]) -> None:
        city = self.city
        posts = [a for a in articles if a.module == module]
        title = f"{city.config['name']} · {city.module_name(module)}"
        self.write_feed(writer, posts, f"feeds/{module}.atom.xml", title, context)

    def write_feed(
        self, writer: Any, articles: list[Article], path: str, title: str, context: dict[str, Any] | None = None
    ) -> None:
        title = f"{title} · {self.settings['SITENAME']}"
        writer.write_feed(articles, self.context if context is None else context, path, path, feed_title=title)


def level_rank(city: City, level: str) -> int:
    levels = list(city.config["warning_levels"])
    return levels.index(level) if level in levels else 0


def get_generators(pelican: Any) -> type[Generator]:
    return StationPagesGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
