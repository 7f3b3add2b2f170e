"""Pelican signals: check the content before anything is read, then attach
the checked model to the generators and to every post."""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader

from .duties import DutyAnchorError, parse_anchor
from .model import City, load_city
from .options import SettingsError, plugin_options
from .problems import ContentError
from .safehtml import clean_body, plain_text

log = logging.getLogger(__name__)
# A city names itself, its districts and its modules; "today" and the footer's facts may be left out.
CITY_DEFAULTS: dict[str, Any] = {
    "today": None,
    "organizer": "",
    "icp_number": "",
    "police_record_number": "",
    "emblem": "",
}
CITY_REQUIRED = (
    "name",
    "bureau",
    "emergency",
    "emergency_sms",
    "hotline",
    "districts",
    "modules",
    "optional_modules",
    "guide_categories",
    "warning_levels",
    "duty_anchor",
)


def check_settings(pelican: Any) -> None:
    """A typo in ``CITY`` stops the build before anything is read."""
    city = plugin_options(pelican.settings, "CITY", CITY_DEFAULTS, "citymodel", required=CITY_REQUIRED)
    try:
        parse_anchor(city["duty_anchor"])
    except DutyAnchorError as error:
        raise SettingsError(str(error)) from None


def note_asset_versions(pelican: Any) -> None:
    """``ASSET_VERSIONS``: {path under the theme's static folder: a digest of the file} for its style sheets and
    scripts, which the templates add to their addresses (``site.css?v=…``). nginx lets a browser keep a theme
    file for an hour; without it, a reader who came back within the hour of a new release ran the old script
    against the new pages and search index (after the search shards went one language to a shard, an old
    ``search.js`` mixed both editions' results)."""
    import hashlib

    settings = pelican.settings
    versions: dict[str, str] = {}
    for folder in settings.get("THEME_STATIC_PATHS", ["static"]):
        root = Path(settings["THEME"]) / folder
        for path in sorted(root.rglob("*")):
            if path.suffix in (".css", ".js") and path.is_file():
                digest = hashlib.blake2b(path.read_bytes(), digest_size=5).hexdigest()
                versions[path.relative_to(root).as_posix()] = digest
    settings["ASSET_VERSIONS"] = versions


def check_content(pelican: Any) -> None:
    """Runs before every build (also in autoreload mode)."""
    city = load_city(pelican.settings)
    if city.problems:
        raise ContentError(city.problems)
    for notice in city.notices:
        log.warning("citymodel: %s", notice)
    pelican.settings["CITY_MODEL"] = city
    log.info("citymodel: %d stations, %d posts, %d guides", len(city.stations), len(city.posts), len(city.guides))


def share_model(generator: Any) -> None:
    """Make the model and 'now' available to every template."""
    city: City | None = generator.settings.get("CITY_MODEL")
    if city is None:
        return
    generator.context["CITY_MODEL"] = city
    generator.context["BUILD_NOW"] = city.now()


def newest_first(article: Any) -> tuple[Any, str]:
    """Newest first; posts of the same minute by source path, so that every build lists them alike."""
    return (-article.date.timestamp(), article.source_path or "")


def attach_to_posts(generator: Any) -> None:
    city: City = generator.settings["CITY_MODEL"]
    generator.articles.sort(key=newest_first)
    for article in generator.articles:
        attach(article, city)


def attach(article: Any, city: City) -> None:
    """What templates read of a post besides its own file: its station, the chief in post on its date,
    module name and warning."""
    post = city.posts.get(article.metadata.get("slug", ""))
    if post is None:
        return
    article.station_profile = city.stations[post.station]
    article.chief = article.station_profile.chief_on(post.date.date())
    article.module_name = city.module_name(post.module)
    article.warning = post.warning


class CleanMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader with its HTML (body and summary) cut to the allowlist of ``safehtml``.

    Cleaning in the reader means Pelican's reader cache keeps the cleaned HTML, so a rebuild cleans
    only the files that changed. Every Markdown file Pelican reads comes from ``content/``.
    """

    # Pelican's reader builds a new Markdown instance for every file and one more for its formatted fields
    # (the summary): 2.2 of the 7.5 CPU-s spent reading a 5,000-post city. These two are kept for the reader's
    # life and reset between files, as Python-Markdown intends (``Markdown.reset``).
    @functools.cached_property
    def _body(self) -> Markdown:
        return Markdown(**self.settings["MARKDOWN"])

    @functools.cached_property
    def _fields(self) -> Markdown:
        fields = Markdown(**self.settings["MARKDOWN"])
        # Pelican's _parse_metadata takes the meta preprocessor out of the instance it converts the fields
        # with, every time: out once here, and taking it out again is no error.
        fields.preprocessors.deregister("meta")
        fields.preprocessors.deregister = functools.partial(fields.preprocessors.deregister, strict=False)
        return fields

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        from pelican.utils import pelican_open

        self._source_path = source_path
        self._md = self._body.reset()
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        meta = getattr(self._md, "Meta", None)
        self._md = self._fields.reset()
        metadata = self._parse_metadata(meta) if meta is not None else {}
        siteurl = str(self.settings.get("SITEURL") or "")
        if "summary" in metadata:
            metadata["summary"] = clean_body(str(metadata["summary"]), siteurl)
        return clean_body(content, siteurl), metadata


def use_clean_reader(readers: Any) -> None:
    for extension in CleanMarkdownReader.file_extensions:
        if readers.reader_classes.get(extension) is MarkdownReader:
            readers.reader_classes[extension] = CleanMarkdownReader


def plain_titles(content: Any) -> None:
    """Every page's title as plain text (templates escape it); published answers' escaped titles included."""
    if "title" in content.metadata:
        content.title = content.metadata["title"] = plain_text(str(content.metadata["title"]))


def write_stations_json(generator: Any, writer: Any) -> None:
    from incremental import write_output

    city: City = generator.settings["CITY_MODEL"]
    config, settings = city.config, generator.settings
    data = {
        "schema": 1,
        "city": config["name"],
        # what the relay's pages need to wear the site's header and footer
        "site": {
            "name": settings.get("SITENAME", ""),
            "organizer": config.get("organizer") or config.get("bureau", ""),
            "hotline": config.get("hotline", ""),
            "icp_number": config.get("icp_number", ""),
            "police_record_number": config.get("police_record_number", ""),
            "kaohe": bool(settings.get("PUBLIC_ANSWERS", {}).get("export")),
        },
        "stations": [s.public_fields(city) for s in sorted(city.stations.values(), key=lambda s: s.slug)],
    }
    write_output(generator.settings, "api/stations.json", json.dumps(data, ensure_ascii=False, indent=1).encode())


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.initialized.connect(note_asset_versions)
    signals.get_generators.connect(check_content)
    signals.generator_init.connect(share_model)
    signals.article_generator_pretaxonomy.connect(attach_to_posts)
    signals.article_writer_finalized.connect(write_stations_json)
    signals.readers_init.connect(use_clean_reader)
    signals.content_object_init.connect(plain_titles)
