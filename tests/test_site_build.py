"""The demo content built for real: every page exists, links resolve, pages are light."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import feedparser
import pytest

import citykit
from citymodel import City, load_city
from sitecheck import local_target, pages_over_budget, parse_page

PAGE_BUDGET = 14 * 1024


@cache
def demo_city() -> City:
    return load_city(citykit.settings_for(citykit.ROOT / "content", citykit.ROOT / "output"))


def html_pages(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def test_demo_content_is_big_enough() -> None:
    city = demo_city()
    assert not city.problems, city.problems
    assert len(city.stations) >= 12
    assert len({s.district for s in city.stations.values()}) >= 3
    assert len(city.guides) >= 12
    assert len({g.category for g in city.guides.values()}) >= 6
    for station in city.stations.values():
        modules = {p.module for p in city.posts.values() if p.station == station.slug}
        assert {"worklog", "warning", "disclosure"} <= modules, station.slug
        assert sum(1 for p in city.posts.values() if p.station == station.slug and p.module == "worklog") >= 3
        warnings = [p.warning for p in city.posts.values() if p.station == station.slug and p.warning]
        now = city.now()
        assert any(w.is_active(now) for w in warnings) and any(w.is_expired(now) for w in warnings), station.slug
    assert sum(1 for s in city.stations.values() if s.modules) >= 3


def test_every_station_module_guide_and_feed_exists(demo_output: Path) -> None:
    city = demo_city()
    for station in city.stations.values():
        assert (demo_output / station.url / "index.html").is_file()
        assert (demo_output / "feeds" / "stations" / f"{station.slug}.atom.xml").is_file()
        for module in city.modules_of(station):
            assert (demo_output / station.url / module / "index.html").is_file()
            assert (demo_output / "feeds" / "stations" / station.slug / f"{module}.atom.xml").is_file()
    for post in city.posts.values():
        assert (demo_output / "stations" / post.station / post.module / post.slug / "index.html").is_file()
    for guide in city.guides.values():
        page = demo_output / guide.url / "index.html"
        assert page.is_file()
        for _, form in guide.forms:
            assert (demo_output / form).is_file()
    for name in (
        "index.html",
        "404.html",
        "stations/index.html",
        "guides/index.html",
        "warnings/index.html",
        "sitemap.xml",
    ):
        assert (demo_output / name).is_file(), name


def test_no_broken_internal_links_or_fragments(demo_output: Path) -> None:
    broken = []
    ids: dict[Path, set[str]] = {}
    for page in html_pages(demo_output):
        for href in parse_page(page).links:
            found = local_target(demo_output, page, href)
            if found is None:
                continue
            target, fragment = found
            if not target.is_file():
                broken.append(f"{page.relative_to(demo_output)} -> {href}")
            elif fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = parse_page(target).ids
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(demo_output)} -> {href} (no such id)")
    assert broken == []


def test_sitemap_lists_every_page(demo_output: Path) -> None:
    tree = ET.parse(demo_output / "sitemap.xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {loc.text for loc in tree.findall("s:url/s:loc", namespace)}
    base = "https://yunlan-police.example/"
    expected = set()
    for page in html_pages(demo_output):
        relative = page.relative_to(demo_output).as_posix()
        if relative.endswith("404.html"):
            continue
        expected.add(base + relative.removesuffix("index.html"))
    assert locs == expected


def test_feeds_parse_and_list_the_posts(demo_output: Path) -> None:
    city = demo_city()
    feeds = sorted((demo_output / "feeds").rglob("*.atom.xml"))
    assert len(feeds) > len(city.stations)
    for feed_path in feeds:
        parsed = feedparser.parse(feed_path.read_bytes())
        assert not parsed.bozo, (feed_path, parsed.get("bozo_exception"))
    station = next(iter(city.stations.values()))
    worklog = feedparser.parse((demo_output / "feeds" / "stations" / station.slug / "worklog.atom.xml").read_bytes())
    titles = {entry.title for entry in worklog.entries}
    assert titles == {p.title for p in city.posts.values() if p.station == station.slug and p.module == "worklog"}


def test_stations_json_matches_the_station_files(demo_output: Path) -> None:
    data = json.loads((demo_output / "api" / "stations.json").read_text(encoding="utf-8"))
    city = demo_city()
    assert data["schema"] == 1
    assert [s["slug"] for s in data["stations"]] == sorted(city.stations)
    for entry in data["stations"]:
        source = (citykit.ROOT / "content" / "stations" / f"{entry['slug']}.md").read_text(encoding="utf-8")
        for key, field in (
            ("name", "Name"),
            ("district", "District"),
            ("phone", "Phone"),
            ("report_phone", "Report_Phone"),
            ("address", "Address"),
        ):
            assert f"{field}: {entry[key]}\n" in source
        assert f"Chief: {entry['chief']['name']}\n" in source
        assert f"Email: {entry['email']}\n" in source


def test_active_warnings_in_banners_and_expired_ones_only_in_archive(demo_output: Path) -> None:
    city = demo_city()
    now = city.now()
    home = (demo_output / "index.html").read_text(encoding="utf-8")
    banner = home.split('<section class="banner"', 1)[1].split("</section>", 1)[0]
    for post in city.posts.values():
        if post.warning is None:
            continue
        station_page = (demo_output / "stations" / post.station / "index.html").read_text(encoding="utf-8")
        station_banner = (
            station_page.split('<section class="banner"', 1)[1].split("</section>", 1)[0]
            if 'class="banner"' in station_page
            else ""
        )
        link = f"/stations/{post.station}/warning/{post.slug}/"
        if post.warning.is_expired(now):
            assert link not in banner and link not in station_banner, post.slug
            module_page = (demo_output / "stations" / post.station / "warning" / "index.html").read_text(
                encoding="utf-8"
            )
            assert link in module_page
        elif post.warning.is_active(now):
            assert link in station_banner, post.slug


def test_expired_warning_leaves_the_banner_by_itself(city_content: Path, tmp_path: Path) -> None:
    """The same content, built after the active warning's expiry, has no banner."""
    city = dict(citykit.settings_for(city_content, tmp_path)["CITY"])
    city["today"] = "2027-06-01 00:00"
    citykit.build(city_content, tmp_path / "later", CITY=city)
    home = (tmp_path / "later" / "index.html").read_text(encoding="utf-8")
    assert 'class="banner"' not in home
    archive = (tmp_path / "later" / "warnings" / "index.html").read_text(encoding="utf-8")
    assert "/stations/dongshan/warning/dongshan-warning-active/" in archive


