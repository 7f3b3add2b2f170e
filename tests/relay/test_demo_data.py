"""The demo data (make demo) shows every channel, every state and every kind of casework record."""

from __future__ import annotations

import datetime as dt

from console_kit import planner_of

from relay.demo import seed
from relay.models import Channel, Status
from relay.store import Store
from relay.store.console import QueueFilter


def test_the_demo_seeds_every_channel_state_and_record(sqlite_store: Store) -> None:
    now = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
    assert seed(sqlite_store, planner_of(sqlite_store), now)
    assert not seed(sqlite_store, planner_of(sqlite_store), now)  # once only
    counts = sqlite_store.status_counts(None)
    assert all(counts[status] >= 1 for status in Status), counts
    rows = sqlite_store.queue(QueueFilter(statuses=tuple(Status)), now)
    assert {row.channel for row in rows} == set(Channel)
    items = [sqlite_store.console_item(row.id) for row in rows]
    escalations = [e for item in items if item for e in item.escalations]
    callbacks = [c for item in items if item for c in item.callbacks]
    extensions = [e for item in items if item for e in item.extensions]
    assert {e.met for e in escalations} == {True, None}  # one resolved in time, one still open (and overdue)
    assert {c.reason for c in callbacks} == {"low_rating"} and len(callbacks) == 2
    assert {e.granted for e in extensions} == {True, None}  # one granted, one waiting for a moderator
    assert any(item and item.assigned_to for item in items) and any(item and item.acknowledged_at for item in items)
    assert any(item and item.transferred_to == "zhujian" for item in items)
