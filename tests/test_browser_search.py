"""Chinese queries typed into the search box find the right guide or post among the first three results."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import launched_browser, serve_folder

pytestmark = pytest.mark.browser

# The right answers: for 户口 any of the household-registration guides will do
# (four guides score almost alike, and Pagefind breaks such ties differently
# from one index build to the next).
QUERIES = [
    ("身份证", "身份證", ("/guides/id-card-",)),
    (
        "户口",
        "戶口",
        ("/guides/hukou-migration-family/", "/guides/birth-registration/", "/guides/death-registration-cancellation/"),
    ),
    ("电信诈骗", "電信詐騙", ("/stations/xinhualu/warning/xinhualu-warning-maochong-gongjianfa/",)),
    ("居住证", "居住證", ("/guides/residence-permit/",)),
]


@pytest.fixture(scope="module")
def session(demo_output: Path) -> Iterator[tuple[Any, str]]:
    with serve_folder(demo_output) as url, launched_browser() as browser:
        yield browser, url


def first_three(page: Any, url: str, prefix: str, query: str, shown: int = 3) -> list[str]:
    page.goto(f"{url}{prefix}/search/")
    page.get_by_role("searchbox").fill(query)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=30000)
    links: list[str] = page.locator("#search-results a").evaluate_all(
        f"els => els.slice(0, {shown}).map(e => e.getAttribute('href'))"
    )
    return links


@pytest.mark.parametrize(("simplified", "traditional", "expected"), QUERIES)
def test_query_finds_the_right_page(
    session: tuple[Any, str], simplified: str, traditional: str, expected: tuple[str, ...]
) -> None:
    browser, url = session
    browser_page = browser.new_page()
    simplified_links = first_three(browser_page, url, "", simplified)
    assert any(link.startswith(expected) for link in simplified_links), simplified_links
    traditional_links = first_three(browser_page, url, "/zh-hant", traditional)
    hant_expected = tuple("/zh-hant" + prefix for prefix in expected)
    assert any(link.startswith(hant_expected) for link in traditional_links), traditional_links


def test_results_show_title_station_and_date(session: tuple[Any, str]) -> None:
    browser, url = session
    browser_page = browser.new_page()
    first_three(browser_page, url, "", "电信诈骗")
    first = browser_page.locator("#search-results li").first.inner_text()
    assert "派出所" in first and "2026年" in first
    assert "找到" in browser_page.locator("#search-status").inner_text()


def test_without_javascript_the_search_page_lists_guides_and_stations(session: tuple[Any, str]) -> None:
    browser, url = session
    context = browser.new_context(java_script_enabled=False)
    no_js = context.new_page()
    no_js.goto(f"{url}/search/?q=身份证")
    no_js.get_by_role("link", name="居民身份证首次申领").click()
    assert no_js.locator("h1").inner_text() == "居民身份证首次申领"
    context.close()


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with its index split into several shards, as a big city's is."""
    import citykit

    output = tmp_path_factory.mktemp("sharded") / "output"
    citykit.build(citykit.ROOT / "content", output, SITESEARCH={"enabled": True, "pages_per_shard": 100})
    return output


