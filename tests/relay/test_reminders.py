"""Reminders before a deadline and when it is missed: once each, for each deadline, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from console_kit import add_item, carry

from relay.casework import Actor, Planner
from relay.casework.reminders import send_due_reminders
from relay.models import Kind, Role
from relay.settings import load_settings
from relay.stations import StationInfo, Stations
from relay.store import Store

NOW = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Beijing
STATIONS = Stations([StationInfo("dongshan", "东山派出所", "东城区", "0", "/", "ds@example.test")])


def planner_for(store: Store) -> Planner:
    settings = load_settings(environ={}, secret_key="test", public_url="https://relay.test")
    return Planner(STATIONS, settings, officers=store.officers_of)


def queued(store: Store) -> list[tuple[str, str]]:
    return [(m.recipient, m.subject) for m in store.outbox.due(NOW + dt.timedelta(days=365), limit=500)]


def test_a_reminder_before_the_deadline_and_one_when_it_is_missed(store: Store) -> None:
    planner = planner_for(store)
    item_id = add_item(store, received=NOW - dt.timedelta(hours=21))  # due in 3 hours; the lead is 4 hours
    add_item(store, text="还早的问题，明天才到期限", received=NOW - dt.timedelta(hours=1))
    before = len(queued(store))
    assert send_due_reminders(store, planner, NOW) == 1
    assert send_due_reminders(store, planner, NOW + dt.timedelta(minutes=5)) == 0  # once only
    new = queued(store)[before:]
    assert [recipient for recipient, _ in new] == ["ds@example.test"]
    assert "[提醒] 答复期限" in new[0][1]
    assert send_due_reminders(store, planner, NOW + dt.timedelta(hours=3, minutes=1)) == 1
    assert "[超期] 答复期限" in queued(store)[-1][1]
    assert send_due_reminders(store, planner, NOW + dt.timedelta(hours=5)) == 0
    item = store.console_item(item_id)
    assert item is not None


def test_an_extension_is_a_new_deadline_with_its_own_reminders(store: Store) -> None:
    planner = planner_for(store)
    store.create_account("li", "x", Role.OFFICER, ["dongshan"], NOW, email="li@example.test", display_name="李明")
    item_id = add_item(store, received=NOW - dt.timedelta(hours=21))
    carry(store, item_id, "assign", NOW, officer="li")
    assert send_due_reminders(store, planner_for(store), NOW) == 1
    assert queued(store)[-1][0] == "li@example.test"  # the responsible officer is reminded first
    officer = Actor("li", Role.OFFICER, ("dongshan",))
    carry(store, item_id, "request_extension", NOW, actor=officer, days="2", reason="需要调取监控")
    carry(store, item_id, "grant_extension", NOW)
    item = store.console_item(item_id)
    assert item is not None and item.first_reply_due_at is not None
    assert item.first_reply_due_at > NOW + dt.timedelta(days=1)
    assert send_due_reminders(store, planner, NOW + dt.timedelta(hours=4)) == 0  # the old deadline no longer runs
    assert send_due_reminders(store, planner, item.first_reply_due_at + dt.timedelta(minutes=1)) == 1
    assert {r for r, _ in queued(store)[-2:]} >= {"ds@example.test", "li@example.test"}  # missed: station too


def test_escalations_and_callbacks_have_reminders_too(store: Store) -> None:
    planner = planner_for(store)
    item_id = add_item(store, kind=Kind.QUESTION, received=NOW)
    carry(store, item_id, "escalate", NOW, level="2", note="群众多次来电", due_hours="2")
    assert send_due_reminders(store, planner, NOW + dt.timedelta(minutes=1)) == 1
    assert "督办期限" in queued(store)[-1][1]
    carry(store, item_id, "reply", NOW + dt.timedelta(hours=1), reply="已答复")
    carry(store, item_id, "open_callback", NOW + dt.timedelta(hours=1), reason="complaint")
    item = store.console_item(item_id)
    assert item is not None and item.open_callback is not None and item.open_escalations == ()
    assert item.escalations[0].met is True
    late = item.open_callback.due_at + dt.timedelta(minutes=1)
    assert send_due_reminders(store, planner, late) == 1
    assert "[超期] 回访期限" in queued(store)[-1][1]