def test_every_page_names_the_emergency_numbers_and_language(demo_output: Path) -> None:
    for page in html_pages(demo_output):
        parsed = parse_page(page)
        text = "".join(parsed.text)
        assert "110" in text and "12110" in text, page
        hant = page.relative_to(demo_output).as_posix().startswith("zh-hant/")
        assert parsed.lang == ("zh-Hant" if hant else "zh-CN"), page


def test_every_page_fits_in_the_first_round_trip(demo_output: Path) -> None:
    """HTML plus the CSS it loads, gzip-compressed, at most 14 KB (images excluded)."""
    assert pages_over_budget(demo_output, PAGE_BUDGET) == []


def test_page_weight_check_catches_a_heavy_page_and_counts_its_css(tmp_path: Path) -> None:
    """The budget check above is not vacuous: a page padded with text fails, and so does one with heavy CSS."""
    import os

    (tmp_path / "light.html").write_text('<link rel="stylesheet" href="/site.css"><p>轻</p>', encoding="utf-8")
    (tmp_path / "site.css").write_text("p{color:#000}", encoding="utf-8")
    assert pages_over_budget(tmp_path, PAGE_BUDGET) == []
    (tmp_path / "heavy.html").write_text("<p>" + os.urandom(20000).hex() + "</p>", encoding="utf-8")
    (tmp_path / "styled.html").write_text('<link rel="stylesheet" href="/big.css"><p>x</p>', encoding="utf-8")
    (tmp_path / "big.css").write_text("/*" + os.urandom(20000).hex() + "*/", encoding="utf-8")
    assert [name for name, _ in pages_over_budget(tmp_path, PAGE_BUDGET)] == ["heavy.html", "styled.html"]


