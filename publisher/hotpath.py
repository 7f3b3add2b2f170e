"""The fast path: the page that changed goes live before the rest of the site is rebuilt.

After each full build the publisher keeps Pelican's article generator in
memory (its context, readers and templates) and the station pages' generator.
When a batch of changes only edits the body of existing posts, or brings
answers the relay just approved, those pages are rendered from that context,
and so are the lists and feeds they appear in: their station's page, module
lists and feeds, the city's feed of that module and the feed of everything.
Each file is written straight into the served folder, atomically, with its
Traditional twin and compressed copies. Pages new since the build (answers)
are searchable at once through a small search bundle of their own (see
``write_search``). The full incremental build follows at once and brings the
sitemap, and search for edited posts, up to date; the files it writes are the
same bytes (a test checks).

A changed title or summary goes the same way, with the home page's latest
posts (``index.html``) written too; the other pages that name the post keep the
old words until the full build (the search index, the sitemap). A post whose
date, slug, station, module or status changed moves in lists or to another
address, and a warning shows in banners on every page: those take the full
build only.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pelican.writers import Writer

log = logging.getLogger("publisher")

# Metadata that moves a post (its address, its place in lists and feeds): a change takes the full build.
MOVES = ("date", "slug", "station", "module", "status")
# Shown in lists and feeds, which the fast path writes too; for a warning, also in banners on every page.
SHOWN = ("title", "summary")
WARNING_FIELDS = ("level", "area", "effective", "expires")


@dataclass
class Snapshot:
    """What the last full build left: the article generator, its articles by source file and in the order the
    site lists them (with what the fast path has put live since), and the station pages' generator."""

    generator: Any
    articles: dict[str, Any] = field(default_factory=dict)
    converter: Any = None
    stations: Any = None  # stationpages' generator, when that plugin is on
    listed: list[Any] = field(default_factory=list)
    fresh: dict[str, str] = field(default_factory=dict)  # pages new since the build (answers): path -> HTML

    @classmethod
    def of(cls, generator: Any, stations: Any = None) -> Snapshot:
        articles = {a.source_path: a for a in generator.articles}
        return cls(generator, articles, stations=stations, listed=list(generator.articles))

    def is_new(self, article: Any) -> bool:
        return article.source_path not in self.articles

    def put_live(self, changed: list[Any]) -> list[Any]:
        """The site's articles in their order once ``changed`` (edited posts, new or changed answers) are in."""
        from citymodel.plugin import newest_first

        sources = {a.source_path for a in changed}
        self.listed = sorted([*(a for a in self.listed if a.source_path not in sources), *changed], key=newest_first)
        self.articles.update((a.source_path, a) for a in changed)
        return self.listed

    def render(self, article: Any) -> str:
        """The page Pelican's writer would write for ``article`` (same context, same template)."""
        context = self.generator.context.copy()
        context["localsiteurl"] = context.get("localsiteurl", None)
        context["output_file"] = article.save_as
        context.update(article=article, category=getattr(article, "category", None), url=article.url, blog=True)
        return str(self.generator.get_template(article.template).render(context))

    def twin(self, html: str) -> tuple[str, str] | None:
        """The Traditional edition's (path prefix, page), when that plugin is on."""
        settings = self.generator.settings
        if "hantedition" not in settings.get("PLUGINS", []):
            return None
        from hantedition.edition import convert_page, options, site_bases

        opts = options(settings)
        if self.converter is None:
            import opencc

            self.converter = opencc.OpenCC(opts["opencc"])
        return opts["prefix"], convert_page(html, self.converter, site_bases(settings), opts)

    # Changed posts ---------------------------------------------------------

    def edited_post(self, path: Path) -> Any | None:
        """The post at ``path`` read again, if it stays where it was listed; None otherwise."""
        from pelican.contents import Article

        old = self.articles.get(str(path))
        if old is None or not path.exists():
            return None
        generator = self.generator
        relative = os.path.relpath(path, generator.path)
        new = generator.readers.read_file(
            base_path=generator.path, path=relative, content_class=Article, context=generator.context
        )
        fixed = MOVES + (SHOWN + WARNING_FIELDS if old.metadata.get("module") == "warning" else ())
        if any(new.metadata.get(key) != old.metadata.get(key) for key in fixed):
            return None
        from citymodel.plugin import attach

        attach(new, generator.settings["CITY_MODEL"])
        return new

    # Approved answers ------------------------------------------------------

    def answer(self, item: dict[str, Any]) -> Any | None:
        """An answer from the export as the article the full build will make of it."""
        from publicanswers.plugin import site_answer

        return site_answer(item, self.generator.settings, self.generator.context)


def write_pages(snapshot: Snapshot, articles: list[Any], folder: Path) -> list[str]:
    """Render ``articles`` and the lists and feeds they appear in into ``folder``; returns the files written."""
    written: list[str] = []
    fresh = False
    try:
        for article in articles:
            html = snapshot.render(article)
            twin = put_edition(snapshot, folder, article.save_as, html, written)
            if snapshot.is_new(article) or article.save_as in snapshot.fresh:  # new, or new and changed again
                fresh = True
                snapshot.fresh[article.save_as] = html
                if twin is not None:
                    snapshot.fresh[twin[0]] = twin[1]
        write_lists(snapshot, articles, folder, written)
    finally:
        # OpenCC's dictionaries (26 MB) are loaded again for the next batch in 30-45 ms, rather than kept by the
        # publisher between changes and through the builds, whose peak they added to.
        snapshot.converter = None
    if fresh:
        write_search(snapshot, folder, written)
    return written


