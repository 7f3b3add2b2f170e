"""The publisher when things fail: the relay's database going away and coming back, a build that dies, a
publisher restarted between the fast path's writes and the next build into that folder.

The database goes away for real: the publisher reaches PostgreSQL through a TCP relay that the test cuts (every
connection closed, new ones refused, as when the server stops) and restores.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from console_kit import add_item, carry
from services import TcpProxy, empty_postgres_database
from sqlalchemy.engine import make_url

import citykit
from publisher import Publisher
from publisher import live as publisher_live
from relay.store import Store

NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764057600")
    monkeypatch.setattr(publisher_live, "RETRY_FIRST", 0.3)
    monkeypatch.setattr(publisher_live, "RETRY_LONGEST", 1.0)
    monkeypatch.setattr(publisher_live, "RECONNECT_FIRST", 0.2)
    monkeypatch.setattr(publisher_live, "RECONNECT_LONGEST", 0.5)


@contextmanager
def database_behind_a_proxy() -> Iterator[tuple[Store, Store, TcpProxy]]:
    """A new PostgreSQL database: a store on it directly (the relay's side) and one through a proxy the test can
    cut (the publisher's side)."""
    with empty_postgres_database() as url, TcpProxy("127.0.0.1", make_url(url).port or 5432) as proxy:
        direct = Store(url)
        direct.migrate()
        proxied = Store(make_url(url).set(port=proxy.port).render_as_string(hide_password=False))
        try:
            yield direct, proxied, proxy
        finally:
            proxied.close()
            direct.close()


def approved(store: Store, question: str) -> int:
    item_id = add_item(store, text=question, consent=True)
    carry(store, item_id, "reply", NOW, reply="请带身份证到户籍窗口办理。")
    carry(store, item_id, "approve", NOW, public_text=question)
    return item_id


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.05)


def answer_page(publisher: Publisher, item_id: int) -> Path:
    return publisher.current / "stations" / "dongshan" / "qa" / f"qa-{item_id}" / "index.html"


def warm(tmp_path: Path, store: Store) -> Publisher:
    content = citykit.make_city(tmp_path / "city")
    publisher = Publisher(tmp_path / "site", lambda: citykit.settings_for(content, tmp_path / "unused"), store=store)
    publisher.content = content
    publisher.publish(["start"])
    publisher.publish(["start: the second folder"])
    return publisher


def test_approvals_made_while_the_database_was_away_are_heard_when_it_is_back(tmp_path: Path) -> None:
    """PostgreSQL restarts under the watcher (its LISTEN connection drops, new ones are refused for a while):
    the watcher keeps trying, and the approval made meanwhile is queued once the database answers again."""
    with database_behind_a_proxy() as (direct, proxied, proxy):
        publisher = Publisher(tmp_path / "site", dict, store=proxied)
        watcher = threading.Thread(target=publisher.watch_relay, daemon=True)
        watcher.start()
        try:
            wait_until(lambda: proxy.connections() > 0, 10, "the watcher listens")
            time.sleep(0.3)
            proxy.cut()
            time.sleep(1.5)  # several attempts meet a refused connection
            item_id = approved(direct, "请问身份证到期了在哪里换领？")
            assert publisher.changes.empty()
            proxy.restore()
            assert publisher.changes.get(timeout=20) == "relay", f"approval {item_id} heard"
            assert watcher.is_alive()
        finally:
            publisher.stopping.set()
            watcher.join(timeout=10)


def test_a_build_that_failed_while_the_database_was_away_is_built_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The builder gets the approval's batch while the database is away: the build fails (the export cannot be
    read), and is tried again, without any new change, until the answer is live and marked so."""
    with database_behind_a_proxy() as (direct, proxied, proxy):
        publisher = warm(tmp_path, proxied)
        item_id = approved(direct, "请问户口迁移需要带什么材料？")
        proxy.cut()
        builder = threading.Thread(target=publisher.build_loop, daemon=True)
        builder.start()
        try:
            with caplog.at_level(logging.WARNING, logger="publisher"):
                publisher.builds.put(["relay"])
                wait_until(lambda: caplog.text.count("build failed") >= 2, 30, "two failed attempts")
                assert len(publisher.releases) == 2 and not answer_page(publisher, item_id).exists()
                proxy.restore()
                wait_until(lambda: len(publisher.releases) == 3, 60, "the build tried again")
            assert answer_page(publisher, item_id).exists()
            live = direct.console_item(item_id)
            assert live is not None and live.live_at is not None
        finally:
            publisher.builds.put(["stop"])
            builder.join(timeout=60)


def test_answers_not_marked_live_because_the_database_went_away_are_marked_when_it_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The database goes away in the middle of the build (after the export was read): the new folder goes
    live, the marking fails and says so, and the next attempt marks the answer live."""
    from pelican import signals

    with database_behind_a_proxy() as (direct, proxied, proxy):
        publisher = warm(tmp_path, proxied)
        item_id = approved(direct, "请问居住证可以网上续签吗？")

        def cut_once(generators: object) -> None:
            signals.all_generators_finalized.disconnect(cut_once)
            proxy.cut()

        signals.all_generators_finalized.connect(cut_once)
        builder = threading.Thread(target=publisher.build_loop, daemon=True)
        builder.start()
        try:
            with caplog.at_level(logging.WARNING, logger="publisher"):
                publisher.builds.put(["relay"])
                wait_until(lambda: "could not be marked live" in caplog.text, 60, "the marking fails")
                assert answer_page(publisher, item_id).exists()  # the site did switch
                assert "the site stays as it was" not in caplog.text
                marked = direct.console_item(item_id)
                assert marked is not None and marked.live_at is None
                proxy.restore()
                wait_until(lambda: len(publisher.releases) == 3, 60, "the next attempt")
            marked = direct.console_item(item_id)
            assert marked is not None and marked.live_at is not None
        finally:
            signals.all_generators_finalized.disconnect(cut_once)
            publisher.builds.put(["stop"])
            builder.join(timeout=60)


def test_a_withdrawn_answer_does_not_come_back_after_a_restart(tmp_path: Path) -> None:
    """The fast path wrote answer A into the served folder; a build then went live in the other folder, and the
    publisher restarted (its memory of what the fast path wrote is gone). A is withdrawn, and the next build
    goes into the folder the fast path wrote into: neither A's page nor the lists that named it may survive."""
    store = Store(f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    store.migrate()
    try:
        publisher = warm(tmp_path, store)
        question = "请问临时身份证当天能拿到吗？"
        item_id = approved(store, question)
        written = publisher.hot(["relay"])
        fast_folder = publisher.hot_pages[-1][1]
        assert f"stations/dongshan/qa/qa-{item_id}/index.html" in written
        release = publisher.publish(["relay"])
        assert release is not None and release.folder != fast_folder

        restarted = Publisher(publisher.root, publisher.settings_factory, store=store)
        carry(store, item_id, "reopen", NOW)
        release = restarted.publish(["start"])
        assert release is not None and release.folder == fast_folder
        assert not answer_page(restarted, item_id).exists()
        for page in ("stations/dongshan/index.html", "stations/dongshan/qa/index.html", "feeds/all.atom.xml"):
            assert question not in (restarted.current / page).read_text(encoding="utf-8"), page
    finally:
        store.close()
