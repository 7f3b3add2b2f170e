"""The planner, table-driven: every action x state x role x kind, and the docs' state table against the code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from console_kit import add_item, carry

from relay.casework import ACTIONS, Actor, Change, FieldErrors, Planner
from relay.casework.actions import OFFICER_ANY_ITEM as OFFICER_ANY_ITEM_IN_CODE
from relay.casework.change import CallbackOutcome, ExtensionDecision, NewEscalation, Officer
from relay.casework.clock import current_deadline, current_deadline_name, describe_time_left
from relay.errors import Conflict, Forbidden, NotFound
from relay.models import Kind, ReplyKind, Role, Status
from relay.settings import load_settings
from relay.stations import StationInfo, Stations
from relay.store import ConsoleItem, Reply, Store
from relay.store.console import Callback, Extension
from relay.timefmt import BEIJING

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)
RECEIVED = NOW - dt.timedelta(hours=3)
STATIONS = Stations(
    [
        StationInfo("dongshan", "东山派出所", "东城区", "0000-1", "/stations/dongshan/", "ds@example.test"),
        StationInfo("hubin", "湖滨派出所", "西湖区", "0000-2", "/stations/hubin/", "hb@example.test"),
    ]
)
OFFICERS = {"dongshan": [Officer("li", "李明", "li@example.test"), Officer("zhao", "赵强", None)]}
PLANNER = Planner(
    STATIONS,
    load_settings(environ={}, secret_key="test", public_url="https://relay.test"),
    officers=lambda station: OFFICERS.get(station, []),
)
ACTORS = {
    Role.ADMIN: Actor("admin", Role.ADMIN),
    Role.MODERATOR: Actor("moderator", Role.MODERATOR),
    Role.STATION: Actor("dongshan", Role.STATION, ("dongshan",)),
    Role.OFFICER: Actor("li", Role.OFFICER, ("dongshan",)),
}
CITY = {Role.ADMIN, Role.MODERATOR}
STATION_SIDE = {Role.STATION, Role.OFFICER}
OPEN = {Status.NEW, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY}
ANSWERED = {Status.ANSWERED, Status.ANSWERED_PRIVATE, Status.PUBLISHED, Status.REJECTED}
PENDING = Extension(7, "dongshan", RECEIVED, "需要调取监控", 5, None, None, None, None)
OPEN_CALLBACK = Callback(9, "low_rating", NOW, NOW + dt.timedelta(days=2), None, None, None, None, None, None)
# What the item must already have for an action's condition (``when``) to hold.
CONDITIONS: dict[str, dict[str, object]] = {
    "grant_extension": {"extensions": (PENDING,)},
    "refuse_extension": {"extensions": (PENDING,)},
    "record_callback": {"callbacks": (OPEN_CALLBACK,)},
    "close_private": {"consent": False},
}

# Written out independently of relay/casework/actions.py: (who, from, kinds or None for all).
RULES: dict[str, tuple[set[Role], set[Status], set[Kind] | None]] = {
    "accept": (CITY, {Status.NEW}, None),
    "acknowledge": (CITY | STATION_SIDE, OPEN, {Kind.HAZARD}),
    "assign": (CITY | {Role.STATION}, OPEN, None),
    "claim": ({Role.OFFICER}, OPEN, None),
    "reply": (CITY | STATION_SIDE, OPEN, None),
    "push_back": (STATION_SIDE, {Status.NEW, Status.AWAITING_REPLY}, None),
    "request_extension": (STATION_SIDE, OPEN, None),
    "grant_extension": (CITY, OPEN, None),
    "refuse_extension": (CITY, OPEN, None),
    "transfer_out": (CITY, OPEN, None),
    "open_callback": (CITY, ANSWERED, None),
    "record_callback": (CITY, ANSWERED, None),
    "approve": (CITY, {Status.ANSWERED}, None),
    "close_private": (CITY, {Status.ANSWERED}, None),
    "reject": (CITY, {Status.NEW, Status.AWAITING_REPLY}, None),
    "spam": (CITY, OPEN, None),
    "transfer": (CITY, OPEN, None),
    "escalate": (CITY, OPEN, None),
    "deadline": (CITY, OPEN, {Kind.HELP}),
    "reopen": (CITY, ANSWERED | {Status.SPAM, Status.TRANSFERRED_OUT}, None),
}
# An officer takes an action only on an item assigned to them, but for these (我来办理 takes an unassigned one).
OFFICER_ANY_ITEM = {"claim"}
GOOD_FORMS: dict[str, dict[str, str]] = {
    "accept": {},
    "acknowledge": {"note": "已派社区民警核查"},
    "assign": {"officer": "zhao"},
    "claim": {},
    "push_back": {"reason": "不属于本所辖区"},
    "request_extension": {"days": "5", "reason": "需要调取监控"},
    "grant_extension": {},
    "refuse_extension": {"note": "理由不充分"},
    "transfer_out": {"unit": "chengguan", "receiver": "王科员"},
    "open_callback": {"reason": "complaint"},
    "record_callback": {"reached": "yes", "satisfied": "no", "corrected": "yes", "note": "重新核实处理结果"},
    "reply": {"reply": "请携带身份证到户籍窗口办理。", "case_type": "general_help"},
    "approve": {"public_text": "身份证丢了怎么补办？", "public_reply_1": "请到户籍窗口办理。"},
    "reject": {"reason": "不属于公安机关职责"},
    "spam": {},
    "transfer": {"station": "hubin"},
    "escalate": {"note": "请今天内答复", "level": "2"},
    "deadline": {"case_type": "public_order_case"},
    "reopen": {},
    "close_private": {},
}


def expected_status(action: str, status: Status, kind: Kind) -> Status:
    if action == "reply":
        first_of_help = kind is Kind.HELP and status in (Status.NEW, Status.AWAITING_REPLY)
        return Status.AWAITING_FINAL_REPLY if first_of_help else Status.ANSWERED
    if action in ("reopen", "record_callback") and kind is Kind.HELP:  # an_item has a first reply already
        return Status.AWAITING_FINAL_REPLY  # the next reply is the final one
    return {
        "accept": Status.AWAITING_REPLY,
        "push_back": Status.NEW,
        "transfer_out": Status.TRANSFERRED_OUT,
        "record_callback": Status.AWAITING_REPLY,  # the good form reopens it for correction (整改)
        "approve": Status.PUBLISHED,
        "close_private": Status.ANSWERED_PRIVATE,
        "reject": Status.REJECTED,
        "spam": Status.SPAM,
        "reopen": Status.AWAITING_REPLY,
    }.get(action, status)


def an_item(status: Status, kind: Kind, station: str = "dongshan", **overrides: object) -> ConsoleItem:
    values: dict[str, object] = {
        "id": 1,
        "receipt_code": "ABCD-EFGH",
        "station": station,
        "kind": kind,
        "status": status,
        "text": "我叫王建国，身份证丢了怎么补办？电话13912345678",
        "location": None,
        "photo_id": None,
        "name": "王建国",
        "contact_phone": "13912345678",
        "contact_email": "wang@example.test",
        "consent": True,
        "received_at": RECEIVED,
        "first_reply_due_at": RECEIVED + dt.timedelta(hours=24),
        "final_reply_due_at": None,
        "escalated_at": None,
        "escalation_note": None,
        "reject_reason": None,
        "public_text": None,
        "published_at": None,
        "duplicates": 0,
        "version": 3,
        "live_at": None,
        "replies": (Reply(1, ReplyKind.FIRST, "请到户籍窗口办理。", "dongshan", NOW, None),),
        "ack_due_at": RECEIVED + dt.timedelta(hours=2) if kind is Kind.HAZARD else None,
    }
    values.update(overrides)
    return ConsoleItem(**values)  # type: ignore[arg-type]


CASES = [(action, status, role, kind) for action in ACTIONS for status in Status for role in Role for kind in Kind]


def own(action: str, role: Role) -> dict[str, object]:
    """What the item needs for ``role`` to take ``action`` on it: an officer's own item (``ACTORS`` has li)."""
    return {"assigned_to": "li"} if role is Role.OFFICER and action not in OFFICER_ANY_ITEM else {}


