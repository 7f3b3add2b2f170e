"""sitemapxml with the plugins the theme needs: every page listed, and ``SITEMAPXML``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from citymodel import SettingsError

LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}url/{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


def locations(output: Path) -> list[str]:
    return [loc.text or "" for loc in ET.parse(output / "sitemap.xml").getroot().findall(LOC)]


def test_every_page_but_404_is_listed(build_site: Callable[..., Path]) -> None:
    output = build_site(["sitemapxml"])
    listed = locations(output)
    pages = [p for p in output.rglob("*.html") if p.name != "404.html"]
    assert len(listed) == len(pages)
    # base_url defaults to SITEURL, then FEED_DOMAIN.
    assert "https://yunlan-police.example/" in listed
    assert "https://yunlan-police.example/stations/dongshan/" in listed
    assert "https://yunlan-police.example/guides/id-card-first/" in listed


def test_a_valid_override_takes_effect(build_site: Callable[..., Path]) -> None:
    output = build_site(
        ["sitemapxml"],
        SITEMAPXML={"base_url": "https://test.example/site/", "exclude": ["404.html", "search/index.html"]},
    )
    listed = locations(output)
    assert "https://test.example/site/stations/" in listed
    assert "https://test.example/site/search/" not in listed
    assert all(url.startswith("https://test.example/site/") for url in listed)


def test_an_unknown_key_stops_the_build(build_site: Callable[..., Path]) -> None:
    with pytest.raises(
        SettingsError, match=r"^sitemapxml: unknown key 'exlude' in SITEMAPXML; did you mean 'exclude'\?"
    ):
        build_site(["sitemapxml"], SITEMAPXML={"exlude": []})
