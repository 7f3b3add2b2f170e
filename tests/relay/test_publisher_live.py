"""Approval → live: with the publisher running, an approved answer reaches the site by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from console_kit import ask_answer_and_approve, create_accounts
from servers import free_port, relay_server

import citykit
from browser import launched_browser, serve_folder
from relay.store import Store


def wait_until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.2)


@pytest.mark.browser
def test_approval_goes_live_with_the_publisher_running(tmp_path: Path) -> None:
    content = citykit.make_city(tmp_path / "city")
    root = tmp_path / "site"
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'relay.sqlite3'}")
    store.migrate()
    create_accounts(store)
    store.close()
    port = free_port()
    relay_url = f"http://127.0.0.1:{port}"
    citykit.build(content, tmp_path / "stations-build", RELAY_URL=relay_url)  # the relay reads this station list
    env = {
        "RELAY_DATA_DIR": str(data),
        "RELAY_STATIONS": str(tmp_path / "stations-build" / "api" / "stations.json"),
        "RELAY_SECRET_KEY": "publisher-live",
        "RELAY_COOKIE_SECURE": "false",
    }
    question = "请问在外地工作，身份证到期了能在本地换领吗？"
    answer = "可以在工作地户籍窗口异地换领，带上旧证即可，工本费二十元。"
    with (
        serve_folder(root / "current") as site_url,
        relay_server({**env, "RELAY_SITE_URL": site_url}, tmp_path / "relay.log", port=port) as (url, _),
    ):
        publisher_env = {
            **os.environ,
            **env,
            "CITY_CONTENT": str(content),
            "CITY_TODAY": citykit.TODAY,
            "RELAY_URL": url,
            "SOURCE_DATE_EPOCH": "1764057600",
        }
        log = (tmp_path / "publisher.log").open("w")
        publisher = subprocess.Popen(
            [sys.executable, "-m", "invoke", "publisher", "--root", str(root), "--settle", "0.2"],
            cwd=citykit.ROOT,
            env=publisher_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(lambda: "watching" in (tmp_path / "publisher.log").read_text(), 120, "the publisher starts")
            with launched_browser() as browser:
                public, _, code = ask_answer_and_approve(browser, site_url, url, question, answer)
                approved = time.monotonic()
                # Until the site has it, the tracking page says it will appear shortly.
                wait_until(
                    lambda: "已答复并公开" in httpx.get(f"{url}/track/{code}").text,
                    60,
                    "the tracking page says 已答复并公开",
                )
                seconds = time.monotonic() - approved
                public.goto(f"{url}/track/{code}")
                public.get_by_role("link", name="在网站上查看答复").click()
                assert answer in public.locator("main").inner_text()
                # The answer's page, its station's lists and the feeds go live at once (the fast path); the sitemap
                # and search follow with the full build.
                wait_until(
                    lambda: question[:20] in httpx.get(f"{site_url}/stations/dongshan/").text,
                    60,
                    "the station page lists the answer",
                )
                listed = time.monotonic() - approved
                feed = httpx.get(f"{site_url}/feeds/stations/dongshan.atom.xml").text
                assert answer in feed
                wait_until(
                    lambda: "/stations/dongshan/qa/qa-" in httpx.get(f"{site_url}/sitemap.xml").text,
                    60,
                    "the full build lists the answer in the sitemap",
                )
                everywhere = time.monotonic() - approved
                public.goto(f"{site_url}/search/")
                public.get_by_role("searchbox").fill("异地换领")
                public.keyboard.press("Enter")
                public.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=30000)
                links = public.locator("#search-results a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
                assert any("/stations/dongshan/qa/qa-" in link for link in links), links
        finally:
            publisher.terminate()
            publisher.wait(timeout=30)
            log.close()
    print(f"approval → answer page live in {seconds:.1f} s, listed in {listed:.1f} s, searchable in {everywhere:.1f} s")


def search_links(browser: object, site_url: str, query: str, edition: str = "") -> list[str]:
    """The result links the search page (of ``edition``: "" or "/zh-hant") lists for ``query`` (waits for its
    status line)."""
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(f"{site_url}{edition}/search/?q={query}")
        page.wait_for_function("!!document.getElementById('search-status').textContent.match(/找到|没有|無法|无法/)")
        return list(page.locator("#search-results a").evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    finally:
        page.close()


def warm_publisher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Store]:
    """A publisher on the little city and a relay store, both folders built (so later builds are incremental)."""
    from publisher import Publisher

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764057600")
    content = citykit.make_city(tmp_path / "city")
    store = Store(f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    store.migrate()
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"), store=store)
    publisher.publish(["start"])
    publisher.publish(["start: the second folder"])
    return publisher, store


def test_an_approved_answer_goes_live_first_with_the_bytes_the_full_build_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from console_kit import add_item, carry

    publisher, store = warm_publisher(tmp_path, monkeypatch)
    now = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    item_id = add_item(store, text="请问居住证到期了怎么续签？", consent=True)
    carry(store, item_id, "reply", now, reply="带身份证到窗口续签。")
    carry(store, item_id, "approve", now, public_text="请问居住证到期了怎么续签？")
    written = publisher.hot(["relay"])
    page = f"stations/dongshan/qa/qa-{item_id}/index.html"
    twin = f"zh-hant/{page}"
    assert written[:6] == [f"{page}.gz", f"{page}.br", page, f"{twin}.gz", f"{twin}.br", twin]
    # Then the lists and feeds it appears in, each with its twin and compressed copies.
    lists = ["stations/dongshan/index.html", "stations/dongshan/qa/index.html", "feeds/stations/dongshan/qa.atom.xml"]
    lists += ["feeds/stations/dongshan.atom.xml", "feeds/qa.atom.xml", "feeds/all.atom.xml"]
    for name in lists:
        assert {name, f"{name}.gz", f"{name}.br", f"zh-hant/{name}", f"zh-hant/{name}.br"} <= set(written), name
    assert not [name for name in written if "/worklog/" in name], "only the lists the answer appears in"
    hot_folder = publisher.hot_pages[-1][1]
    live = store.console_item(item_id)
    assert live is not None and live.live_at is not None  # the tracking page may link to it now
    # Searchable at once: a bundle of the new answer, listed in pagefind/hot.json beside the shards.
    assert "pagefind/hot.json" in written
    with launched_browser() as browser, serve_folder(hot_folder) as site_url:
        links = search_links(browser, site_url, "居住证到期")
        assert [link for link in links if f"/qa/qa-{item_id}/" in link] == [f"/stations/dongshan/qa/qa-{item_id}/"]
        # and from the Traditional edition, which searches the same index, to the answer's Traditional page
        links = search_links(browser, site_url, "居住證到期", "/zh-hant")
        assert [link for link in links if f"/qa/qa-{item_id}/" in link] == [
            f"/zh-hant/stations/dongshan/qa/qa-{item_id}/"
        ]
    release = publisher.publish(["relay"])
    assert release is not None and release.folder != hot_folder
    for name in written:
        if not name.startswith("pagefind/"):  # the full build indexes the answer in its shard instead
            assert (hot_folder / name).read_bytes() == (release.folder / name).read_bytes(), name
    assert (release.folder / "pagefind" / "hot.json").read_text() == "[]"
    with launched_browser() as browser, serve_folder(release.folder) as site_url:
        links = search_links(browser, site_url, "居住证到期")
        assert [link for link in links if f"/qa/qa-{item_id}/" in link] == [f"/stations/dongshan/qa/qa-{item_id}/"]
        # A bundle carried into a folder whose build indexed the answer too (see carry_over_fast_pages): found once.
        import shutil

        for bundle in (hot_folder / "pagefind").glob("hot-*"):
            shutil.copytree(bundle, release.folder / "pagefind" / bundle.name)
        shutil.copy(hot_folder / "pagefind" / "hot.json", release.folder / "pagefind" / "hot.json")
        links = search_links(browser, site_url, "居住证到期")
        assert [link for link in links if f"/qa/qa-{item_id}/" in link] == [f"/stations/dongshan/qa/qa-{item_id}/"]
    assert "请问居住证到期了怎么续签" in (hot_folder / "stations/dongshan/index.html").read_text(encoding="utf-8")
    store.close()


def test_an_answer_put_live_during_a_build_stays_listed_when_the_next_one_goes_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build that was running when answer A went live read the export before A: its lists lack A. When
    answer B then goes live through the fast path, the station page must list both (A is not in what that
    build exported, so the fast path takes it again)."""
    import datetime as dt

    from console_kit import add_item, carry
    from pelican import signals

    publisher, store = warm_publisher(tmp_path, monkeypatch)
    now = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    questions = {"a": "请问临时身份证当天能拿到吗？", "b": "请问电动车上牌需要带发票吗？"}

    def approve(question: str) -> None:
        item_id = add_item(store, text=question, consent=True)
        carry(store, item_id, "reply", now, reply="可以，请带齐材料。")
        carry(store, item_id, "approve", now, public_text=question)

    def answer_a_during_the_build(generators: object) -> None:
        signals.all_generators_finalized.disconnect(answer_a_during_the_build)
        approve(questions["a"])
        assert publisher.hot(["relay"]), "A goes live while the build runs"

    signals.all_generators_finalized.connect(answer_a_during_the_build)
    try:
        publisher.publish(["a build that read the export before A"])
    finally:
        signals.all_generators_finalized.disconnect(answer_a_during_the_build)
    approve(questions["b"])
    assert publisher.hot(["relay"])
    station_page = (publisher.current / "stations" / "dongshan" / "index.html").read_text(encoding="utf-8")
    assert questions["a"] in station_page and questions["b"] in station_page
    store.close()