@pytest.mark.parametrize(("action", "status", "role", "kind"), CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_plan_for_every_action_state_role_and_kind(action: str, status: Status, role: Role, kind: Kind) -> None:
    roles, states, kinds = RULES[action]
    item = an_item(status, kind, **CONDITIONS.get(action, {}), **own(action, role))
    plan = lambda: PLANNER.plan(action, item, GOOD_FORMS[action], ACTORS[role], NOW)  # noqa: E731
    if role not in roles:
        with pytest.raises(Forbidden):
            plan()
        return
    if role is Role.OFFICER and action not in OFFICER_ANY_ITEM:  # a colleague's item: refused in every state
        colleagues = dataclasses.replace(item, assigned_to="zhao")
        with pytest.raises(Forbidden):
            PLANNER.plan(action, colleagues, GOOD_FORMS[action], ACTORS[role], NOW)
        assert ACTIONS[action] not in PLANNER.actions_for(ACTORS[role], colleagues)
    if status not in states or (kinds is not None and kind not in kinds):
        with pytest.raises(Conflict):
            plan()
        return
    change = plan()
    assert isinstance(change, Change), change
    assert change.status is expected_status(action, status, kind)
    assert (change.action, change.actor, change.at) == (action, ACTORS[role], NOW)
    assert set(PLANNER.actions_for(ACTORS[role], item)) >= {ACTIONS[action]}


NO_FORM = ("accept", "spam", "reopen", "acknowledge", "claim", "grant_extension", "open_callback", "close_private")


@pytest.mark.parametrize("action", [a for a in ACTIONS if a not in NO_FORM])
def test_an_empty_form_gets_field_errors_not_a_change(action: str) -> None:
    roles, states, _kinds = RULES[action]
    item = an_item(sorted(states)[0], Kind.HELP, **CONDITIONS.get(action, {}))
    actor = ACTORS[Role.MODERATOR] if Role.MODERATOR in roles else ACTORS[Role.OFFICER]
    planned = PLANNER.plan(action, dataclasses.replace(item, **own(action, actor.role)), {}, actor, NOW)
    assert isinstance(planned, FieldErrors) and planned.errors, planned
    assert all(re.search(r"[\u4e00-\u9fff]", message) for message in planned.errors.values())


def test_what_each_change_carries() -> None:
    moderator = ACTORS[Role.MODERATOR]
    first = PLANNER.plan("reply", an_item(Status.AWAITING_REPLY, Kind.HELP), GOOD_FORMS["reply"], moderator, NOW)
    assert isinstance(first, Change) and first.reply is not None and first.reply.kind is ReplyKind.FIRST
    # 一般群众求助: 15 calendar days from receipt (1 October, Beijing), to the end of the last day
    assert first.deadlines == {"final_reply_due_at": dt.datetime(2026, 10, 16, 23, 59, 59, tzinfo=BEIJING)}
    assert first.fields["case_type"] == "general_help"
    assert [m.recipient for m in first.messages] == ["wang@example.test"]
    assert "13912345678" not in first.messages[0].subject
    kept = an_item(Status.AWAITING_REPLY, Kind.HELP, final_reply_due_at=RECEIVED + dt.timedelta(days=30))
    assert PLANNER.plan("reply", kept, {"reply": "已受理"}, moderator, NOW).deadlines == {}  # type: ignore[union-attr]
    final = PLANNER.plan("reply", an_item(Status.AWAITING_FINAL_REPLY, Kind.HELP), {"reply": "已办结"}, moderator, NOW)
    assert isinstance(final, Change) and final.reply is not None and final.reply.kind is ReplyKind.FINAL
    approve = PLANNER.plan("approve", an_item(Status.ANSWERED, Kind.QUESTION), GOOD_FORMS["approve"], moderator, NOW)
    assert isinstance(approve, Change)
    assert approve.columns() == {
        "status": Status.PUBLISHED,
        "published_at": NOW,
        "public_text": "身份证丢了怎么补办？",
    }
    assert approve.public_replies == {1: "请到户籍窗口办理。"}
    transfer = PLANNER.plan("transfer", an_item(Status.NEW, Kind.QUESTION), {"station": "hubin"}, moderator, NOW)
    assert isinstance(transfer, Change) and transfer.fields == {"station": "hubin", "assigned_to": None}
    assert [m.recipient for m in transfer.messages] == ["hb@example.test"] and "湖滨派出所" in (transfer.note or "")
    reopen = PLANNER.plan("reopen", an_item(Status.PUBLISHED, Kind.QUESTION), {}, moderator, NOW)
    assert isinstance(reopen, Change)
    assert reopen.fields == {"published_at": None, "live_at": None, "transferred_to": None}


def test_casework_changes() -> None:
    moderator, officer = ACTORS[Role.MODERATOR], ACTORS[Role.OFFICER]
    hazard = an_item(Status.NEW, Kind.HAZARD, assigned_to="li")
    ack = PLANNER.plan("acknowledge", hazard, {}, officer, NOW)
    assert isinstance(ack, Change) and ack.fields == {"acknowledged_at": NOW}
    acked = an_item(Status.NEW, Kind.HAZARD, acknowledged_at=NOW, assigned_to="li")
    with pytest.raises(Conflict):  # the condition no longer holds: acknowledged already
        PLANNER.plan("acknowledge", acked, {}, officer, NOW)
    replied = PLANNER.plan("reply", hazard, {"reply": "已处理"}, officer, NOW)
    assert isinstance(replied, Change) and replied.fields == {"acknowledged_at": NOW}
    # 督办 e-mails the chief's mailbox (the station's) and the district office, with its own deadline
    escalation = PLANNER.plan(
        "escalate",
        an_item(Status.AWAITING_REPLY, Kind.QUESTION),
        {"level": "3", "note": "群众多次反映", "due_hours": "48"},
        moderator,
        NOW,
    )
    assert isinstance(escalation, Change)
    assert [m.recipient for m in escalation.messages] == ["ds@example.test", "dongcheng@pcs.yunlan.example"]
    assert "挂牌督办" in escalation.messages[0].subject and "王建国" not in escalation.messages[0].body
    assert escalation.records == (NewEscalation(3, "群众多次反映", NOW + dt.timedelta(hours=48)),)
    # transfer out: the masked text and the tracking link to the unit's mailbox
    out = PLANNER.plan(
        "transfer_out", an_item(Status.AWAITING_REPLY, Kind.HAZARD), GOOD_FORMS["transfer_out"], moderator, NOW
    )
    assert isinstance(out, Change) and out.status is Status.TRANSFERRED_OUT and out.resolves_escalations
    (mail,) = out.messages
    assert mail.recipient == "chengguan@gov.yunlan.example" and "/track/ABCD-EFGH" in mail.body
    assert "13912345678" not in mail.body and "王建国" not in mail.body and "补办" in mail.body
    # an extension granted moves the deadline being chased by working days: from 2 October (a holiday),
    # 5 working days are 8, 9, 10 (the make-up working Saturday), 12 and 13 October 2026
    waiting = an_item(Status.AWAITING_REPLY, Kind.QUESTION, extensions=(PENDING,))
    granted = PLANNER.plan("grant_extension", waiting, {}, moderator, NOW)
    assert isinstance(granted, Change)
    assert granted.deadlines == {"first_reply_due_at": dt.datetime(2026, 10, 13, 23, 59, 59, tzinfo=BEIJING)}
    assert granted.records == (ExtensionDecision(7, True, ""),)
    refused = PLANNER.plan("refuse_extension", waiting, {}, moderator, NOW)
    assert isinstance(refused, FieldErrors) and "note" in refused.errors
    with pytest.raises(Conflict):
        PLANNER.plan("grant_extension", an_item(Status.AWAITING_REPLY, Kind.QUESTION), {}, moderator, NOW)
    # assign: only an officer of the item's station; claim only when unassigned
    assigned = PLANNER.plan("assign", an_item(Status.NEW, Kind.QUESTION), {"officer": "li"}, moderator, NOW)
    assert isinstance(assigned, Change) and assigned.fields == {"assigned_to": "li"}
    assert [m.recipient for m in assigned.messages] == ["li@example.test"]
    stranger = PLANNER.plan("assign", an_item(Status.NEW, Kind.QUESTION), {"officer": "someone"}, moderator, NOW)
    assert isinstance(stranger, FieldErrors)
    with pytest.raises(Conflict):
        PLANNER.plan("claim", an_item(Status.NEW, Kind.QUESTION, assigned_to="zhao"), {}, officer, NOW)
    back = PLANNER.plan(
        "push_back",
        an_item(Status.AWAITING_REPLY, Kind.QUESTION, assigned_to="li"),
        GOOD_FORMS["push_back"],
        officer,
        NOW,
    )
    assert isinstance(back, Change) and back.status is Status.NEW and back.fields == {"assigned_to": None}
    # a callback recorded without correction keeps the state; with correction it reopens with a new clock
    callback = an_item(Status.PUBLISHED, Kind.QUESTION, callbacks=(OPEN_CALLBACK,))
    kept = PLANNER.plan("record_callback", callback, {"reached": "yes", "satisfied": "yes"}, moderator, NOW)
    assert isinstance(kept, Change) and kept.status is Status.PUBLISHED
    assert kept.records == (CallbackOutcome(9, True, True, False, ""),)
    unreached = PLANNER.plan("record_callback", callback, {"reached": "no"}, moderator, NOW)
    assert isinstance(unreached, Change) and unreached.records[0].satisfied is None  # type: ignore[union-attr]
    corrected = PLANNER.plan("record_callback", callback, GOOD_FORMS["record_callback"], moderator, NOW)
    assert isinstance(corrected, Change) and corrected.status is Status.AWAITING_REPLY
    assert corrected.deadlines == {"rework_due_at": NOW + dt.timedelta(hours=24)}
    # a help request's final deadline: a case type, or another date with a reason
    help_item = an_item(Status.AWAITING_REPLY, Kind.HELP)
    no_reason = PLANNER.plan(
        "deadline", help_item, {"case_type": "general_help", "final_due": "2026-11-30"}, moderator, NOW
    )
    assert isinstance(no_reason, FieldErrors) and "final_due_note" in no_reason.errors
    overridden = PLANNER.plan(
        "deadline",
        help_item,
        {"case_type": "general_help", "final_due": "2026-11-30", "final_due_note": "需会同街道调查"},
        moderator,
        NOW,
    )
    assert isinstance(overridden, Change)
    assert overridden.deadlines == {"final_reply_due_at": dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=BEIJING)}
    assert overridden.fields == {"case_type": "general_help", "final_due_note": "需会同街道调查"}


