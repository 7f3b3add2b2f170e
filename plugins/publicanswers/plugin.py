"""Signals: load the export once per build, add answers as articles, share ratings and figures."""

from __future__ import annotations

import logging
from typing import Any

from pelican import signals

from citymodel.plugin import newest_first

from .answers import answer_article
from .export import load, options
from .kaohe import KaoheGenerator
from .stars import chief_ratings, current_chief_ratings, star_ratings

log = logging.getLogger(__name__)


def check_settings(pelican: Any) -> None:
    """A typo in PUBLIC_ANSWERS stops the build before anything is read."""
    options(pelican.settings)


def load_export(pelican: Any) -> type[KaoheGenerator]:
    settings = pelican.settings
    settings["PUBLIC_EXPORT"] = load(options(settings)["export"])
    return KaoheGenerator


def add_answers(generator: Any) -> None:
    data = generator.settings.get("PUBLIC_EXPORT")
    if not data or generator.settings.get("CITY_MODEL") is None:
        return
    added = [a for a in (site_answer(item, generator.settings, generator.context) for item in data["items"]) if a]
    generator.articles.extend(added)
    generator.articles.sort(key=newest_first)
    log.info("publicanswers: %d published answers", len(added))


def site_answer(item: dict[str, Any], settings: dict[str, Any], context: dict[str, Any]) -> Any | None:
    """A published item as the article the site shows; None (and a warning) for an unknown station."""
    city = settings["CITY_MODEL"]
    station = city.stations.get(item["station"])
    if station is None:
        log.warning("publicanswers: item %s names unknown station %s; left out", item["id"], item["station"])
        return None
    article = answer_article(item, settings, context)
    article.station_profile = station
    article.chief = station.chief_on(article.date.date())
    article.module_name = city.module_name(article.module) if article.module != "hazard" else "隐患举报"
    article.warning = None
    return article


def share(generator: Any) -> None:
    """Stars for the station pages: the current chief's (``STATION_RATINGS``) and every chief's (``CHIEF_RATINGS``)."""
    data = generator.settings.get("PUBLIC_EXPORT")
    city = generator.settings.get("CITY_MODEL")
    if not data or city is None:
        generator.context["STATION_RATINGS"], generator.context["CHIEF_RATINGS"] = {}, {}
        return
    per_chief = chief_ratings(city, star_ratings(data))
    generator.context["CHIEF_RATINGS"] = per_chief
    generator.context["STATION_RATINGS"] = current_chief_ratings(city, per_chief)


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.get_generators.connect(load_export)
    signals.generator_init.connect(share)
    signals.article_generator_pretaxonomy.connect(add_answers)
