"""What the site publisher uses: the publish token, waiting for a change, answers marked live; what people see."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from console_kit import act, add_item, answer_fully, carry
from starlette.testclient import TestClient

from relay.export import build_export
from relay.models import Kind, RatingStatus, Status
from relay.store import RatingOutcome, Store
from relay.store.console import QueueFilter


def site_modules() -> dict[str, str]:
    """The plugin's MODULE_OF_KIND, read from its source: importing it would load Pelican, whose
    logging filter then drops repeated log lines from every logger in this process (caplog tests)."""
    import ast
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "plugins" / "publicanswers" / "answers.py").read_text(
        encoding="utf-8"
    )
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MODULE_OF_KIND":
            return dict(ast.literal_eval(node.value))
    raise AssertionError("MODULE_OF_KIND not found in publicanswers/answers.py")


MODULE_OF_KIND = site_modules()

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
LIVE = NOW + dt.timedelta(minutes=3)


def answer(store: Store, item_id: int) -> None:
    answer_fully(store, item_id, "请到户籍窗口办理。", NOW)


def approve(store: Store, item_id: int) -> None:
    carry(store, item_id, "approve", NOW, public_text="身份证丢了怎么补办？")


def published_item(store: Store, kind: Kind = Kind.QUESTION) -> int:
    item_id = add_item(store, kind=kind, consent=True, location="东山路" if kind is Kind.HAZARD else None)
    answer(store, item_id)
    approve(store, item_id)
    return item_id


def live_at(store: Store, item_id: int) -> dt.datetime | None:
    item = store.console_item(item_id)
    assert item is not None
    return item.live_at


# -- the token --------------------------------------------------------------------


def test_token_changes_with_every_write_the_export_reads(store: Store) -> None:
    tokens = [store.publish_token()]

    def changed() -> bool:
        tokens.append(store.publish_token())
        return tokens[-1] != tokens[-2]

    item_id = add_item(store, consent=True)
    assert changed()  # a new item counts in the figures
    answer(store, item_id)
    assert changed()
    approve(store, item_id)
    assert changed()
    assert store.add_rating("dongshan", 5, "好", "client-a", NOW, 30) is RatingOutcome.ACCEPTED
    assert not changed()  # pending ratings are not exported
    assert store.decide_ratings([r["id"] for r in store.pending_ratings(None)], RatingStatus.APPROVED, "m", NOW, None)
    assert changed()
    assert store.rate_item(item_id, 4, NOW)
    assert changed()
    carry(store, item_id, "reopen", NOW)
    assert changed()


def test_token_stays_on_reads_logins_and_marking_live(store: Store) -> None:
    item_id = published_item(store)
    before = store.publish_token()
    build_export(store, NOW)
    store.queue(QueueFilter(statuses=(Status.PUBLISHED,)), NOW)
    store.published_not_live()
    store.record(NOW, "moderator", "login", "moderator")
    assert store.mark_live([item_id], LIVE) == 1
    assert store.publish_token() == before


def test_console_pages_do_not_change_the_token(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    item_id = published_item(sqlite_store)
    before = sqlite_store.publish_token()
    client = console("moderator")
    for url in ("/console/queue", f"/console/items/{item_id}", "/console/ratings"):
        assert client.get(url).status_code == 200
    assert sqlite_store.publish_token() == before


# -- waiting for a change ---------------------------------------------------------


def test_wait_returns_the_same_token_after_the_timeout(store: Store) -> None:
    token = store.publish_token()
    started = time.monotonic()
    assert store.wait_for_change(token, 0.6) == token
    assert 0.6 <= time.monotonic() - started < 2


def test_wait_returns_at_once_when_the_token_is_already_old(store: Store) -> None:
    token = store.publish_token()
    add_item(store)
    started = time.monotonic()
    assert store.wait_for_change(token, 10) != token
    assert time.monotonic() - started < 1


def test_wait_wakes_when_another_connection_approves(store: Store) -> None:
    """On PostgreSQL the wake-up is the NOTIFY sent with the commit: there is no polling to fall back on."""
    item_id = add_item(store, consent=True)
    answer(store, item_id)
    token = store.publish_token()
    approved_at: list[float] = []
    other = Store(store.url)  # its own engine: like a relay process approving while the publisher waits

    def moderator() -> None:
        time.sleep(0.5)
        approve(other, item_id)
        approved_at.append(time.monotonic())

    thread = threading.Thread(target=moderator)
    thread.start()
    try:
        new_token = store.wait_for_change(token, 10)
        woke = time.monotonic()
    finally:
        thread.join()
        other.close()
    assert new_token != token and new_token == store.publish_token()
    assert approved_at and woke - approved_at[0] < 1


# -- live answers -----------------------------------------------------------------


def test_mark_live_is_idempotent_and_ignores_items_not_published(store: Store) -> None:
    published = published_item(store)
    answered = add_item(store, text="请问护照怎么办理？", consent=True)
    answer(store, answered)
    assert store.published_not_live() == [published]
    assert store.mark_live([published, answered, 999_999], LIVE) == 1
    assert store.mark_live([published], LIVE + dt.timedelta(minutes=5)) == 0
    assert live_at(store, published) == LIVE and live_at(store, answered) is None
    assert store.published_not_live() == []
    assert store.mark_live([], LIVE) == 0


def test_reopen_clears_live_and_approval_waits_for_the_next_build(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store, consent=True)
    client = console("moderator")
    act(client, item_id, "reply", reply="请携带户口簿到户籍窗口办理。")
    act(client, item_id, "approve", public_text="身份证丢了怎么补办？")
    assert "已通过待上线" in client.get(f"/console/items/{item_id}").text
    assert sqlite_store.mark_live([item_id], LIVE) == 1
    assert "已公开" in client.get(f"/console/items/{item_id}").text
    assert act(client, item_id, "reopen", confirm="yes").status_code == 303  # type: ignore[attr-defined]
    assert live_at(sqlite_store, item_id) is None
    assert sqlite_store.mark_live([item_id], LIVE) == 0
    act(client, item_id, "reply", reply="补充：也可在网上预约。")
    act(client, item_id, "approve", public_text="身份证丢了怎么补办？")
    assert sqlite_store.published_not_live() == [item_id]


def test_tracking_page_says_public_and_links_only_when_live(client: TestClient, sqlite_store: Store) -> None:
    item_id = published_item(sqlite_store)
    item = sqlite_store.console_item(item_id)
    assert item is not None
    url = f"/track/{item.receipt_code}"
    waiting = client.get(url).text
    assert "已答复，答复将于几分钟内在网站公开" in waiting
    assert "已答复并公开" not in waiting and "在网站上查看答复" not in waiting
    sqlite_store.mark_live([item_id], LIVE)
    live = client.get(url).text
    assert "已答复并公开" in live and "几分钟内" not in live
    assert f'<a href="https://site.test/stations/dongshan/qa/qa-{item_id}/">在网站上查看答复</a>' in live


@pytest.mark.parametrize("kind", list(Kind))
def test_answer_links_follow_the_site_sections(client: TestClient, sqlite_store: Store, kind: Kind) -> None:
    item_id = published_item(sqlite_store, kind)
    sqlite_store.mark_live([item_id], LIVE)
    item = sqlite_store.console_item(item_id)
    assert item is not None
    module = MODULE_OF_KIND[kind.value]
    assert (
        f'href="https://site.test/stations/dongshan/{module}/{module}-{item_id}/"'
        in client.get(f"/track/{item.receipt_code}").text
    )


def test_how_long_approved_answers_wait_for_the_site(store: Store) -> None:
    """A publisher that stopped publishing (down, or failing its builds) shows as approved answers that wait
    for the site ever longer: Prometheus alerts on it (deploy/prometheus/yunlan-alerts.yml)."""
    assert store.waiting_for_site(NOW) == (0, 0.0)
    first, second = published_item(store), published_item(store)
    waiting, oldest = store.waiting_for_site(NOW + dt.timedelta(minutes=20))
    assert waiting == 2 and 20 * 60 <= oldest < 21 * 60
    store.mark_live([first], LIVE)
    assert store.waiting_for_site(NOW + dt.timedelta(minutes=20))[0] == 1
    store.mark_live([second], LIVE)
    assert store.waiting_for_site(NOW + dt.timedelta(minutes=20)) == (0, 0.0)


def test_metrics_export_the_answers_waiting_for_the_site(
    make_client: Callable[..., TestClient], sqlite_store: Store
) -> None:
    metrics = make_client(client_address="127.0.0.1").get("/metrics").text
    assert "\nrelay_answers_waiting_for_site 0.0\n" in metrics
    assert "\nrelay_oldest_answer_waiting_for_site_seconds 0.0\n" in metrics
    published_item(sqlite_store)
    metrics = make_client(client_address="127.0.0.1").get("/metrics").text
    assert "\nrelay_answers_waiting_for_site 1.0\n" in metrics
    age = float(metrics.split("\nrelay_oldest_answer_waiting_for_site_seconds ")[1].split()[0])
    assert age > 0