def test_refusals_name_the_problem() -> None:
    moderator = ACTORS[Role.MODERATOR]
    answered = an_item(Status.ANSWERED, Kind.QUESTION)
    no_consent = an_item(Status.ANSWERED, Kind.QUESTION, consent=False)
    with pytest.raises(Conflict):  # not offered: the sender did not agree to publication; it is closed unpublished
        PLANNER.plan("approve", no_consent, GOOD_FORMS["approve"], moderator, NOW)
    assert [a.name for a in PLANNER.actions_for(moderator, no_consent) if a.name in ("approve", "close_private")] == [
        "close_private"
    ]
    assert [a.name for a in PLANNER.actions_for(moderator, answered) if a.name in ("approve", "close_private")] == [
        "approve"
    ]
    blank_reply = PLANNER.plan("approve", answered, {"public_text": "问题"}, moderator, NOW)
    assert isinstance(blank_reply, FieldErrors) and set(blank_reply.errors) == {"public_reply_1"}
    same = PLANNER.plan("transfer", an_item(Status.NEW, Kind.QUESTION), {"station": "dongshan"}, moderator, NOW)
    unknown = PLANNER.plan("transfer", an_item(Status.NEW, Kind.QUESTION), {"station": "nowhere"}, moderator, NOW)
    assert isinstance(same, FieldErrors) and isinstance(unknown, FieldErrors)
    help_item = an_item(Status.NEW, Kind.HELP)
    for case_type in ("", "no_such_type", "General_Help", "general help"):
        planned = PLANNER.plan("deadline", help_item, {"case_type": case_type}, moderator, NOW)
        assert isinstance(planned, FieldErrors) and "case_type" in planned.errors, case_type
    for day in ("2026-02-30", "2026-9-30", "2026-09-29", "2028-01-01", "明天"):  # bad, not after receipt, too late
        form = {"case_type": "general_help", "final_due": day, "final_due_note": "需会同街道调查"}
        planned = PLANNER.plan("deadline", help_item, form, moderator, NOW)
        assert isinstance(planned, FieldErrors) and "final_due" in planned.errors, day
    good = {"case_type": "general_help", "final_due": "2026-10-20", "final_due_note": "需会同街道调查"}
    assert isinstance(PLANNER.plan("deadline", help_item, good, moderator, NOW), Change)
    too_long = PLANNER.plan("reject", an_item(Status.NEW, Kind.QUESTION), {"reason": "长" * 1001}, moderator, NOW)
    assert isinstance(too_long, FieldErrors) and "1000" in too_long.errors["reason"]
    with pytest.raises(NotFound):
        PLANNER.plan("no-such-action", answered, {}, moderator, NOW)
    with pytest.raises(NotFound):  # another station's item does not exist for a station account
        PLANNER.plan(
            "reply", an_item(Status.NEW, Kind.QUESTION, station="hubin"), {"reply": "x"}, ACTORS[Role.STATION], NOW
        )