def test_a_sharded_index_finds_pages_from_every_shard(session: tuple[Any, str], sharded_site: Path) -> None:
    import json

    shards = json.loads((sharded_site / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert len(shards["zh-cn"]) >= 2 and len(shards["zh-hant"]) >= 2
    browser, _ = session
    with serve_folder(sharded_site) as url:
        page = browser.new_page()
        # Each shard ranks with its own word statistics, so the right page is among the ten shown,
        # not always in the first three.
        for simplified, traditional, expected in QUERIES:
            links = first_three(page, url, "", simplified, shown=10)
            assert any(link.startswith(expected) for link in links), (simplified, links)
            hant = first_three(page, url, "/zh-hant", traditional, shown=10)
            assert any(link.startswith(tuple("/zh-hant" + e for e in expected)) for link in hant), (traditional, hant)


def test_the_shards_load_side_by_side_on_a_slow_network(session: tuple[Any, str], sharded_site: Path) -> None:
    """Each round trip costs a phone on a slow network a third of a second or more. The shards' files are
    fetched side by side: one after another, a search of a 20,000-post city waited for 28 shards' two files
    each, 56 round trips, before its first result."""
    import json

    shards = json.loads((sharded_site / "pagefind" / "shards.json").read_text(encoding="utf-8"))["zh-cn"]
    browser, _ = session
    requests: list[tuple[str, float, float]] = []
    with serve_folder(sharded_site, delay=0.3, requests=requests) as url:
        page = browser.new_page()
        links = first_three(page, url, "", "身份证", shown=10)
        page.close()
    assert any(link.startswith("/guides/id-card-") for link in links), links

    def overlapping(ending: str) -> int:
        """The most requests for files named ``ending`` that were waiting at once."""
        spans = [(started, answered) for path, started, answered in requests if path.split("?")[0].endswith(ending)]
        return max((sum(1 for s, a in spans if s <= moment < a) for moment, _ in spans), default=0)

    entries = [path for path, _, _ in requests if path.split("?")[0].endswith("/pagefind-entry.json")]
    assert len(entries) == len(shards), entries
    # Chromium opens at most six connections to one HTTP/1.1 server; the first shard's entry comes on its own.
    assert overlapping("/pagefind-entry.json") >= min(len(shards) - 1, 4)
    assert overlapping(".json") >= 2  # the shards' list and hot.json, asked for together


def test_the_index_loads_when_the_box_is_focused(session: tuple[Any, str], sharded_site: Path) -> None:
    """The round trips of a first search are spent while the reader types, not after."""
    import json

    browser, _ = session
    requests: list[tuple[str, float, float]] = []
    with serve_folder(sharded_site, requests=requests) as url:
        page = browser.new_page()
        page.goto(f"{url}/search/")
        page.wait_for_load_state("networkidle")
        assert not [path for path, _, _ in requests if "/pagefind/" in path]
        page.get_by_role("searchbox").focus()
        second = json.loads((sharded_site / "pagefind" / "shards.json").read_bytes())["zh-cn"][1]
        wanted = {"/pagefind/shards.json", f"/pagefind/{second}pagefind-entry.json"}
        deadline = time.monotonic() + 20
        while not wanted <= {path.split("?")[0] for path, _, _ in requests} and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        page.close()
    assert wanted <= {path.split("?")[0] for path, _, _ in requests}, sorted(path for path, _, _ in requests)


def test_a_search_after_a_dropped_connection_tries_again(session: tuple[Any, str]) -> None:
    """A phone that lost the network for the first search gets results at the next one, without reloading."""
    browser, url = session
    page = browser.new_page()
    offline = [True]
    dropped: list[str] = []

    def drop_while_offline(route: Any) -> None:
        if offline[0]:
            dropped.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/pagefind/shards.json", drop_while_offline)
    page.goto(f"{url}/search/")
    page.get_by_role("searchbox").fill("身份证")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('search-status').textContent.includes('暂时无法使用')")
    assert dropped
    offline[0] = False
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=30000)
    assert page.locator("#search-results a").first.get_attribute("href")
    page.close()


def test_a_search_fetches_only_its_own_languages_shards(session: tuple[Any, str], sharded_site: Path) -> None:
    """A shard holds one language and a reader's search merges only its own language's: at 20,000 posts
    half of the 28 shards, each a word list and index chunks to fetch."""
    import json

    by_language = json.loads((sharded_site / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert len(by_language["zh-cn"]) >= 2 and len(by_language["zh-hant"]) >= 2
    browser, _ = session
    for prefix, query, language in (("", "身份证", "zh-cn"), ("/zh-hant", "身份證", "zh-hant")):
        requests: list[tuple[str, float, float]] = []
        with serve_folder(sharded_site, requests=requests) as url:
            page = browser.new_page()
            links = first_three(page, url, prefix, query, shown=10)
            page.close()
        assert any(link.startswith(f"{prefix}/guides/id-card-") for link in links), links
        fetched = {path.split("/")[2] + "/" for path, _, _ in requests if path.startswith("/pagefind/s")}
        fetched.discard("shards.json/")
        assert fetched == set(by_language[language]), (language, sorted(fetched))
