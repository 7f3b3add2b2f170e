"""The generator behind ``guides/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pelican import signals
from pelican.contents import Page
from pelican.generators import Generator

from citymodel import City


class GuidesGenerator(Generator):
    """Reads each guide with Pelican's Markdown reader and writes its page."""

    def generate_context(self) -> None:
        city: City = self.settings["CITY_MODEL"]
        self.guides: list[Page] = []
        for guide in sorted(city.guides.values(), key=lambda g: g.slug):
            page = self.readers.read_file(
                base_path=self.path, path=guide.content_path, content_class=Page, context=self.context
            )
            page.guide = guide
            # Shown like every other date on the site (DEFAULT_DATE_FORMAT); the check has validated it.
            page.reviewed_date = dt.date.fromisoformat(str(page.metadata["reviewed"]).strip()[:10])
            page.category_name = city.config["guide_categories"][guide.category]
            page.forms = guide.forms
            page.override_url = guide.url
            page.override_save_as = f"{guide.url}index.html"
            self.guides.append(page)
        categories = []
        for slug, name in city.config["guide_categories"].items():
            members = [g for g in self.guides if g.guide.category == slug]
            if members:
                categories.append((slug, name, members))
        self.context["GUIDE_CATEGORIES"] = categories
        self.context["GUIDES"] = self.guides

    def generate_output(self, writer: Any) -> None:
        writer.write_file(
            "guides/index.html", self.get_template("guides"), self.context, url="guides/", page_name="guides"
        )
        template = self.get_template("guide")
        for page in self.guides:
            writer.write_file(
                page.save_as,
                template,
                self.context,
                url=page.url,
                guide=page,
                page=page,
                page_name=page.url.rstrip("/"),
            )


def get_generators(pelican: Any) -> type[Generator]:
    return GuidesGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