# -- an officer (民警) handles the items assigned to them ------------------------------------------------

# What an officer may do on their own item, and never on a colleague's or an unassigned one.
OWN_ITEM_ACTIONS = ("acknowledge", "reply", "push_back", "request_extension")


@pytest.mark.parametrize("assigned_to", ["zhao", None], ids=["a-colleagues-item", "an-unassigned-item"])
def test_an_officer_acts_only_on_the_items_assigned_to_them(assigned_to: str | None) -> None:
    officer = ACTORS[Role.OFFICER]  # li
    item = an_item(Status.AWAITING_REPLY, Kind.HAZARD, assigned_to=assigned_to)
    offered = {a.name for a in PLANNER.actions_for(officer, item)}
    assert offered.isdisjoint(OWN_ITEM_ACTIONS), offered
    for action in OWN_ITEM_ACTIONS:
        with pytest.raises(Forbidden):
            PLANNER.plan(action, item, GOOD_FORMS[action], officer, NOW)
    if assigned_to is None:  # 我来办理 stays offered on an unassigned item: it makes the item theirs
        assert offered == {"claim"}
        claimed = PLANNER.plan("claim", item, {}, officer, NOW)
        assert isinstance(claimed, Change) and claimed.fields == {"assigned_to": "li"}
    else:
        assert offered == set()
        with pytest.raises(Conflict):  # a colleague has it: not theirs to claim
            PLANNER.plan("claim", item, {}, officer, NOW)
    # the station's desk and the city's accounts act on it whoever has it
    for role in (Role.STATION, Role.MODERATOR, Role.ADMIN):
        assert {"acknowledge", "reply"} <= {a.name for a in PLANNER.actions_for(ACTORS[role], item)}, role
        assert isinstance(PLANNER.plan("reply", item, GOOD_FORMS["reply"], ACTORS[role], NOW), Change), role


