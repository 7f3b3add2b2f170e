"""What a citizen reads first, checked in the built demo site: station facts, warning levels, dates."""

from __future__ import annotations

import re
from pathlib import Path

from test_site_build import demo_city


def station_page(demo_output: Path, slug: str) -> str:
    return (demo_output / "stations" / slug / "index.html").read_text(encoding="utf-8")


def test_station_facts_and_tap_to_call_come_before_the_chief_and_the_posts(demo_output: Path) -> None:
    city = demo_city()
    for station in city.stations.values():
        html = station_page(demo_output, station.slug)
        facts = html.index('<section class="station-facts"')
        assert html.index("<h1>") < facts < html.index('<section class="profile"')
        block = html[facts : html.index("</section>", facts)]
        assert f'<a href="tel:{station.phone}">拨打办公电话 {station.phone}</a>' in block
        for fact in (station.address, station.hours, station.jurisdiction):
            assert fact in block


def test_the_directory_shows_office_hours_and_the_address_lookup(demo_output: Path) -> None:
    html = (demo_output / "stations" / "index.html").read_text(encoding="utf-8")
    for station in demo_city().stations.values():
        assert f"办公时间：{station.hours}" in html
    assert 'href="/stations/lookup/"' in html


def test_the_lookup_page_names_a_station_for_every_community(demo_output: Path) -> None:
    html = (demo_output / "stations" / "lookup" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<li><span class="place">滨江社区</span><a href="/stations/beian/">', html)
    assert re.search(r'<li><span class="place">茶园村</span><a href="/stations/qingshan/">', html)


def test_warning_badges_carry_their_level(demo_output: Path) -> None:
    city = demo_city()
    keys = {"红色": "red", "橙色": "orange", "黄色": "yellow", "蓝色": "blue"}
    warnings = (demo_output / "stations" / "qingshan" / "warning" / "index.html").read_text(encoding="utf-8")
    for post in city.posts.values():
        if post.station == "qingshan" and post.warning:
            badge = f'<strong class="tag level-{keys[post.warning.level]}">{post.warning.level}预警</strong>'
            assert badge in warnings


def test_red_and_orange_warning_pages_look_urgent_and_explain_subscribing(demo_output: Path) -> None:
    city = demo_city()
    now = city.now()
    seen = set()
    for post in city.posts.values():
        if not post.warning:
            continue
        html = (demo_output / "stations" / post.station / "warning" / post.slug / "index.html").read_text(
            encoding="utf-8"
        )
        urgent = post.warning.level in ("红色", "橙色") and not post.warning.is_expired(now)
        assert ('class="alert-strip level-' in html) and (
            " urgent" in html.split('class="alert-strip', 1)[1].split('"', 1)[0]
        ) == urgent
        assert "CAP 1.2 格式" not in html
        assert "订阅阅读软件" in html and 'href="/feeds/warning.atom.xml"' in html
        seen.add((post.warning.level, urgent))
    assert ("红色", True) in seen or ("橙色", True) in seen


def test_dates_have_one_format(demo_output: Path) -> None:
    guide = next((demo_output / "guides").glob("*/index.html")).read_text(encoding="utf-8")
    assert re.search(
        r'<time datetime="\d{4}-\d{2}-\d{2}" data-pagefind-meta="date">\d{4}年\d{2}月\d{2}日</time>', guide
    )


def test_a_station_lists_its_most_severe_warning_first(demo_output: Path) -> None:
    html = station_page(demo_output, "qingshan")
    banner = html.split('<section class="banner"', 1)[1].split("</section>", 1)[0]
    levels = re.findall(r'class="tag level-(\w+)"', banner)
    order = ["red", "orange", "yellow", "blue"]
    assert len(levels) >= 2 and levels == sorted(levels, key=order.index)


def test_the_footer_leads_people_to_pages_not_to_machine_files(demo_output: Path) -> None:
    """网站地图 opened the raw sitemap.xml and 订阅更新（Atom） the raw feed: code to whoever tapped them."""
    for page in ("index.html", "guides/index.html", "zh-hant/index.html"):
        html = (demo_output / page).read_text(encoding="utf-8")
        footer = html[html.index('<ul class="footer-links">') :]
        footer = footer[: footer.index("</ul>")]
        assert ".xml" not in footer, page
    html = (demo_output / "index.html").read_text(encoding="utf-8")
    assert '<a href="/warnings/#subscribe-title">订阅预警</a>' in html
    assert 'id="subscribe-title"' in (demo_output / "warnings" / "index.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml"' in html  # feed readers still find the feed