def write_search(snapshot: Snapshot, folder: Path, written: list[str]) -> None:
    """A search bundle of the pages that are new since the build (answers just approved), listed in
    ``pagefind/hot.json``, which ``search.js`` merges beside the shards listed in ``shards.json``.

    The bundle gets a new folder each time, listed only once complete; the full build's search index holds
    these pages, and that build removes the bundles and writes an empty ``hot.json``. An edited post keeps
    its old words in search until then: in two bundles at once it would be found twice.
    """
    import json

    from sitesearch.records import laid_out, record_of
    from sitesearch.search import add_edition, edition_of, options, run_pagefind, sort_languages

    settings = snapshot.generator.settings
    if "sitesearch" not in settings.get("PLUGINS", []) or not options(settings)["enabled"]:
        return
    prefix, conversion = edition_of(settings)  # the twins are found as their Simplified pages, as in the build's index
    records = {
        name: record
        for name, html in snapshot.fresh.items()
        if not (prefix and name.startswith(prefix)) and (record := record_of(html)) is not None
    }
    if not records:
        return
    name = f"hot-{time.time_ns()}"
    bundle = folder / "pagefind" / name
    with laid_out(records) as scratch:
        run_pagefind(scratch, bundle)
    sort_languages(bundle / "pagefind-entry.json")
    if conversion:
        add_edition(bundle, conversion)
    written += sorted(path.relative_to(folder).as_posix() for path in bundle.rglob("*") if path.is_file())
    put(folder, "pagefind/hot.json", json.dumps([f"{name}/"]).encode(), settings, written)


class _LiveWriter(Writer):
    """Pelican's writer (pagination, feeds), each file handed to ``put_edition`` instead of opened in place."""

    def __init__(self, snapshot: Snapshot, folder: Path, written: list[str]) -> None:
        super().__init__(str(folder), settings=snapshot.generator.settings)
        self.snapshot, self.folder, self.written = snapshot, folder, written

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        from incremental.writer import _Buffer

        name = Path(os.path.relpath(filename, self.folder)).as_posix()
        return _Buffer(lambda text: put_edition(self.snapshot, self.folder, name, text, self.written))


def write_lists(snapshot: Snapshot, changed: list[Any], folder: Path, written: list[str]) -> None:
    """The home page, station pages, module lists and feeds that list ``changed``, as the full build will
    write them."""
    from operator import attrgetter

    from pelican.utils import order_content

    listed = snapshot.put_live(changed)
    stations = snapshot.stations
    if stations is None:
        return
    context = {**stations.context, "articles": listed}
    writer = _LiveWriter(snapshot, folder, written)
    generator = snapshot.generator
    settings = generator.settings
    if "index" in settings["DIRECT_TEMPLATES"] and settings.get("INDEX_SAVE_AS"):
        # As ArticlesGenerator.generate_direct_templates writes it (its ``dates`` as generate_context sorts them).
        dates = sorted(listed, key=attrgetter("date"), reverse=settings["NEWEST_FIRST_ARCHIVES"])
        writer.write_file(
            settings["INDEX_SAVE_AS"],
            generator.get_template("index"),
            context,
            articles=listed,
            dates=dates,
            blog=True,
            template_name="index",
            page_name=os.path.splitext(settings["INDEX_SAVE_AS"])[0],
            url=settings.get("INDEX_URL", "index.html"),
        )
    city = stations.city
    now = city.now()
    for slug in sorted({a.station for a in changed}):
        modules: dict[str, list[Any]] = {}
        for article in listed:  # as StationPagesGenerator.generate_context groups them
            if article.station == slug:
                modules.setdefault(article.module, []).append(article)
        only = {a.module for a in changed if a.station == slug}
        stations.write_station(writer, city.stations[slug], modules, context, now, only)
    for module in sorted({a.module for a in changed}):
        stations.write_city_feed(writer, module, listed, context)
    if settings.get("FEED_ALL_ATOM"):  # as ArticlesGenerator.generate_feeds writes it
        everything = list(listed)
        for article in listed:
            everything.extend(article.translations)
        order_content(everything, order_by=settings["ARTICLE_ORDER_BY"])
        path = str(settings["FEED_ALL_ATOM"])
        writer.write_feed(everything, context, path, settings.get("FEED_ALL_ATOM_URL", path))


def put_edition(snapshot: Snapshot, folder: Path, name: str, text: str, written: list[str]) -> tuple[str, str] | None:
    """Write one page or feed and, for the Traditional edition, its twin; returns the twin (path, text)."""
    from hantedition.edition import is_shared

    settings = snapshot.generator.settings
    put(folder, name, text.encode(), settings, written)
    twin = snapshot.twin(text) if name.endswith((".html", ".xml")) and not is_shared(name) else None
    if twin is None:
        return None
    prefix, converted = twin
    put(folder, f"{prefix}/{name}", converted.encode(), settings, written)
    return f"{prefix}/{name}", converted


def put(folder: Path, name: str, data: bytes, settings: dict[str, Any], written: list[str]) -> None:
    """Write ``folder/name`` atomically, after its compressed copies (see precompress); note what was written."""
    from incremental.tracker import write_atomically
    from precompress.compress import copies_for

    for copy, blob in copies_for(name, data, settings):
        if blob is None:
            (folder / copy).unlink(missing_ok=True)
        else:
            write_atomically(folder / copy, blob)
            written.append(copy)
    write_atomically(folder / name, data)
    written.append(name)