def test_the_assigned_officer_still_takes_every_action_on_their_item() -> None:
    officer = ACTORS[Role.OFFICER]
    own = an_item(Status.AWAITING_REPLY, Kind.HAZARD, assigned_to="li")
    assert {a.name for a in PLANNER.actions_for(officer, own)} == set(OWN_ITEM_ACTIONS)
    for action in OWN_ITEM_ACTIONS:
        assert isinstance(PLANNER.plan(action, own, GOOD_FORMS[action], officer, NOW), Change), action
    zhao = Actor("zhao", Role.OFFICER, ("dongshan",))
    theirs = an_item(Status.AWAITING_REPLY, Kind.HAZARD, assigned_to="zhao")
    assert {a.name for a in PLANNER.actions_for(zhao, theirs)} == set(OWN_ITEM_ACTIONS)


def test_a_change_sets_only_item_columns_it_knows() -> None:
    with pytest.raises(ValueError, match="version"):
        Change("accept", ACTORS[Role.MODERATOR], NOW, Status.AWAITING_REPLY, fields={"version": 1})
    with pytest.raises(ValueError, match="aware"):
        Change("accept", ACTORS[Role.MODERATOR], NOW.replace(tzinfo=None), Status.AWAITING_REPLY)


def test_apply_writes_everything_in_one_transaction_or_nothing(store: Store) -> None:
    item_id = add_item(store, kind=Kind.HELP, contact_email="wang@example.test", consent=True)
    stale = store.console_item(item_id)
    assert stale is not None
    carry(store, item_id, "accept", NOW)
    planned = PLANNER.plan("reply", stale, GOOD_FORMS["reply"], ACTORS[Role.MODERATOR], NOW)
    assert isinstance(planned, Change)
    outbox_before = store.outbox.pending_count()
    with pytest.raises(Conflict):
        store.apply(stale, planned)  # someone accepted it since it was read
    item = store.console_item(item_id)
    assert item is not None and item.status is Status.AWAITING_REPLY and item.replies == ()
    assert store.outbox.pending_count() == outbox_before
    carry(store, item_id, "reply", NOW, reply="已受理，民警将与您联系。")
    item = store.console_item(item_id)
    assert item is not None and item.status is Status.AWAITING_FINAL_REPLY
    assert [r.text for r in item.replies] == ["已受理，民警将与您联系。"]
    assert store.outbox.pending_count() == outbox_before + 1
    steps = [(h.from_status, h.to_status) for h in store.history(item_id)]
    assert (Status.NEW, Status.AWAITING_REPLY) in steps
    assert (Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY) in steps
    audit = store.audit_entries(10, item_id)[0]
    assert audit.action == "reply" and json.loads(audit.after or "{}")["status"] == "awaiting_final_reply"


