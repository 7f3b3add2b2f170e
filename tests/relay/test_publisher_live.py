"""Approval → live: with the publisher running, an approved answer reaches the site by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

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
                # The answer's own page goes live first; lists, feeds and search follow with the full build.
                wait_until(
                    lambda: question[:20] in httpx.get(f"{site_url}/stations/dongshan/").text,
                    60,
                    "the station page lists the answer",
                )
                everywhere = time.monotonic() - approved
                feed = httpx.get(f"{site_url}/feeds/stations/dongshan.atom.xml").text
                assert answer in feed
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
    print(f"approval → answer page live in {seconds:.1f} s, on every page in {everywhere:.1f} s")


def test_an_approved_answer_goes_live_first_with_the_bytes_the_full_build_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from console_kit import add_item, carry

    from publisher import Publisher

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764057600")
    content = citykit.make_city(tmp_path / "city")
    store = Store(f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    store.migrate()
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"), store=store)
    publisher.publish(["start"])
    publisher.publish(["start: the second folder"])
    now = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    item_id = add_item(store, text="请问居住证到期了怎么续签？", consent=True)
    carry(store, item_id, "reply", now, reply="带身份证到窗口续签。")
    carry(store, item_id, "approve", now, public_text="请问居住证到期了怎么续签？")
    written = publisher.hot(["relay"])
    page = f"stations/dongshan/qa/qa-{item_id}/index.html"
    twin = f"zh-hant/{page}"
    assert written == [f"{page}.gz", f"{page}.br", page, f"{twin}.gz", f"{twin}.br", twin]
    hot_folder = publisher.hot_pages[-1][1]
    live = store.console_item(item_id)
    assert live is not None and live.live_at is not None  # the tracking page may link to it now
    release = publisher.publish(["relay"])
    assert release is not None and release.folder != hot_folder
    for name in written:
        assert (hot_folder / name).read_bytes() == (release.folder / name).read_bytes(), name
    store.close()
