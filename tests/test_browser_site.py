"""What a person sees in headless Chromium: no errors, no failed requests, no axe violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import AXE, launched_browser, require, serve_folder

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "station": "/stations/{station}/",
    "guide": "/guides/{guide}/",
    "post": "/stations/{station}/worklog/{post}/",
    "guides": "/guides/",
    "stations": "/stations/",
    "kaohe": "/kaohe/",
    "kaohe-month": "/kaohe/month/2026-11/",
    "kaohe-week": "/kaohe/week/2026-W47/",
    "kaohe-data": "/kaohe/data/",
    "station-past-chiefs": "/stations/hubin/",
    "answer": "/stations/hubin/qa/{answer}/",
    "hazards": "/hazards/",
    "search": "/search/",
    "hant-station": "/zh-hant/stations/{station}/",
    "lookup": "/stations/lookup/",
    "urgent-warning": "/stations/qingshan/warning/qingshan-warning-senlin-fanghuo/",
    "warnings": "/warnings/",
    "privacy": "/privacy/",
    "accessibility": "/accessibility/",
}


@pytest.fixture(scope="module")
def site(demo_output: Path) -> Iterator[str]:
    with serve_folder(demo_output) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_browser() as launched:
        yield launched


def page_urls(demo_output: Path) -> dict[str, str]:
    from test_site_build import demo_city

    city = demo_city()
    station = sorted(city.stations)[0]
    post = next(
        p.slug
        for p in sorted(city.posts.values(), key=lambda p: p.slug)
        if p.station == station and p.module == "worklog"
    )
    guide = sorted(city.guides)[0]
    answer = next(
        p.name for p in (demo_output / "stations" / "hubin" / "qa").iterdir() if p.is_dir() and p.name.startswith("qa-")
    )
    return {name: path.format(station=station, guide=guide, post=post, answer=answer) for name, path in PAGES.items()}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_errors_and_no_axe_violations(browser: Any, site: str, demo_output: Path, name: str) -> None:
    require(AXE.is_file(), "axe-core missing: run npm ci")
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    page.on(
        "response",
        lambda response: errors.append(f"{response.status}: {response.url}") if response.status >= 400 else None,
    )
    page.goto(site + page_urls(demo_output)[name], wait_until="load")
    assert errors == []
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert violations == []
    page.close()


@pytest.mark.parametrize("name", ["home", "station", "guide", "post"])
def test_pages_work_without_javascript(browser: Any, site: str, demo_output: Path, name: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + page_urls(demo_output)[name])
    assert page.locator("h1").first.is_visible()
    assert "12110" in page.locator("header").inner_text()
    before = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    page.get_by_text("大字号").click()
    after = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    assert float(after.removesuffix("px")) > float(before.removesuffix("px")) * 1.2
    page.get_by_role("link", name="办事指南").first.click()
    page.wait_for_url("**/guides/")
    assert page.locator("h1").inner_text() == "办事指南"
    context.close()


def test_large_text_choice_is_remembered_with_javascript(browser: Any, site: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(site + "/")
    page.get_by_text("大字号").click()
    page.goto(site + "/guides/")
    assert page.locator("#large-text").is_checked()
    context.close()


def test_keyboard_reaches_the_skip_link_first(browser: Any, site: str) -> None:
    page = browser.new_page()
    page.goto(site + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.close()
