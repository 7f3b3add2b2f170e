"""The store on an SQLite file and on the machine's PostgreSQL: the same tests pass on both."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from console_kit import MODERATOR, PLANNER, carry

from relay.casework import Actor, Change
from relay.errors import Conflict
from relay.models import Channel, Kind, Role, Status
from relay.store import NewItem, RatingOutcome, Store, normalise_receipt_code

NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
WINDOW = dt.timedelta(minutes=10)


def question(text: str = "请问身份证丢了怎么补办？", station: str = "dongshan", **extra: object) -> NewItem:
    extra.setdefault("first_reply_due_at", NOW + dt.timedelta(hours=24))
    return NewItem(station=station, kind=Kind.QUESTION, text=text, **extra)  # type: ignore[arg-type]


def test_submit_stores_item_and_first_history_row(store: Store) -> None:
    receipt = store.submit(question(contact_phone="13900001111", consent=True), NOW, WINDOW)
    assert not receipt.folded
    item = store.item_by_code(receipt.code)
    assert item is not None
    assert item.status is Status.NEW and item.kind is Kind.QUESTION
    assert item.received_at == NOW
    assert item.first_reply_due_at == NOW + dt.timedelta(hours=24)
    history = store.history(item.id)
    assert [(h.from_status, h.to_status, h.at) for h in history] == [(None, Status.NEW, NOW)]


def test_the_store_keeps_the_deadlines_and_channel_it_is_given(store: Store) -> None:
    ack, due, received = NOW + dt.timedelta(hours=2), NOW + dt.timedelta(hours=24), NOW - dt.timedelta(hours=3)
    receipt = store.submit(
        NewItem(
            station="xihu",
            kind=Kind.HAZARD,
            text="井盖缺失",
            location="西湖路",
            ack_due_at=ack,
            first_reply_due_at=due,
            channel=Channel.PHONE,
            entered_by="moderator",
            received_at=received,
        ),
        NOW,
        WINDOW,
    )
    item = store.item_by_code(receipt.code)
    assert item is not None and item.location == "西湖路"
    assert (item.ack_due_at, item.first_reply_due_at, item.received_at) == (ack, due, received)
    full = store.console_item(item.id)
    assert full is not None and full.channel is Channel.PHONE and full.entered_by == "moderator"
    assert store.history(item.id)[0].actor == "moderator"


def test_duplicates_fold_within_the_window_only(store: Store) -> None:
    first = store.submit(question(client_hash="c1"), NOW, WINDOW)
    folded = store.submit(
        question("请问身份证 丢了怎么补办？", client_hash="c1"), NOW + dt.timedelta(minutes=9), WINDOW
    )
    assert folded.code == first.code and folded.folded
    later = store.submit(question(client_hash="c1"), NOW + dt.timedelta(minutes=30), WINDOW)
    assert later.code != first.code
    assert store.count_items() == 2


def test_changes_are_guarded_by_the_version_read(store: Store) -> None:
    item_id = store.item_by_code(store.submit(question(), NOW, WINDOW).code).id  # type: ignore[union-attr]
    seen = store.console_item(item_id)
    assert seen is not None
    accept = PLANNER.plan("accept", seen, {}, MODERATOR, NOW)
    reject = PLANNER.plan("reject", seen, {"reason": "不属于受理范围"}, MODERATOR, NOW)
    assert isinstance(accept, Change) and isinstance(reject, Change)
    store.apply(seen, accept)
    with pytest.raises(Conflict):
        store.apply(seen, reject)  # planned on the same read: the item moved on meanwhile
    assert [h.to_status for h in store.history(item_id)] == [Status.NEW, Status.AWAITING_REPLY]


def test_concurrent_changes_apply_once(store: Store) -> None:
    item_id = store.item_by_code(store.submit(question(), NOW, WINDOW).code).id  # type: ignore[union-attr]
    seen = store.console_item(item_id)
    assert seen is not None
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def act(actor: str) -> None:
        change = PLANNER.plan("spam", seen, {}, Actor(actor, Role.MODERATOR), NOW)
        assert isinstance(change, Change)
        barrier.wait()
        try:
            store.apply(seen, change)
            results.append(True)
        except Conflict:
            results.append(False)

    threads = [threading.Thread(target=act, args=(f"m{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    assert len(store.history(item_id)) == 2


def test_one_rating_per_client_per_station_per_period(store: Store) -> None:
    accepted, refused = RatingOutcome.ACCEPTED, RatingOutcome.REFUSED
    assert store.add_rating("dongshan", 5, "好", "client-a", NOW, 30) is accepted
    assert store.add_rating("dongshan", 1, None, "client-a", NOW + dt.timedelta(days=29), 30) is refused
    assert store.add_rating("xihu", 4, None, "client-a", NOW, 30) is accepted
    assert store.add_rating("dongshan", 4, None, "client-b", NOW, 30) is accepted
    assert store.add_rating("dongshan", 3, None, "client-a", NOW + dt.timedelta(days=30), 30) is accepted
    assert store.count_ratings("dongshan") == 3


def test_concurrent_ratings_from_one_client_count_once(store: Store) -> None:
    results: list[RatingOutcome] = []
    barrier = threading.Barrier(8)

    def rate() -> None:
        barrier.wait()
        results.append(store.add_rating("dongshan", 5, None, "client-x", NOW, 30, "browser-x"))

    threads = [threading.Thread(target=rate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(RatingOutcome.ACCEPTED) == 1
    assert store.count_ratings("dongshan") == 1


def test_item_rating_is_one_time(store: Store) -> None:
    item = store.item_by_code(store.submit(question(), NOW, WINDOW).code)
    assert item is not None
    assert store.rate_item(item.id, 5, NOW)
    assert not store.rate_item(item.id, 1, NOW)
    assert store.item_rating(item.id) == 5


def test_photo_round_trip(store: Store) -> None:
    receipt = store.submit(
        NewItem(
            station="xihu",
            kind=Kind.HAZARD,
            text="路灯不亮",
            location="桥下",
            photo=(b"\xff\xd8jpeg", "image/jpeg", 4, 3),
        ),
        NOW,
        WINDOW,
    )
    item = store.item_by_code(receipt.code)
    assert item is not None and item.photo_id is not None
    assert store.photo(item.photo_id) == ("image/jpeg", b"\xff\xd8jpeg")


def test_purge_forgets_contacts_but_never_of_unanswered_items(store: Store) -> None:
    old = NOW - dt.timedelta(days=200)
    answered = store.item_by_code(
        store.submit(question("已答复的旧问题", contact_phone="13900001111", client_hash="h1"), old, WINDOW).code
    )
    waiting = store.item_by_code(
        store.submit(question("没答复的旧问题", contact_email="a@example.com", client_hash="h2"), old, WINDOW).code
    )
    recent = store.item_by_code(
        store.submit(question("新问题", contact_phone="13900002222", client_hash="h3"), NOW, WINDOW).code
    )
    assert answered and waiting and recent
    carry(store, answered.id, "reply", old, reply="已答复")
    carry(store, recent.id, "reply", NOW, reply="已答复")
    assert store.purge(NOW, 180) == 1
    with store.reading() as conn:
        from sqlalchemy import select

        from relay.models import items

        rows = {
            r.text: r
            for r in conn.execute(
                select(
                    items.c.text, items.c.contact_phone, items.c.contact_email, items.c.client_hash, items.c.purged_at
                )
            )
        }
    assert rows["已答复的旧问题"].contact_phone is None and rows["已答复的旧问题"].client_hash is None
    assert rows["没答复的旧问题"].contact_email == "a@example.com"
    assert rows["新问题"].contact_phone == "13900002222"
    assert store.purge(NOW, 180) == 0


def test_purge_forgets_entry_form_tokens_older_than_the_retention(store: Store) -> None:
    """One row per item staff entered (the form's one-time token): kept as long as the retention, not for good."""
    old_item, _ = store.enter("o" * 32, question("电话里问的旧问题"), NOW - dt.timedelta(days=200))
    new_item, _ = store.enter("n" * 32, question("电话里问的新问题"), NOW)
    store.purge(NOW, 180)
    assert store.entered_with("o" * 32) is None
    assert store.entered_with("n" * 32) == new_item
    assert old_item != new_item


def test_users_with_stations(store: Store) -> None:
    store.create_account("dongshan-chief", "argon2-hash", Role.STATION, ["dongshan"], NOW)
    user = store.account("dongshan-chief")
    assert user is not None and user.role is Role.STATION and user.stations == ("dongshan",)
    assert store.account("nobody") is None


def test_receipt_codes_normalise() -> None:
    assert normalise_receipt_code("k7qm4 xpd2r") == "K7QM4-XPD2R"
    assert normalise_receipt_code("K7QM4-XPD2") == ""
    assert normalise_receipt_code("Ｋ７ＱＭ４－ＸＰＤ２Ｒ") == "K7QM4-XPD2R"
    assert normalise_receipt_code("编号：k7qm4—xpd2r。") == "K7QM4-XPD2R"
    assert normalise_receipt_code("受理编号\u3000K7QM4 XPD2R") == "K7QM4-XPD2R"
    assert normalise_receipt_code("No.K7QM4-XPD2R") == "K7QM4-XPD2R"
    # garbage, a code with letters we never use, and two different codes give nothing
    for typed in (
        "",
        "编号",
        "K7QM4-XPD2",
        "HELLO WORLD",
        "K7QM4-XPD2R-K7QM4",
        "K7QM4-XPD2R 22222-33333",
        "O7QM4-XPD2R",
    ):
        assert normalise_receipt_code(typed) == "", typed


def test_migrations_are_idempotent(store: Store) -> None:
    store.migrate()
    store.migrate()
    assert store.ping()


def test_submit_now_writes_at_once_or_not_at_all(store: Store, tmp_path: Path) -> None:
    """The event loop's write: on SQLite it stores the item unless another writer holds the lock, and then it
    gives up at once with nothing written; PostgreSQL always leaves the write to a thread."""
    import sqlite3

    if store.engine.dialect.name != "sqlite":
        assert store.submit_now(question("在PostgreSQL上"), NOW, WINDOW) is None
        assert store.count_items() == 0
        return
    receipt = store.submit_now(question("没有别人在写"), NOW, WINDOW)
    assert receipt is not None and store.item_by_code(receipt.code) is not None

    other_process = sqlite3.connect(tmp_path / "relay.sqlite3", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    try:
        assert store.submit_now(question("另一个进程在写"), NOW, WINDOW) is None
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()

    holder_has_lock, release = threading.Event(), threading.Event()

    def other_thread() -> None:
        with store.writing():
            holder_has_lock.set()
            release.wait(10)

    holder = threading.Thread(target=other_thread)
    holder.start()
    try:
        assert holder_has_lock.wait(10)
        assert store.submit_now(question("另一个线程在写"), NOW, WINDOW) is None
    finally:
        release.set()
        holder.join()
    assert store.count_items() == 1  # neither refused write left anything behind
    # The connection gave up at once, but writers in threads still wait for the lock as before.
    with store.writing() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    assert store.submit_now(question("锁空了"), NOW, WINDOW) is not None


def test_the_queue_reads_a_pending_extension_request(store: Store) -> None:
    """The queue row carries a request for more time not yet decided (its days), on SQLite and PostgreSQL alike."""
    from console_kit import add_item, create_accounts

    from relay.store.console import QueueFilter

    create_accounts(store)
    officer = Actor("li", Role.OFFICER, ("dongshan",))
    item_id = add_item(store)
    carry(store, item_id, "accept")
    carry(store, item_id, "assign", officer="li")
    everything = QueueFilter(statuses=(Status.AWAITING_REPLY,), stations=None)
    now = dt.datetime.now(dt.UTC)
    assert [row.extension_pending for row in store.queue(everything, now)] == [None]
    carry(store, item_id, "request_extension", actor=officer, days="3", reason="需要调取监控")
    assert [row.extension_pending for row in store.queue(everything, now)] == [3]
    carry(store, item_id, "refuse_extension", note="请按期答复")
    assert [row.extension_pending for row in store.queue(everything, now)] == [None]
