"""Pelican signals: check the content before anything is read, then attach
the checked model to the generators and to every post."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from pelican import signals

from .model import City, load_city
from .problems import ContentError

log = logging.getLogger(__name__)


def check_content(pelican: Any) -> None:
    """Runs before every build (also in autoreload mode)."""
    city = load_city(pelican.settings)
    if city.problems:
        raise ContentError(city.problems)
    pelican.settings["CITY_MODEL"] = city
    log.info("citymodel: %d stations, %d posts, %d guides", len(city.stations), len(city.posts), len(city.guides))


def share_model(generator: Any) -> None:
    """Make the model and 'now' available to every template."""
    city: City | None = generator.settings.get("CITY_MODEL")
    if city is None:
        return
    generator.context["CITY_MODEL"] = city
    generator.context["BUILD_NOW"] = city.now()


def attach_to_posts(generator: Any) -> None:
    city: City = generator.settings["CITY_MODEL"]
    for article in generator.articles:
        post = city.posts.get(article.metadata.get("slug", ""))
        if post is None:
            continue
        article.station_profile = city.stations[post.station]
        article.module_name = city.module_name(post.module)
        article.warning = post.warning


def write_stations_json(generator: Any, writer: Any) -> None:
    city: City = generator.settings["CITY_MODEL"]
    target = os.path.join(generator.output_path, "api", "stations.json")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    data = {
        "schema": 1,
        "city": city.config["name"],
        "stations": [s.public_fields(city) for s in sorted(city.stations.values(), key=lambda s: s.slug)],
    }
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)


def register() -> None:
    signals.get_generators.connect(check_content)
    signals.generator_init.connect(share_model)
    signals.article_generator_pretaxonomy.connect(attach_to_posts)
    signals.article_writer_finalized.connect(write_stations_json)