# -- the docs' table is the code's table ------------------------------------------


def documented_actions() -> dict[str, tuple[str, set[str], set[str], set[str], set[str] | None, str]]:
    text = (ROOT / "docs" / "relay.md").read_text(encoding="utf-8")
    start = text.index("| action | 中文 | who | kinds | from | to | when |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        name, label, who, kinds, sources, targets, when = (
            cell.strip().strip("`") for cell in line.strip("|").split("|")
        )
        split = lambda cell: {part.strip() for part in cell.split(",")}  # noqa: E731
        rows[name] = (
            label,
            split(who),
            {k.value for k in Kind} if kinds == "all" else split(kinds),
            split(sources),
            None if targets == "(unchanged)" else split(targets),
            when,
        )
    return rows


def test_the_state_table_in_the_docs_is_the_code() -> None:
    documented = documented_actions()
    assert set(documented) == set(ACTIONS)
    for name, action in ACTIONS.items():
        label, who, kinds, sources, targets, when = documented[name]
        assert when == action.condition, name
        assert label == action.label, name
        assert who == {r.value for r in action.roles}, name
        assert kinds == {k.value for k in action.kinds}, name
        assert sources == {s.value for s in action.from_states}, name
        assert targets == (None if action.to_states is None else {s.value for s in action.to_states}), name