def test_module_lists_paginate(city_content: Path, tmp_path: Path) -> None:
    for day in range(1, 26):
        citykit.add_post(city_content, "xihu", "worklog", f"xihu-w-{day}", f"2026-10-{day:02d} 09:00")
    citykit.build(city_content, tmp_path / "out")
    first = (tmp_path / "out" / "stations" / "xihu" / "worklog" / "index.html").read_text(encoding="utf-8")
    second = (tmp_path / "out" / "stations" / "xihu" / "worklog" / "2" / "index.html").read_text(encoding="utf-8")
    assert 'rel="next" href="/stations/xihu/worklog/2/"' in first
    assert 'rel="prev" href="/stations/xihu/worklog/"' in second
    assert first.count('<li><a href="/stations/xihu/worklog/') == 20
    assert second.count('<li><a href="/stations/xihu/worklog/') == 6


def test_guide_page_shows_steps_fee_and_forms(city_content: Path, tmp_path: Path) -> None:
    citykit.write(
        city_content / "guides" / "id-card" / "free.md",
        citykit.GUIDE.format(slug="free", fee="不收费", steps=citykit.STEPS),
    )
    citykit.build(city_content, tmp_path / "out")
    free = (tmp_path / "out" / "guides" / "free" / "index.html").read_text(encoding="utf-8")
    assert '<strong class="free">不收费</strong>' in free
    assert '<div class="body steps">' in free and "<ol>" in free
    assert 'href="/forms/id-blank.pdf" download' in free
    paid = (tmp_path / "out" / "guides" / "id-card-first" / "index.html").read_text(encoding="utf-8")
    assert "20元" in paid and "不收费" not in paid


def test_a_guide_that_gives_110_names_it_the_report_number(demo_output: Path) -> None:
    """110 is not an enquiries line: the missing-person guide's number is labelled as the one to report on."""
    missing = (demo_output / "guides" / "missing-person-report" / "index.html").read_text(encoding="utf-8")
    assert '<dt>报警电话</dt><dd><a href="tel:110">110</a></dd>' in missing
    assert "<dt>咨询电话</dt>" not in missing
    passport = (demo_output / "guides" / "ordinary-passport" / "index.html").read_text(encoding="utf-8")
    assert "<dt>咨询电话</dt>" in passport and "<dt>报警电话</dt>" not in passport


def test_station_page_has_profile_contact_and_forms(city_content: Path, tmp_path: Path) -> None:
    citykit.build(city_content, tmp_path / "out", RELAY_URL="https://relay.test")
    page = (tmp_path / "out" / "stations" / "dongshan" / "index.html").read_text(encoding="utf-8")
    for needed in (
        "一级警督",
        "031107",
        "0417-2000001",
        "0417-2000002",
        "周一至周五 8:30-17:30",
        "48 岁",
        'action="https://relay.test/ask"',
        'action="https://relay.test/rate"',
        "社区动态",
        'src="/images/chiefs/dongshan.jpg"',
    ):
        assert needed in page, needed
    post = (tmp_path / "out" / "stations" / "dongshan" / "worklog" / "dongshan-worklog-1" / "index.html").read_text(
        encoding="utf-8"
    )
    assert post.index('<aside class="contact') > post.index("</main>")
    assert "0417-2000001" in post.split('<aside class="contact', 1)[1]


@pytest.mark.parametrize("page", ["index.html", "stations/index.html", "guides/index.html", "404.html"])
def test_contact_block_is_in_the_same_place_on_every_page(demo_output: Path, page: str) -> None:
    html = (demo_output / page).read_text(encoding="utf-8")
    assert html.index('<aside class="contact') > html.index("</main>") > 0
    assert html.index('<aside class="contact') < html.index("<footer")


def test_a_guides_online_service_is_a_link_in_words_not_a_web_address(demo_output: Path) -> None:
    """The guide showed https://zwfw.yunlan.example/police/... as the link's text: noise to an older reader."""
    passport = (demo_output / "guides" / "ordinary-passport" / "index.html").read_text(encoding="utf-8")
    link = '<a href="https://zwfw.yunlan.example/police/exit-entry/appointment">去网上办理（zwfw.yunlan.example）</a>'
    assert f"<dt>网上办理</dt><dd>{link}</dd>" in passport
