"""Walks the finished output, so pages written by any generator are listed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pelican import signals

from citymodel.options import plugin_options

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {"base_url": None, "exclude": ["404.html"]}


def settings_of(pelican_settings: dict[str, Any]) -> dict[str, Any]:
    merged = plugin_options(pelican_settings, "SITEMAPXML", DEFAULTS, "sitemapxml")
    if not merged["base_url"]:
        merged["base_url"] = pelican_settings.get("SITEURL") or pelican_settings.get("FEED_DOMAIN") or ""
    if not str(merged["base_url"]).startswith(("http://", "https://")):
        log.warning("sitemapxml: base_url %r is not absolute; search engines need absolute URLs", merged["base_url"])
    return merged


def check_settings(pelican: Any) -> None:
    """A typo in SITEMAPXML stops the build before anything is read."""
    settings_of(pelican.settings)


def page_url(relative: str) -> str:
    if relative == "index.html":
        return ""
    if relative.endswith("/index.html"):
        return relative[: -len("index.html")]
    return relative


def write_sitemap(output: Path, base_url: str, exclude: list[str], settings: dict[str, Any] | None = None) -> Path:
    """Write ``output/sitemap.xml`` for every HTML page of the build.

    No ``<lastmod>``: a file's time is not the page's, and the protocol makes it optional.
    """
    from incremental import output_files, write_output

    pages = [name for name in output_files(settings or {}, output) if name.endswith(".html")]
    base = base_url.rstrip("/")
    entries = [
        f"<url><loc>{escape(f'{base}/{page_url(relative)}')}</loc></url>"
        for relative in pages
        if relative not in exclude and not relative.endswith("/404.html")
    ]
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(entries) + "\n</urlset>\n"
    )
    write_output({**(settings or {}), "OUTPUT_PATH": str(output)}, "sitemap.xml", data.encode())
    log.info("sitemapxml: %d pages", len(entries))
    return output / "sitemap.xml"


def on_finalized(pelican: Any) -> None:
    options = settings_of(pelican.settings)
    write_sitemap(Path(pelican.output_path), options["base_url"], options["exclude"], pelican.settings)


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.finalized.connect(on_finalized)
