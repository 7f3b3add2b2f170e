"""The public pages at 320, 390 and 1280 px: nothing wider than the screen, every control big enough,
and the station facts, warning levels, address lookup and search as a citizen uses them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import launched_browser, serve_folder

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1280)
PAGES = {
    "home": "/",
    "stations": "/stations/",
    "station": "/stations/qingshan/",
    "lookup": "/stations/lookup/",
    "warnings": "/warnings/",
    "station-warnings": "/stations/qingshan/warning/",
    "urgent-warning": "/stations/qingshan/warning/qingshan-warning-senlin-fanghuo/",
    "search": "/search/",
    "kaohe": "/kaohe/",
    "kaohe-month": "/kaohe/month/2026-11/",
    "guide": "/guides/residence-permit/",
    "privacy": "/privacy/",
    "accessibility": "/accessibility/",
    "hazards": "/hazards/",
    "not-found": "/404.html",
    "hant-station": "/zh-hant/stations/qingshan/",
}
# What a finger taps: form controls, and links that stand on their own (not links inside a sentence).
CONTROLS = ", ".join(
    [
        "button", "select", "textarea", "input:not([type=hidden]):not([type=radio]):not([type=checkbox])",
        "label.choice", ".large-text-label", ".brand", ".edition-switch", "header nav a", ".links a", ".letters a",
        ".call a", ".cards a", ".places > li > a", ".posts li > a:first-child", ".pages a", ".footer-links a",
        ".records a", ".crumbs a", ".more a", "h2 > a:only-child",
    ]
)  # fmt: skip
SMALL_CONTROLS = """selector => [...document.querySelectorAll(selector)]
  .filter(el => el.getClientRects().length && !el.closest('[hidden], .hp, .skip'))
  .map(el => { const r = el.getBoundingClientRect();
    return {what: el.outerHTML.slice(0, 80), width: Math.round(r.width), height: Math.round(r.height)}; })
  .filter(box => box.width < 44 || box.height < 44)"""


@pytest.fixture(scope="module")
def site(demo_output: Path) -> Iterator[str]:
    with serve_folder(demo_output) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_browser() as launched:
        yield launched


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_no_overflow_and_no_small_controls(browser: Any, site: str, name: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(site + PAGES[name])
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(SMALL_CONTROLS, CONTROLS) == []
    context.close()


def test_station_facts_and_a_call_button_are_on_the_first_phone_screen(browser: Any, site: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(site + PAGES["station"])
    call = page.locator(".call a").first
    assert call.get_attribute("href", timeout=1000).startswith("tel:")
    assert call.bounding_box()["y"] + 48 < 844
    assert page.locator(".station-facts dd").first.bounding_box()["y"] < 844
    context.close()


def contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_warning_levels_have_their_own_colours_at_aa_contrast(browser: Any, site: str) -> None:
    page = browser.new_page()
    badges = []
    for name in ("warnings", "station-warnings", "home"):
        page.goto(site + PAGES[name])
        badges += page.evaluate(
            """() => [...document.querySelectorAll('.tag')].map(el => ({level: el.textContent,
                colour: getComputedStyle(el).color, background: getComputedStyle(el).backgroundColor}))"""
        )
    backgrounds: dict[str, set[str]] = {}
    for badge in badges:
        assert contrast(badge["colour"], badge["background"]) >= 4.5, badge
        backgrounds.setdefault(badge["level"], set()).add(badge["background"])
    levels = {"红色预警", "橙色预警", "黄色预警", "蓝色预警"} & set(backgrounds)
    assert len(levels) >= 3, backgrounds
    assert len({next(iter(backgrounds[level])) for level in levels}) == len(levels)
    page.close()


def test_a_red_or_orange_warning_page_looks_urgent(browser: Any, site: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(site + PAGES["urgent-warning"])
    strip = page.locator(".alert-strip.urgent")
    assert strip.is_visible()
    box = strip.bounding_box()
    assert box["y"] < page.locator("h1").bounding_box()["y"]
    colours = strip.evaluate("el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
    assert contrast(*colours) >= 4.5
    assert page.locator(".subscribe").inner_text().count("订阅") >= 2
    page.close()


def test_the_address_lookup_works_without_javascript(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + PAGES["lookup"])
    assert not page.locator("#lookup-form").is_visible()
    page.get_by_role("link", name="D", exact=True).click()
    assert page.url.endswith("#letter-D")
    row = page.locator(".places li", has=page.locator(".place", has_text="东山社区"))
    assert row.is_visible() and row.get_by_role("link", name="东山派出所").is_visible()
    context.close()


def test_the_address_lookup_narrows_with_javascript(browser: Any, site: str) -> None:
    page = browser.new_page()
    page.goto(site + PAGES["lookup"])
    page.get_by_label("输入街道、社区、村或地点名称").fill("滨江小区3栋")
    visible = page.locator(".places li:visible")
    assert visible.count() >= 1
    assert all("滨江" in text for text in visible.all_inner_texts())
    assert "北岸派出所" in visible.first.inner_text()
    page.close()


def test_search_without_javascript_says_it_needs_javascript(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/search/?q=身份证")
    assert "全文搜索需要浏览器开启 JavaScript" in page.locator("main").inner_text()
    assert page.locator("#search-index").is_visible()
    context.close()


def test_search_pages_through_results_with_clean_excerpts(browser: Any, site: str) -> None:
    page = browser.new_page()
    page.goto(site + "/search/?q=派出所")
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=30000)
    status = page.locator("#search-status").inner_text()
    total = int(re.search(r"找到 (\d+) 条结果", status)[1])
    assert total > 10 and "第 1–10 条" in status
    assert page.locator("#search-results li").count() == 10
    for row in page.locator("#search-results li").all():
        title = row.locator("a").inner_text()
        excerpt = row.locator(".excerpt").inner_text().strip()
        assert excerpt and not excerpt.startswith(title) and "· 所长" not in excerpt, (title, excerpt)
        meta = row.locator(".meta").first.inner_text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}", meta), meta
    assert page.locator("#search-results mark").count() > 0
    page.get_by_role("button", name="下一页").click()
    page.wait_for_function("document.getElementById('search-status').textContent.includes('第 11–')")
    assert "page=2" in page.url
    page.reload()
    page.wait_for_function("document.getElementById('search-status').textContent.includes('第 11–')")
    assert page.locator("#search-q").input_value() == "派出所"
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_kaohe_table_shows_every_column(browser: Any, site: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(site + PAGES["kaohe"])
    if width >= 1280:
        header = page.locator("table.figures").first.locator("thead th").last
        assert header.inner_text() == "排名" and header.is_visible()
        for table in page.locator("table.figures").all():  # the figures and the ranking behind them
            header = table.locator("thead th").last
            box, outline = header.bounding_box(), table.bounding_box()
            assert box["x"] + box["width"] <= outline["x"] + outline["width"] + 1 <= width
            assert box["height"] < 80  # a heading on one or two lines, not one character a line
    else:
        rank = page.locator("table.figures").first.locator("tbody tr").first.locator("td").last
        assert rank.evaluate("el => getComputedStyle(el, '::before').content") == '"排名"'
        assert rank.bounding_box()["x"] + rank.bounding_box()["width"] <= width
    page.close()


# Each row of the 考核 chart: its box, the boxes of its name and number, the number's text and font size, and how
# long the bar is against its track (the whole row is 100 %).
CHART_ROWS = """() => [...document.querySelectorAll('figure.chart-figure .chart li')].map(li => {
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
  const label = li.querySelector('.chart-label'), name = li.querySelector('.chart-name');
  return {row: box(li), name: box(name), label: box(label), text: label.textContent, nameText: name.textContent,
    size: parseFloat(getComputedStyle(label).fontSize), nameSize: parseFloat(getComputedStyle(name).fontSize),
    fill: li.querySelector('.chart-fill').getBoundingClientRect().width,
    track: li.querySelector('.chart-bar').clientWidth}; })"""


@pytest.mark.parametrize(
    "how", ["phone 360", "phone text size 200%", "browser zoom 200%", "the site's 大字号", "desktop 1280"]
)  # fmt: skip
def test_the_kaohe_chart_is_page_text_that_fits_the_screen(browser: Any, site: str, how: str) -> None:
    """The chart was an SVG drawn 600 wide: on a 360 px phone it shrank to 41 % and its labels were 5 px, whatever
    the reader's text size. Now each station is a row of page text: its name, its number written out, and a bar."""
    zoom = how.startswith("browser")
    width = 1280 if how.startswith("desktop") else 180 if zoom else 360
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(site + PAGES["kaohe-month"])
    normal = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)"))
    if how.startswith("phone text"):
        page.add_style_tag(content="html{font-size:212.5% !important}")  # Android's font scale on our 106.25%
    elif how.startswith("the site"):
        page.locator(".large-text-label").click()
    rows = page.evaluate(CHART_ROWS)
    assert rows and page.locator("svg.chart").count() == 0
    body = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)"))
    if how.startswith(("phone text", "the site")):
        assert body > normal  # the text did grow, and the chart with it
    for row in rows:
        assert re.fullmatch(r"\d+%（\d+/\d+ 件）", row["text"]), row  # the number is written: no colour needed
        assert row["size"] == row["nameSize"] == body >= 16, row  # page text, at the page's size
        for part in ("name", "label"):  # nothing runs past its row
            assert row["row"][0] - 0.5 <= row[part][0] and row[part][1] <= row["row"][1] + 0.5, (part, row)
            assert row["row"][2] - 0.5 <= row[part][2] and row[part][3] <= row["row"][3] + 0.5, (part, row)
        share = int(row["text"].split("%")[0])
        assert abs(row["fill"] - row["track"] * share / 100) <= 1, row  # the bar is as long as the number says
    if how.startswith("desktop"):  # name, bar and number side by side on one row
        assert all(row["label"][2] < row["name"][3] and row["name"][2] < row["label"][3] for row in rows), rows
    tracks = {row["track"] for row in rows}
    assert len(tracks) == 1, tracks  # one track for every bar, so the lengths compare
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_tap_on_the_middle_of_the_edition_switch_opens_the_traditional_page(
    browser: Any, site: str, width: int
) -> None:
    """The hidden 大字号 checkbox once lay over 繁體 (a later rule sized every checkbox 1.4rem): a tap there ticked
    large text instead of switching edition."""
    context = browser.new_context(viewport={"width": width, "height": 800}, has_touch=True)
    page = context.new_page()
    page.goto(site + PAGES["guide"])
    box = page.locator(".edition-switch").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/zh-hant/guides/residence-permit/")
    assert not page.locator("#large-text").is_checked()
    context.close()