def test_the_docs_state_which_actions_an_officer_takes_on_items_not_theirs() -> None:
    text = " ".join((ROOT / "docs" / "relay.md").read_text(encoding="utf-8").split())
    rule = re.search(
        r"an `officer` takes an action only on an item assigned to them \([^)]*\), except: ([^.]*)\.", text
    )
    assert rule, "docs/relay.md no longer states the officers' rule under the action table"
    assert set(re.findall(r"`([a-z_]+)`", rule.group(1))) == set(OFFICER_ANY_ITEM) == OFFICER_ANY_ITEM_IN_CODE


def test_every_outcome_the_planner_gives_is_in_the_table() -> None:
    for action, status, role, kind in CASES:
        try:
            item = an_item(status, kind, **CONDITIONS.get(action, {}), **own(action, role))
            change = PLANNER.plan(action, item, GOOD_FORMS[action], ACTORS[role], NOW)
        except (Forbidden, Conflict):
            continue
        targets = ACTIONS[action].to_states
        assert isinstance(change, Change)
        assert change.status in (targets if targets is not None else (status,)), (action, status, kind)


def test_no_function_in_the_relay_is_above_complexity_c() -> None:
    found = subprocess.run(
        [sys.executable, "-m", "radon", "cc", "--json", "--min", "D", str(ROOT / "relay")],
        capture_output=True,
        text=True,
        check=True,
    )
    too_complex = [
        f"{Path(path).relative_to(ROOT)}:{block['lineno']} {block['name']} ({block['rank']}, {block['complexity']})"
        for path, blocks in json.loads(found.stdout).items()
        for block in blocks
    ]
    assert too_complex == []
    assert not [p for p in (ROOT / "relay").rglob("*.py") if "build_change" in p.read_text(encoding="utf-8")]


# -- reopening and correction (整改) restart the item the same way --------------------------------------------


def restarted(item: ConsoleItem, path: str, at: dt.datetime) -> Change:
    """``reopen``, or a callback recorded with 重新办理（整改）, planned at ``at``."""
    moderator = ACTORS[Role.MODERATOR]
    if path == "reopen":
        change = PLANNER.plan("reopen", item, {}, moderator, at)
    else:
        with_callback = dataclasses.replace(item, callbacks=(OPEN_CALLBACK,))
        change = PLANNER.plan("record_callback", with_callback, GOOD_FORMS["record_callback"], moderator, at)
    assert isinstance(change, Change), change
    return change


def bj(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=BEIJING)  # type: ignore[misc]


ANSWERED_ON_TIME = dict(
    received_at=bj(2026, 10, 5, 10, 0),
    first_reply_due_at=bj(2026, 10, 6, 10, 0),  # answered on the 5th, well inside its 24 hours
)


