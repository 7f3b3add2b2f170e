"""``plan(action, item, form, actor, now)``: what an action would do to an item, decided in one place.

The planner reads the submitted form and the item as it is, and returns a
``Change`` for the store to apply, or ``FieldErrors`` for the form. It never
writes. It raises ``NotFound`` for an item the actor may not see,
``Forbidden`` when the actor's role lacks the action (or the actor is an
officer and the item is not theirs: ``Action.permits``), and ``Conflict`` when
the item's state (or kind, or condition) does not allow it any more.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import notices
from ..errors import Conflict, Forbidden, NotFound
from ..models import Kind, ReplyKind, Status
from ..timefmt import BEIJING, local_time
from .actions import ACTIONS, OPEN, Action, allowed_actions
from .calendar import WorkingCalendar
from .case_types import CaseTypes, UnknownCaseType, final_deadline
from .change import (
    Actor,
    CallbackOutcome,
    Change,
    ExtensionDecision,
    FieldErrors,
    Message,
    NewCallback,
    NewEscalation,
    NewExtension,
    NewReply,
    Officer,
)
from .clocks import Clocks
from .entry import check_entry, entry_values
from .publication import suggested_public_texts, unconfirmed
from .units import Units

REPLY_MAX = 4000
PUBLIC_TEXT_MAX = 4000
NOTE_MAX = 1000
NAME_MAX = 64
EXTENSION_DAYS = (1, 30)
ESCALATION_HOURS = (1, 720)
NUMBER = re.compile(r"[0-9]{1,3}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
YES, NO = "yes", "no"
LOW_RATING = 2  # a handling rating this low or lower opens a callback


@dataclass(frozen=True)
class Draft:
    """One action being planned: the item as read, the cleaned form, who, when."""

    action: Action
    item: Any  # relay.store.ConsoleItem (with its replies, 督办, callbacks, extensions)
    form: Mapping[str, str]
    actor: Actor
    now: dt.datetime

    def value(self, name: str) -> str:
        return self.form.get(name, "").strip()

    def number(self, name: str, bounds: tuple[int, int]) -> int | None:
        raw = self.value(name)
        low, high = bounds
        return int(raw) if NUMBER.fullmatch(raw) and low <= int(raw) <= high else None

    def change(self, status: Status | None = None, **parts: Any) -> Change:
        return Change(self.action.name, self.actor, self.now, self.item.status if status is None else status, **parts)


class Planner:
    """Plans console actions against one relay's stations, settings, clocks, calendar, case types and units."""

    def __init__(
        self,
        stations: Any,
        settings: Any,
        *,
        clocks: Clocks | None = None,
        calendar: WorkingCalendar | None = None,
        case_types: CaseTypes | None = None,
        units: Units | None = None,
        officers: Callable[[str], list[Officer]] | None = None,
    ) -> None:
        self.stations = stations
        self.settings = settings
        self.clocks = clocks or Clocks.load(getattr(settings, "clocks", "") or None)
        self.calendar = calendar or WorkingCalendar.load()
        self.case_types = case_types or CaseTypes.load()
        self.units = units or Units.load(getattr(settings, "units", "") or None)
        self.officers = officers or (lambda station: [])
        self.rules: dict[str, Callable[[Draft], Change | FieldErrors]] = {name: getattr(self, name) for name in ACTIONS}

    def actions_for(self, actor: Actor, item: Any) -> list[Action]:
        """The actions the console offers this actor on this item now."""
        if not actor.can_see(item.station):
            return []
        return [
            a for a in allowed_actions(actor.role, item.status, item.kind) if a.permits(actor, item) and a.applies(item)
        ]

    def plan(
        self, action: str, item: Any, form: Mapping[str, str], actor: Actor, now: dt.datetime
    ) -> Change | FieldErrors:
        found = ACTIONS.get(action)
        if found is None or not actor.can_see(item.station):
            raise NotFound()
        if not found.permits(actor, item):  # the role lacks it, or an officer's colleague has the item
            raise Forbidden()
        if not found.allows(actor.role, item.status, item.kind) or not found.applies(item):
            raise Conflict(item.id)
        draft = Draft(found, item, form, actor, now)
        too_long = {name: f"不能超过 {NOTE_MAX} 字" for name in ("note", "reason") if len(draft.value(name)) > NOTE_MAX}
        if too_long:
            return FieldErrors(too_long)
        return self.rules[action](draft)

    # -- intake and assignment ------------------------------------------------

    def plan_entry(self, form: Mapping[str, str], actor: Actor, now: dt.datetime) -> dict[str, Any] | FieldErrors:
        """An item staff enter from another channel: the ``NewItem`` fields, deadlines included, or field errors."""
        errors = check_entry(form, actor, now, self.stations, self.settings)
        if errors:
            return FieldErrors(errors)
        values = entry_values(form, now)
        due = self.clocks.due(values["kind"], values["received_at"], self.calendar)
        return values | {
            "entered_by": actor.username,
            "first_reply_due_at": due.first_reply_due_at,
            "ack_due_at": due.ack_due_at,
        }

    def rating_callback(
        self, item: Any, stars: int, complaint: bool, now: dt.datetime
    ) -> tuple[NewCallback | None, tuple[Message, ...]]:
        """A handling rating of 1–2 stars, or a complaint, opens a callback (回访) with its own deadline."""
        if stars > LOW_RATING and not complaint:
            return None, ()
        due = self.clocks.callback.after(now, self.calendar)
        return NewCallback("complaint" if complaint else "low_rating", due), notices.callback_notices(
            item, self.settings
        )

    def deadlines_for(self, kind: Kind, received_at: dt.datetime) -> dict[str, dt.datetime | None]:
        """A new item's deadlines from the clock table (the web form's items too)."""
        due = self.clocks.due(kind, received_at, self.calendar)
        return {"first_reply_due_at": due.first_reply_due_at, "ack_due_at": due.ack_due_at}

    def accept(self, d: Draft) -> Change:
        return d.change(Status.AWAITING_REPLY)

    def acknowledge(self, d: Draft) -> Change:
        note = d.value("note")
        return d.change(fields={"acknowledged_at": d.now}, note="已确认收到，安排核查" + (f"：{note}" if note else ""))

    def assign(self, d: Draft) -> Change | FieldErrors:
        officer = next((o for o in self.officers(d.item.station) if o.username == d.value("officer")), None)
        if officer is None:
            return FieldErrors({"officer": "请选择本所的一名民警"})
        if officer.username == d.item.assigned_to:
            return FieldErrors({"officer": "已经由这名民警负责，请选择另一名民警"})
        messages = (
            (Message(officer.email, *notices.assigned_notice(d.item, officer, self.settings)),) if officer.email else ()
        )
        return d.change(
            fields={"assigned_to": officer.username}, note=f"责任民警：{officer.display_name}", messages=messages
        )

    def claim(self, d: Draft) -> Change:
        return d.change(fields={"assigned_to": d.actor.username}, note="民警认领办理")

    def push_back(self, d: Draft) -> Change | FieldErrors:
        reason = d.value("reason")
        if not reason:
            return FieldErrors({"reason": "请写明退回理由，例如不属于本所辖区或职责"})
        return d.change(Status.NEW, fields={"assigned_to": None}, note=f"派出所退回：{reason}")

    # -- replies and deadlines -------------------------------------------------

    def reply(self, d: Draft) -> Change | FieldErrors:
        item, text, errors = d.item, d.value("reply"), {}
        if not text:
            errors["reply"] = "请填写答复内容"
        elif len(text) > REPLY_MAX:
            errors["reply"] = f"答复不能超过 {REPLY_MAX} 字"
        first_of_help = item.kind is Kind.HELP and item.status in (Status.NEW, Status.AWAITING_REPLY)
        final: dict[str, Any] = {}
        if first_of_help and item.final_reply_due_at is None:  # a deadline set by a moderator stays
            final = self.final_deadline(d, errors)
        if errors:
            return FieldErrors(errors)
        fields = {k: v for k, v in final.items() if k != "final_reply_due_at"}
        if item.kind is Kind.HAZARD and item.acknowledged_at is None:
            fields["acknowledged_at"] = d.now  # a reply acknowledges too
        status = Status.AWAITING_FINAL_REPLY if first_of_help else Status.ANSWERED
        deadlines: dict[str, dt.datetime | None] = {"final_reply_due_at": final["final_reply_due_at"]} if final else {}
        if getattr(item, "rework_due_at", None) is not None:
            deadlines["rework_due_at"] = None  # the reply the rework owed: chased by its own deadlines again
        return d.change(
            status,
            fields=fields,
            deadlines=deadlines,
            reply=NewReply(ReplyKind.FINAL if item.kind is Kind.HELP and not first_of_help else ReplyKind.FIRST, text),
            messages=notices.reply_notices(item, text, self.settings),
            resolves_escalations=status not in OPEN,
        )

    def deadline(self, d: Draft) -> Change | FieldErrors:
        errors: dict[str, str] = {}
        final = self.final_deadline(d, errors)
        if errors:
            return FieldErrors(errors)
        due = final.pop("final_reply_due_at")
        return d.change(fields=final, deadlines={"final_reply_due_at": due}, note=f"最终答复期限：{local_time(due)}")

    def final_deadline(self, d: Draft, errors: dict[str, str]) -> dict[str, Any]:
        """A help request's final deadline: from the case type picked, or a date the moderator gives with a reason."""
        code, override, why = d.value("case_type"), d.value("final_due"), d.value("final_due_note")
        try:
            case_type = self.case_types.get(code)
        except UnknownCaseType:
            errors["case_type"] = "请选择案件类型，最终答复期限按法定办理期限计算"
            return {}
        fields: dict[str, Any] = {"case_type": case_type.code, "final_due_note": None}
        due = final_deadline(case_type, d.item.received_at, self.calendar)
        if override:
            day = parse_date(override)
            received = d.item.received_at.astimezone(BEIJING).date()
            if day is None or not received < day <= received + dt.timedelta(days=366):
                errors["final_due"] = "请填写受理之后的日期，格式如 2026-10-15"
                return {}
            if not why:
                errors["final_due_note"] = "改动法定期限时请写明理由"
                return {}
            due = dt.datetime.combine(day, dt.time(23, 59, 59), BEIJING).astimezone(dt.UTC)
            fields["final_due_note"] = why
        return {**fields, "final_reply_due_at": due}

    def request_extension(self, d: Draft) -> Change | FieldErrors:
        reason, days, errors = d.value("reason"), d.number("days", EXTENSION_DAYS), {}
        if not reason:
            errors["reason"] = "请写明延期理由"
        if days is None:
            errors["days"] = "请填写延长的工作日数：1 到 30"
        if errors:
            return FieldErrors(errors)
        assert days is not None
        return d.change(records=(NewExtension(reason, days),), note=f"申请延期 {days} 个工作日：{reason}")

    def grant_extension(self, d: Draft) -> Change:
        request = d.item.pending_extension
        name = "final_reply_due_at" if d.item.status is Status.AWAITING_FINAL_REPLY else "first_reply_due_at"
        if getattr(d.item, "rework_due_at", None) is not None:
            name = "rework_due_at"
        current = getattr(d.item, name) or d.now
        moved = self.calendar.add_days(current, request.days, "working")
        return d.change(
            deadlines={name: moved},
            records=(ExtensionDecision(request.id, True, d.value("note")),),
            note=f"同意延期 {request.days} 个工作日，期限改为 {local_time(moved)}",
        )

    def refuse_extension(self, d: Draft) -> Change | FieldErrors:
        reason = d.value("note")
        if not reason:
            return FieldErrors({"note": "请写明不同意延期的理由"})
        request = d.item.pending_extension
        return d.change(records=(ExtensionDecision(request.id, False, reason),), note=f"不同意延期：{reason}")

    # -- outcomes ----------------------------------------------------------------

    def approve(self, d: Draft) -> Change | FieldErrors:
        text, errors = d.value("public_text"), {}
        if not d.item.consent:
            errors["public_text"] = "提交人没有同意公开，不能批准公开"
        elif not text:
            errors["public_text"] = "请填写公开的问题内容"
        elif len(text) > PUBLIC_TEXT_MAX:
            errors["public_text"] = f"不能超过 {PUBLIC_TEXT_MAX} 字"
        public_replies = {reply.id: d.value(f"public_reply_{reply.id}") for reply in d.item.replies}
        for reply_id, public_reply in public_replies.items():
            if not public_reply:
                errors[f"public_reply_{reply_id}"] = "请填写公开的答复内容"
            elif len(public_reply) > PUBLIC_TEXT_MAX:
                errors[f"public_reply_{reply_id}"] = f"不能超过 {PUBLIC_TEXT_MAX} 字"
        if not errors:
            left = unconfirmed([text, *public_replies.values()], d.form, self.public_values(d.item))
            if left:
                errors["flags"] = (
                    "还有可能是个人信息的内容没有核对："
                    + "、".join(f"“{flag.text}”" for flag in left[:5])
                    + ("。请逐条核对并勾选，或修改文字后重新提交")
                )
        if errors:
            return FieldErrors(errors)
        return d.change(
            Status.PUBLISHED, fields={"published_at": d.now}, public_text=text, public_replies=public_replies
        )

    def close_private(self, d: Draft) -> Change:
        """Answered, and the sender did not agree to publication: closed, never in the public export."""
        return d.change(Status.ANSWERED_PRIVATE, note="提交人没有同意公开：已答复，办结不公开")

    def public_values(self, item: Any) -> list[str]:
        """What is public anyway and never masked or flagged: the station's own phone."""
        station = self.stations.get(item.station)
        return [station.phone] if station and station.phone else []

    def reject(self, d: Draft) -> Change | FieldErrors:
        reason = d.value("reason")
        if not reason:
            return FieldErrors({"reason": "请填写不予受理的理由"})
        return d.change(Status.REJECTED, fields={"reject_reason": reason}, note=reason, resolves_escalations=True)

    def spam(self, d: Draft) -> Change:
        return d.change(Status.SPAM, resolves_escalations=True)

    def transfer(self, d: Draft) -> Change | FieldErrors:
        target = self.stations.get(d.value("station"))
        if target is None or target.slug == d.item.station:
            return FieldErrors({"station": "请选择另一个派出所"})
        messages = (
            (Message(*notices.new_item_for_station(d.item, target, self.settings, transferred=True)),)
            if target.email
            else ()
        )
        return d.change(
            fields={"station": target.slug, "assigned_to": None},
            note=f"转至{target.name}（答复期限不变）",
            messages=messages,
        )

    def transfer_out(self, d: Draft) -> Change | FieldErrors:
        unit, receiver, errors = self.units.get(d.value("unit")), d.value("receiver"), {}
        if unit is None:
            errors["unit"] = "请选择接收单位"
        if not receiver:
            errors["receiver"] = "请填写对方接收人（姓名或工号），以便追踪"
        elif len(receiver) > NAME_MAX:
            errors["receiver"] = f"不能超过 {NAME_MAX} 字"
        if errors:
            return FieldErrors(errors)
        assert unit is not None
        masked, _ = suggested_public_texts(d.item)
        subject, body = notices.transfer_out_notice(d.item, unit, masked, self.settings)
        note = d.value("note")
        return d.change(
            Status.TRANSFERRED_OUT,
            fields={"transferred_to": unit.code, "transfer_receiver": receiver, "assigned_to": None},
            note=f"转交{unit.name}办理，接收人：{receiver}" + (f"。{note}" if note else ""),
            messages=(Message(unit.email, subject, body),),
            resolves_escalations=True,
        )

    def escalate(self, d: Draft) -> Change | FieldErrors:
        reason, errors = d.value("note"), {}
        level = d.number("level", (1, 3)) if d.value("level") else 1
        hours = d.number("due_hours", ESCALATION_HOURS) if d.value("due_hours") else self.escalation_hours()
        if not reason:
            errors["note"] = "请填写督办意见"
        if level is None:
            errors["level"] = "请选择督办级别"
        if hours is None:
            errors["due_hours"] = "请填写办结时限：1 到 720 小时"
        if errors:
            return FieldErrors(errors)
        assert level is not None and hours is not None
        due = d.now + dt.timedelta(hours=hours)
        station = self.stations.get(d.item.station)
        district = self.units.district(station.district) if station else None
        recipients = [r for r in (station.email if station else None, district.email if district else None) if r]
        subject, body = notices.escalation_notice(
            d.item, station or _Named(d.item.station), level, reason, due, self.settings
        )
        return d.change(
            fields={"escalated_at": d.now, "escalation_note": reason},
            records=(NewEscalation(level, reason, due),),
            note=f"{notices.LEVELS[level]}：{reason}（{local_time(due)} 前办结）",
            messages=tuple(Message(r, subject, body) for r in recipients),
        )

    def escalation_hours(self) -> int:
        span = self.clocks.escalation
        return span.amount if span.unit == "hours" else span.amount * 24

    # -- callbacks (回访) and reopening -------------------------------------------

    def open_callback(self, d: Draft) -> Change | FieldErrors:
        reason = d.value("reason") or "moderator"
        if reason not in ("complaint", "moderator"):
            return FieldErrors({"reason": "请选择回访原因"})
        due = self.clocks.callback.after(d.now, self.calendar)
        note = d.value("note")
        label = "群众投诉" if reason == "complaint" else "审核员安排"
        return d.change(
            records=(NewCallback(reason, due),),
            note=f"安排回访（{label}），{local_time(due)} 前完成" + (f"：{note}" if note else ""),
            messages=notices.callback_notices(d.item, self.settings),
        )

    def record_callback(self, d: Draft) -> Change | FieldErrors:
        reached, satisfied, corrected = d.value("reached"), d.value("satisfied"), d.value("corrected") == YES
        errors = {}
        if reached not in (YES, NO):
            errors["reached"] = "请选择是否联系上群众"
        if reached == YES and satisfied not in (YES, NO):
            errors["satisfied"] = "请选择群众回访后是否满意"
        if corrected and not d.value("note"):
            errors["note"] = "重新办理（整改）时请写明要整改的问题"
        if errors:
            return FieldErrors(errors)
        outcome = CallbackOutcome(
            d.item.open_callback.id,
            reached == YES,
            (satisfied == YES) if reached == YES else None,
            corrected,
            d.value("note"),
        )
        words = "未联系上" if reached == NO else ("回访满意" if satisfied == YES else "回访不满意")
        if not corrected:
            return d.change(records=(outcome,), note=f"回访：{words}")
        return self.restart(d, f"回访：{words}，重新办理（整改）：{d.value('note')}", (outcome,))

    def reopen(self, d: Draft) -> Change:
        return self.restart(d, d.value("note") or "重新打开")

    def restart(self, d: Draft, note: str, records: tuple[CallbackOutcome, ...] = ()) -> Change:
        """Reopening (重新打开) and a correction after a callback (重新办理（整改）) restart an item alike.

        The item owes the person a reply again, due by a fresh deadline: the kind's first-reply span of the
        clock table from now (a help request 24 hours, a suggestion 5 working days), or the deadline of the
        reply it owes when that still runs later (a help request's case-type deadline). It is chased against
        this rework deadline (``rework_due_at``) until that reply; its first and final deadlines stay as they
        were, so the figures still judge the first handling against them (docs/kaohe.md: a correction after
        the deadline makes the item's closure late). A help request that had its first reply owes its final
        reply (awaiting_final_reply: the correction is a 最终答复, not a second 初步答复); anything else owes its
        reply (awaiting_reply). The item is unpublished and back from any external unit.
        """
        item = d.item
        owes_final = item.kind is Kind.HELP and bool(item.replies)
        due = self.clocks.of(item.kind).first_reply.after(d.now, self.calendar)
        running = item.final_reply_due_at if owes_final else None
        if running is not None and running > due:
            due = running
        return d.change(
            Status.AWAITING_FINAL_REPLY if owes_final else Status.AWAITING_REPLY,
            fields={"published_at": None, "live_at": None, "transferred_to": None},
            deadlines={"rework_due_at": due},
            records=records,
            note=f"{note}（{local_time(due)} 前重新答复）",
        )


@dataclass(frozen=True)
class _Named:
    name: str


def parse_date(raw: str) -> dt.date | None:
    if not DATE.fullmatch(raw):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None