def test_an_answer_revised_before_the_next_build_is_found_by_its_new_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reopened, answered again and approved again while the fast path's bundle still holds it: the bundle is
    made again with the new reply."""
    import datetime as dt

    from console_kit import add_item, carry

    publisher, store = warm_publisher(tmp_path, monkeypatch)
    now = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    question = "请问护照加急办理要多久？"
    item_id = add_item(store, text=question, consent=True)
    carry(store, item_id, "reply", now, reply="一般七个工作日。")
    carry(store, item_id, "approve", now, public_text=question)
    assert publisher.hot(["relay"])
    carry(store, item_id, "reopen", now)
    carry(store, item_id, "reply", now, reply="加急三个工作日，请先在线领取预约号。")
    carry(store, item_id, "approve", now, public_text=question)
    assert publisher.hot(["relay"])
    with launched_browser() as browser, serve_folder(publisher.current.resolve()) as site_url:
        links = search_links(browser, site_url, "预约号")
    assert f"/stations/dongshan/qa/qa-{item_id}/" in links
    store.close()


def test_the_publisher_brings_a_new_store_up_to_date_before_it_publishes(tmp_path: Path) -> None:
    """On a new machine the publisher may start before the relay: it migrates the store first (through ``relay
    migrate``, in a process of its own, so that Alembic does not stay loaded in the long-running publisher) and
    publishes from it."""
    from sqlalchemy import create_engine, inspect

    content = citykit.make_city(tmp_path / "city")
    data = tmp_path / "data"
    env = {
        **os.environ,
        "RELAY_DATA_DIR": str(data),
        "RELAY_SECRET_KEY": "publisher-migrates",
        "CITY_CONTENT": str(content),
        "CITY_TODAY": citykit.TODAY,
        "SOURCE_DATE_EPOCH": "1764057600",
    }
    env.pop("RELAY_DATABASE_URL", None)
    finished = subprocess.run(
        [sys.executable, "-m", "invoke", "publisher", "--root", str(tmp_path / "site"), "--once"],
        cwd=citykit.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    engine = create_engine(f"sqlite:///{data / 'relay.sqlite3'}")
    try:
        assert {"alembic_version", "items"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert (tmp_path / "site" / "current" / "stations" / "dongshan" / "index.html").is_file()
