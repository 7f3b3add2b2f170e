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
    assert shards.keys() == {"zh-cn"} and len(shards["zh-cn"]) >= 2  # the Traditional pages search it too
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


def test_both_editions_fetch_the_same_simplified_shards(session: tuple[Any, str], sharded_site: Path) -> None:
    """The index holds the Simplified pages only; a Traditional question is searched in it made Simplified, so
    a reader on either edition fetches the same shards (before, each edition had its own, and Pagefind split
    most Traditional words into characters)."""
    import json

    by_language = json.loads((sharded_site / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert by_language.keys() == {"zh-cn"} and len(by_language["zh-cn"]) >= 2
    browser, _ = session
    for prefix, query, language in (("", "身份证", "zh-cn"), ("/zh-hant", "身份證", "zh-cn")):
        requests: list[tuple[str, float, float]] = []
        with serve_folder(sharded_site, requests=requests) as url:
            page = browser.new_page()
            links = first_three(page, url, prefix, query, shown=10)
            page.close()
        assert any(link.startswith(f"{prefix}/guides/id-card-") for link in links), links
        fetched = {path.split("/")[2] + "/" for path, _, _ in requests if path.startswith("/pagefind/s")}
        fetched.discard("shards.json/")
        assert fetched == set(by_language[language]), (language, sorted(fetched))


# The results page as search.js leaves it: 派出所 finds many pages of results in the demo, 户口 two, 居住证 one.
SETTLED = """() => { const status = document.getElementById('search-status').textContent;
  return status && !status.includes('正在搜索'); }"""


def settled_status(page: Any) -> str:
    """The status line once the search or page turn on its way has shown its results (or said it found none)."""
    page.wait_for_function(SETTLED, timeout=30000)
    status: str = page.locator("#search-status").inner_text()
    return status


def search_for(page: Any, query: str) -> str:
    page.get_by_role("searchbox").fill(query)
    page.keyboard.press("Enter")
    return settled_status(page)


def test_the_pager_shows_only_for_more_than_one_page_of_results(session: tuple[Any, str]) -> None:
    """上一页/下一页 stay out of sight before a search, without JavaScript and for one page of results;
    the button that cannot be used looks it, at the size and contrast of the others."""
    from test_browser_layout import contrast

    browser, url = session
    context = browser.new_context(java_script_enabled=False)
    no_js = context.new_page()
    no_js.goto(f"{url}/search/?q=身份证")
    assert not no_js.locator("#search-pages").is_visible()
    context.close()
    page = browser.new_page()
    page.goto(f"{url}/search/")
    assert not page.locator("#search-pages").is_visible()
    assert "找到 6 条结果" in search_for(page, "居住证")
    assert not page.locator("#search-pages").is_visible()
    assert "找到 17 条结果" in search_for(page, "户口")
    assert page.locator("#search-pages").is_visible()
    previous, following = page.get_by_role("button", name="上一页"), page.get_by_role("button", name="下一页")
    assert previous.is_disabled() and following.is_enabled()
    look = "el => { const s = getComputedStyle(el); return [s.color, s.backgroundColor, s.borderBottomStyle]; }"
    disabled, enabled = previous.evaluate(look), following.evaluate(look)
    assert disabled != enabled
    assert contrast(disabled[0], disabled[1]) >= 4.5
    for button in (previous, following):
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    page.close()


def test_a_typed_search_is_kept_in_the_address(session: tuple[Any, str]) -> None:
    """Results found while typing (no 搜索 pressed) come back after opening one and pressing Back, or a reload:
    the address carries the query (the box does not refill itself, autocomplete being off)."""
    browser, url = session
    page = browser.new_page()
    page.goto(f"{url}/search/")
    page.get_by_role("searchbox").fill("居住证")  # typed: the search starts by itself
    assert "找到 6 条结果" in settled_status(page)
    assert page.url == f"{url}/search/?q=%E5%B1%85%E4%BD%8F%E8%AF%81"
    first = page.locator("#search-results a").first.get_attribute("href")
    page.locator("#search-results a").first.click()
    page.wait_for_url(f"{url}{first}")
    page.go_back()
    assert "找到 6 条结果" in settled_status(page)
    assert page.locator("#search-results a").first.get_attribute("href") == first
    assert page.get_by_role("searchbox").input_value() == "居住证"
    page.get_by_role("searchbox").fill("")  # a cleared box leaves nothing for a reload to bring back
    page.wait_for_function("!document.querySelector('#search-results li')")
    assert page.url == f"{url}/search/"
    page.close()


def test_back_goes_to_the_page_of_results_before(session: tuple[Any, str]) -> None:
    """Each page turn is a step in the history: Back from page 3 shows page 2, then page 1."""
    browser, url = session
    page = browser.new_page()
    page.goto(f"{url}/search/?q=派出所")
    assert "第 1–10 条" in settled_status(page)
    for shown in ("第 11–20 条", "第 21–30 条"):
        page.get_by_role("button", name="下一页").click()
        page.wait_for_function(f"document.getElementById('search-status').textContent.includes('{shown}')")
    assert page.url.endswith("&page=3")
    for shown, address in (("第 11–20 条", "&page=2"), ("第 1–10 条", "?q=%E6%B4%BE%E5%87%BA%E6%89%80")):
        page.go_back()
        page.wait_for_function(
            f"document.getElementById('search-status').textContent.includes('{shown}')", timeout=10000
        )
        assert page.url.endswith(address)
    assert page.locator("#search-page").inner_text() == "第 1 页，共 14 页"
    page.close()


def test_turning_the_page_while_a_new_search_loads_keeps_the_new_search(
    session: tuple[Any, str], demo_output: Path
) -> None:
    """On a slow network a tap on 下一页 while the next query's results are on their way does not page
    through the previous query's results instead."""
    browser, _ = session
    with serve_folder(demo_output, delay=0.5) as url:
        page = browser.new_page()
        page.goto(f"{url}/search/?q=派出所")
        assert "找到 135 条结果" in settled_status(page)
        page.get_by_role("searchbox").fill("户口")  # typed: the search starts by itself
        page.wait_for_function("document.getElementById('search-status').textContent.includes('正在搜索')")
        page.locator("#search-pages [data-step='1']").dispatch_event("click")
        status = settled_status(page)
        assert "找到 17 条结果，这是第 1–10 条" in status, status
        assert page.url == f"{url}/search/?q=%E6%88%B7%E5%8F%A3"
        page.close()


def test_a_page_turn_overtaken_by_a_new_search_leaves_the_address_alone(
    session: tuple[Any, str], demo_output: Path
) -> None:
    """A page turn given up for a newer search does not write its query into the address. The order is
    the one that showed it: the page turn's results come while the new search waits for its part of the
    index (held here until then)."""
    browser, _ = session
    with serve_folder(demo_output, delay=0.5) as url:
        page = browser.new_page()
        page.goto(f"{url}/search/?q=派出所")
        assert "找到 135 条结果" in settled_status(page)
        held: list[Any] = []
        page.route("**/*.pf_index", lambda route: held.append(route))
        answered: list[str] = []
        page.on("requestfinished", lambda request: answered.append(request.url))
        page.get_by_role("button", name="下一页").click()  # its results come a round trip later
        page.get_by_role("searchbox").fill("户口")
        page.keyboard.press("Enter")
        deadline = time.monotonic() + 20
        while not (held and sum("/fragment/" in u for u in answered) >= 10) and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert held, "户口 no longer needs a part of the index that 派出所 did not load: pick another word"
        page.wait_for_timeout(200)  # the page turn's results read, and given up
        for route in held:
            route.continue_()
        page.unroute("**/*.pf_index")
        assert "找到 17 条结果，这是第 1–10 条" in settled_status(page)
        assert page.url == f"{url}/search/?q=%E6%88%B7%E5%8F%A3"
        page.close()


def test_paging_to_the_last_page_by_keyboard_keeps_the_focus(session: tuple[Any, str]) -> None:
    """下一页 is disabled on the last page: the focus goes to the results' status line, read out, not to the
    top of the document."""
    browser, url = session
    page = browser.new_page()
    page.goto(f"{url}/search/?q=户口")
    assert "第 1–10 条" in settled_status(page)
    page.get_by_role("button", name="下一页").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('search-status').textContent.includes('第 11–17 条')")
    assert page.get_by_role("button", name="下一页").is_disabled()
    assert page.evaluate("document.activeElement.id") == "search-status"
    page.close()


@pytest.mark.parametrize("query", ["zz$'", "zz$&", "zz$`"])
def test_a_query_is_quoted_as_typed(session: tuple[Any, str], query: str) -> None:
    browser, url = session
    page = browser.new_page()
    page.goto(f"{url}/search/")
    assert search_for(page, query) == f"没有找到“{query}”，请换个词试试，或在下方按类别查找"
    page.close()


def test_a_long_query_is_shortened_where_it_is_quoted(session: tuple[Any, str]) -> None:
    browser, url = session
    page = browser.new_page()
    page.goto(f"{url}/search/")
    query = "zq" * 25
    assert search_for(page, query) == f"没有找到“{query[:30]}…”，请换个词试试，或在下方按类别查找"
    page.close()


@pytest.mark.parametrize(("asked", "shown"), [("1.5", 1), ("2.7", 2), ("abc", 1), ("0", 1), ("-2", 1)])
def test_the_page_in_the_address_is_a_whole_page(session: tuple[Any, str], asked: str, shown: int) -> None:
    browser, url = session
    page = browser.new_page()
    page.goto(f"{url}/search/?q=派出所&page={asked}")
    assert f"这是第 {shown * 10 - 9}–{shown * 10} 条" in settled_status(page)
    assert page.locator("#search-page").inner_text() == f"第 {shown} 页，共 14 页"
    page.close()


@pytest.fixture(scope="module")
def kaohe_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A little city with a post on 群众 and 考核 (the demo's searched pages, posts and guides, have no 考核)."""
    import citykit

    root = tmp_path_factory.mktemp("kaohe")
    content = citykit.make_city(root)
    citykit.add_post(
        content, "dongshan", "worklog", "dongshan-qunzhong-kaohe", "2026-11-21 09:00", "邀请群众评议季度考核"
    )
    citykit.build(content, root / "output")
    return root / "output"


@pytest.mark.parametrize(("usual", "standard"), [("考核", "考覈"), ("群眾", "羣衆")])
def test_the_traditional_edition_finds_the_forms_its_readers_type(
    session: tuple[Any, str], kaohe_city: Path, usual: str, standard: str
) -> None:
    """考核 and 群眾, as readers in Taiwan, Hong Kong and overseas type them, find the Traditional edition's page
    (written in OpenCC's standard 考覈 and 羣衆, it was not found); typed in those older forms they find it too."""
    browser, _ = session
    with serve_folder(kaohe_city) as url:
        page = browser.new_page()
        page.goto(f"{url}/zh-hant/search/")
        for typed in (usual, standard):
            status = search_for(page, typed)
            assert status.startswith("找到"), (typed, status)
            links = page.locator("#search-results a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            assert links == ["/zh-hant/stations/dongshan/worklog/dongshan-qunzhong-kaohe/"], (typed, links)
            assert page.locator("#search-results li").first.inner_text().startswith("邀請群眾評議季度考核")
        page.close()


@pytest.mark.parametrize(
    ("prefix", "typed", "expected"),
    [
        ("", "戶口", "/guides/"),  # a Hong Kong visitor on the Simplified pages
        ("", "身份證丟了怎麼辦", "/guides/id-card-"),
        ("/zh-hant", "户口", "/zh-hant/guides/"),  # a mainland keyboard on the Traditional pages
        ("/zh-hant", "身份证丢了怎么办", "/zh-hant/guides/id-card-"),
    ],
)
def test_a_question_typed_in_the_other_script_finds_the_pages(
    session: tuple[Any, str], prefix: str, typed: str, expected: str
) -> None:
    """Each edition's index holds its own script: 戶口 on the Simplified pages and 户口 on the Traditional ones
    found nothing."""
    browser, url = session
    page = browser.new_page()
    links = first_three(page, url, prefix, typed)
    assert any(link.startswith(expected) for link in links), links
    assert "没有找到" not in page.locator("#search-status").inner_text()
    page.close()


def test_the_edition_switch_takes_the_search_along(session: tuple[Any, str]) -> None:
    """繁體 on a page of results opened an empty Traditional search page."""
    browser, url = session
    page = browser.new_page()
    first_three(page, url, "", "户口")
    assert page.locator("a.edition-switch").get_attribute("href").endswith("/zh-hant/search/?q=%E6%88%B7%E5%8F%A3")
    page.locator("a.edition-switch").click()
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=30000)
    assert page.get_by_role("searchbox").input_value() == "户口"
    assert page.locator("#search-results a").first.get_attribute("href").startswith("/zh-hant/guides/")
    page.close()


def test_the_traditional_edition_shows_its_own_text_and_marks_the_words_as_typed(session: tuple[Any, str]) -> None:
    """A Traditional page's results come from the Simplified index: each shows its twin's Traditional title,
    station or kind, and text, with the words found marked as the edition writes them, and leads to the
    Traditional page."""
    browser, url = session
    page = browser.new_page()
    links = first_three(page, url, "/zh-hant", "戶口遷移", shown=10)
    assert links and all(link.startswith("/zh-hant/") for link in links), links
    first = page.locator("#search-results li").first
    text = first.inner_text()
    assert text.startswith("戶口遷移"), text
    assert "辦事指南" in text and "户口" not in text and "迁移" not in text, text
    marks = first.locator("mark").all_inner_texts()
    assert marks and all(mark in ("戶口", "遷移", "戶口遷移") for mark in marks), marks
    status = page.locator("#search-status").inner_text()
    assert "户口" not in status, status
    page.close()


def test_a_question_some_pages_answer_in_part_is_said_back_as_typed(session: tuple[Any, str]) -> None:
    """When no page holds every word, the status line names the words searched: on the Traditional pages in
    the characters the reader typed, not the Simplified ones searched."""
    browser, url = session
    page = browser.new_page()
    page.goto(f"{url}/zh-hant/search/")
    status = search_for(page, "戶口 飛碟")
    assert status.startswith("找到") and "“戶口”" in status, status
    page.close()


@pytest.mark.parametrize("question", ["駕照過期", "良民證 北京", "暫住證 香港", "ID card 補辦 台灣"])
def test_the_traditional_status_line_says_the_words_in_traditional(session: tuple[Any, str], question: str) -> None:
    """A document's everyday name is searched as the guides' name; on the Traditional pages the status line said
    that name in Simplified characters (找到 2 條含有“驾驶证”的結果)."""
    browser, url = session
    page = browser.new_page()
    page.goto(f"{url}/zh-hant/search/")
    status = search_for(page, question)
    page.close()
    assert status.startswith("找到"), (question, status)
    for simplified in ("驾驶证", "无犯罪记录证明", "居住证", "身份证", "证"):
        assert simplified not in status, (question, status)


def test_without_the_character_table_the_traditional_search_says_it_is_unavailable(session: tuple[Any, str]) -> None:
    """The Traditional pages search made Simplified with a table fetched beside the index. When it did not come,
    the page said nothing was found (沒有找到“護照”), for every later question too, even once the table could
    be fetched again."""
    browser, url = session
    page = browser.new_page()
    page.route("**/hanzi-to-hans.txt*", lambda route: route.fulfill(status=404, body="not found"))
    page.goto(f"{url}/zh-hant/search/")
    status = search_for(page, "護照")
    assert "沒有找到" not in status and "無法使用" in status, status
    page.unroute("**/hanzi-to-hans.txt*")
    assert search_for(page, "戶口遷移").startswith("找到")
    page.close()