LINES_OF = """selector => { const range = document.createRange();
  range.selectNodeContents(document.querySelector(selector));
  return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size; }"""


@pytest.mark.parametrize(
    "how", ["phone text size 200%", "browser zoom 200%", "the site's 大字号"]
)  # fmt: skip
def test_at_large_text_the_header_wraps_instead_of_squeezing_the_site_name(browser: Any, site: str, how: str) -> None:
    """The name, 繁體 and 大字号 shared one row whatever the text size: at 200% the name was squeezed to one
    character a line and the header filled two screens before the page began."""
    zoom = how.startswith("browser")
    context = browser.new_context(viewport={"width": 180 if zoom else 360, "height": 320 if zoom else 640})
    page = context.new_page()
    page.goto(site + PAGES["guide"])
    if how.startswith("phone"):
        page.add_style_tag(content="html{font-size:212.5% !important}")  # Android's font scale on our 106.25%
    elif how.startswith("the site"):
        page.locator(".large-text-label").click()
    assert page.evaluate(LINES_OF, ".brand") <= 3
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    context.close()


SMALL_TEXT = """() => [...document.querySelectorAll('body *')]
  .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .filter(el => el.getClientRects().length && !el.closest('.hp, .skip, [hidden]'))
  .filter(el => parseFloat(getComputedStyle(el).fontSize) < 16)
  .map(el => el.outerHTML.slice(0, 60) + ' ' + getComputedStyle(el).fontSize)"""


@pytest.mark.parametrize("name", list(PAGES))
def test_no_text_is_smaller_than_16_px(browser: Any, site: str, name: str) -> None:
    """Dates, notes and warning tags were 15.3-15.98 px: the smallest text an older reader gets is 16 px.
    The 考核 chart too: it was an SVG whose 13-unit labels (5 px on a phone) this test once left out."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(site + PAGES[name])
    assert page.evaluate(SMALL_TEXT) == []
    context.close()
