"""Walks the finished output, so pages written by any generator are listed."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pelican import signals

log = logging.getLogger(__name__)

DEFAULTS = {"base_url": None, "exclude": ["404.html"]}


def settings_of(pelican_settings: dict[str, Any]) -> dict[str, Any]:
    merged = {**DEFAULTS, **pelican_settings.get("SITEMAPXML", {})}
    if not merged["base_url"]:
        merged["base_url"] = pelican_settings.get("SITEURL") or pelican_settings.get("FEED_DOMAIN") or ""
    if not str(merged["base_url"]).startswith(("http://", "https://")):
        log.warning("sitemapxml: base_url %r is not absolute; search engines need absolute URLs", merged["base_url"])
    return merged


def page_url(relative: str) -> str:
    if relative == "index.html":
        return ""
    if relative.endswith("/index.html"):
        return relative[: -len("index.html")]
    return relative


def write_sitemap(output: Path, base_url: str, exclude: list[str]) -> Path:
    """Write ``output/sitemap.xml`` for every ``*.html`` under ``output``."""
    base = base_url.rstrip("/")
    entries = []
    for path in sorted(output.rglob("*.html")):
        relative = path.relative_to(output).as_posix()
        if relative in exclude or relative.endswith("/404.html"):
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
        entries.append(f"<url><loc>{escape(f'{base}/{page_url(relative)}')}</loc><lastmod>{modified}</lastmod></url>")
    target = output / "sitemap.xml"
    target.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(entries) + "\n</urlset>\n",
        encoding="utf-8",
    )
    log.info("sitemapxml: %d pages", len(entries))
    return target


def on_finalized(pelican: Any) -> None:
    options = settings_of(pelican.settings)
    write_sitemap(Path(pelican.output_path), options["base_url"], options["exclude"])


def register() -> None:
    signals.finalized.connect(on_finalized)
