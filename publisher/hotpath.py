"""The fast path: the page that changed goes live before the rest of the site is rebuilt.

After each full build the publisher keeps Pelican's article generator in
memory (its context, readers and templates). When a batch of changes only
edits the body of existing posts, or brings answers the relay just approved,
those pages (and their Traditional twins) are rendered from that context and
written straight into the served folder, each file atomically. The full
incremental build follows at once and brings lists, feeds, the sitemap and
search up to date; the pages it writes are the same bytes (a test checks).

A post whose title, date, slug, station, module or warning fields changed
appears in lists and feeds, so it takes the full build only.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("publisher")

# Metadata that other pages show (lists, banners, feeds' order): a change takes the full build.
LISTED = ("title", "date", "slug", "station", "module", "summary", "level", "area", "effective", "expires", "status")


@dataclass
class Snapshot:
    """What the last full build left: the article generator, and its articles by source file."""

    generator: Any
    articles: dict[str, Any] = field(default_factory=dict)
    converter: Any = None

    @classmethod
    def of(cls, generator: Any) -> Snapshot:
        articles = {a.source_path: a for a in generator.articles}
        return cls(generator, articles)

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
        """The post at ``path`` read again, if only its body changed; None otherwise."""
        from pelican.contents import Article

        old = self.articles.get(str(path))
        if old is None or not path.exists():
            return None
        generator = self.generator
        relative = os.path.relpath(path, generator.path)
        new = generator.readers.read_file(
            base_path=generator.path, path=relative, content_class=Article, context=generator.context
        )
        if any(new.metadata.get(key) != old.metadata.get(key) for key in LISTED):
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
    """Render ``articles`` and their twins into ``folder``, each with its compressed copies (written first, so
    that a reader never gets a copy older than its page); returns the files written."""
    written: list[str] = []
    for article in articles:
        html = snapshot.render(article)
        put(folder, article.save_as, html.encode(), snapshot.generator.settings, written)
        twin = snapshot.twin(html)
        if twin is not None:
            prefix, converted = twin
            put(folder, f"{prefix}/{article.save_as}", converted.encode(), snapshot.generator.settings, written)
    return written


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