@pytest.mark.parametrize("path", ["reopen", "record_callback"])
@pytest.mark.parametrize(
    ("kind", "at", "due"),
    [
        # a question: 24 hours from the reopening, across Beijing midnight
        (Kind.QUESTION, bj(2026, 10, 8, 23, 30), bj(2026, 10, 9, 23, 30)),
        # a suggestion: 5 working days, the start day not counted: from Thursday 8 October at 23:59 they are
        # the 9th, Saturday the 10th (a 调休 working day), the 12th, 13th and 14th; a minute past midnight the
        # count starts a day later and ends on the 15th
        (Kind.SUGGESTION, bj(2026, 10, 8, 23, 59), dt.datetime(2026, 10, 14, 23, 59, 59, tzinfo=BEIJING)),
        (Kind.SUGGESTION, bj(2026, 10, 9, 0, 1), dt.datetime(2026, 10, 15, 23, 59, 59, tzinfo=BEIJING)),
        # reopened during the National Day holiday: the 8th, 9th, 10th, 12th and 13th
        (Kind.SUGGESTION, bj(2026, 10, 2, 9, 0), dt.datetime(2026, 10, 13, 23, 59, 59, tzinfo=BEIJING)),
    ],
)
def test_a_reopened_item_gets_a_fresh_deadline_from_its_clock(
    path: str, kind: Kind, at: dt.datetime, due: dt.datetime
) -> None:
    item = an_item(Status.PUBLISHED, kind, **ANSWERED_ON_TIME)
    change = restarted(item, path, at)
    assert change.status is Status.AWAITING_REPLY
    assert change.deadlines == {"rework_due_at": due}  # the first-reply deadline the figures judge stays
    reopened = dataclasses.replace(item, **change.columns())
    assert current_deadline_name(reopened) == "rework_due_at" and current_deadline(reopened) == due
    assert describe_time_left(current_deadline(reopened), at)[1] is False  # not overdue the moment it reopens
    reply = PLANNER.plan("reply", reopened, {"reply": "更正后的答复"}, ACTORS[Role.MODERATOR], at)
    assert isinstance(reply, Change) and reply.status is Status.ANSWERED
    assert reply.deadlines == {"rework_due_at": None}  # answered again: no longer chased


@pytest.mark.parametrize("path", ["reopen", "record_callback"])
def test_a_help_request_reworked_after_its_final_reply_owes_a_final_reply(path: str) -> None:
    replies = (
        Reply(1, ReplyKind.FIRST, "已受理。", "dongshan", bj(2026, 10, 5, 11, 0), None),
        Reply(2, ReplyKind.FINAL, "车已找回。", "dongshan", bj(2026, 10, 7, 11, 0), None),
    )
    final_due = dt.datetime(2026, 10, 20, 23, 59, 59, tzinfo=BEIJING)
    item = an_item(Status.ANSWERED, Kind.HELP, replies=replies, final_reply_due_at=final_due, **ANSWERED_ON_TIME)
    # reopened on the 25th, after the case type's final deadline: 24 hours (the help request's clock) from then
    late = restarted(item, path, bj(2026, 10, 25, 22, 0))
    assert late.status is Status.AWAITING_FINAL_REPLY and late.deadlines == {"rework_due_at": bj(2026, 10, 26, 22, 0)}
    reworked = dataclasses.replace(item, **late.columns())
    assert current_deadline_name(reworked) == "rework_due_at"
    reply = PLANNER.plan("reply", reworked, {"reply": "整改后的答复"}, ACTORS[Role.MODERATOR], bj(2026, 10, 26, 9, 0))
    assert isinstance(reply, Change) and reply.reply is not None
    assert reply.reply.kind is ReplyKind.FINAL and reply.status is Status.ANSWERED  # not a second 初步答复
    # reopened on the 8th, while the case type's deadline (the 20th) still runs: that deadline, not a shorter one
    early = restarted(item, path, bj(2026, 10, 8, 9, 0))
    assert early.deadlines == {"rework_due_at": final_due}


def test_reopen_and_correction_restart_the_item_alike() -> None:
    at = bj(2026, 10, 8, 23, 30)
    for kind in Kind:
        for status in (Status.ANSWERED, Status.PUBLISHED, Status.REJECTED):
            item = an_item(status, kind, **ANSWERED_ON_TIME)
            reopen, corrected = restarted(item, "reopen", at), restarted(item, "record_callback", at)
            assert (reopen.status, reopen.deadlines, reopen.fields) == (
                corrected.status,
                corrected.deadlines,
                corrected.fields,
            ), (kind, status)
