"""``plan(action, item, form, actor, now)``: what an action would do to an item, decided in one place.

The planner reads the submitted form and the item as it is, and returns a
``Change`` for the store to apply, or ``FieldErrors`` for the form. It never
writes. It raises ``NotFound`` for an item the actor may not see,
``Forbidden`` when the actor's role lacks the action, and ``Conflict`` when
the item's state (or kind) does not allow it any more.
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
from .actions import ACTIONS, Action, allowed_actions
from .change import Actor, Change, FieldErrors, Message, NewReply

REPLY_MAX = 4000
PUBLIC_TEXT_MAX = 4000
NOTE_MAX = 1000
FINAL_DAYS = (1, 60)
DAYS = re.compile(r"[0-9]{1,2}")


@dataclass(frozen=True)
class Draft:
    """One action being planned: the item as read, the cleaned form, who, when."""

    action: Action
    item: Any  # relay.store.ConsoleItem (with its replies)
    form: Mapping[str, str]
    actor: Actor
    now: dt.datetime

    def value(self, name: str) -> str:
        return self.form.get(name, "").strip()

    def change(self, status: Status | None = None, **parts: Any) -> Change:
        return Change(self.action.name, self.actor, self.now, self.item.status if status is None else status, **parts)


class Planner:
    """Plans console actions against the stations and settings of one relay."""

    def __init__(self, stations: Any, settings: Any) -> None:
        self.stations = stations
        self.settings = settings
        self.rules: dict[str, Callable[[Draft], Change | FieldErrors]] = {
            "accept": self.accept,
            "reply": self.reply,
            "approve": self.approve,
            "reject": self.reject,
            "spam": self.spam,
            "transfer": self.transfer,
            "escalate": self.escalate,
            "deadline": self.deadline,
            "reopen": self.reopen,
        }
        missing = set(ACTIONS) ^ set(self.rules)
        if missing:
            raise RuntimeError(f"actions without a rule or rules without an action: {sorted(missing)}")

    def actions_for(self, actor: Actor, item: Any) -> list[Action]:
        """The actions the console offers this actor on this item now."""
        return allowed_actions(actor.role, item.status, item.kind) if actor.can_see(item.station) else []

    def plan(
        self, action: str, item: Any, form: Mapping[str, str], actor: Actor, now: dt.datetime
    ) -> Change | FieldErrors:
        found = ACTIONS.get(action)
        if found is None or not actor.can_see(item.station):
            raise NotFound()
        if actor.role not in found.roles:
            raise Forbidden()
        if not found.allows(actor.role, item.status, item.kind):
            raise Conflict(item.id)
        draft = Draft(found, item, form, actor, now)
        too_long = {name: f"不能超过 {NOTE_MAX} 字" for name in ("note", "reason") if len(draft.value(name)) > NOTE_MAX}
        if too_long:
            return FieldErrors(too_long)
        return self.rules[action](draft)

    # -- one rule per action ------------------------------------------------

    def accept(self, d: Draft) -> Change:
        return d.change(Status.AWAITING_REPLY)

    def reply(self, d: Draft) -> Change | FieldErrors:
        item, text, errors = d.item, d.value("reply"), {}
        if not text:
            errors["reply"] = "请填写答复内容"
        elif len(text) > REPLY_MAX:
            errors["reply"] = f"答复不能超过 {REPLY_MAX} 字"
        deadlines: dict[str, dt.datetime] = {}
        first_of_help = item.kind is Kind.HELP and item.status in (Status.NEW, Status.AWAITING_REPLY)
        if first_of_help and item.final_reply_due_at is None:  # a deadline set by a moderator stays
            days = self.final_days(d.value("final_days"))
            if days is None:
                errors["final_days"] = "求助事项请设定最终答复期限：受理后 1 到 60 天"
            else:
                deadlines["final_reply_due_at"] = item.received_at + dt.timedelta(days=days)
        if errors:
            return FieldErrors(errors)
        messages = notices.reply_notices(item, text, self.settings)
        return d.change(
            Status.AWAITING_FINAL_REPLY if first_of_help else Status.ANSWERED,
            deadlines=deadlines,
            reply=NewReply(ReplyKind.FINAL if item.kind is Kind.HELP and not first_of_help else ReplyKind.FIRST, text),
            messages=messages,
        )

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
        if errors:
            return FieldErrors(errors)
        return d.change(
            Status.PUBLISHED, fields={"published_at": d.now}, public_text=text, public_replies=public_replies
        )

    def reject(self, d: Draft) -> Change | FieldErrors:
        reason = d.value("reason")
        if not reason:
            return FieldErrors({"reason": "请填写不予受理的理由"})
        return d.change(Status.REJECTED, fields={"reject_reason": reason}, note=reason)

    def spam(self, d: Draft) -> Change:
        return d.change(Status.SPAM)

    def transfer(self, d: Draft) -> Change | FieldErrors:
        target = self.stations.get(d.value("station"))
        if target is None or target.slug == d.item.station:
            return FieldErrors({"station": "请选择另一个派出所"})
        messages = (
            (Message(*notices.new_item_for_station(d.item, target, self.settings, transferred=True)),)
            if target.email
            else ()
        )
        return d.change(fields={"station": target.slug}, note=f"转至{target.name}（答复期限不变）", messages=messages)

    def escalate(self, d: Draft) -> Change | FieldErrors:
        text = d.value("note")
        if not text:
            return FieldErrors({"note": "请填写督办意见"})
        return d.change(fields={"escalated_at": d.now, "escalation_note": text}, note=f"督办：{text}")

    def deadline(self, d: Draft) -> Change | FieldErrors:
        days = self.final_days(d.value("final_days"))
        if days is None:
            return FieldErrors({"final_days": "请填写 1 到 60 天"})
        return d.change(
            deadlines={"final_reply_due_at": d.item.received_at + dt.timedelta(days=days)},
            note=f"最终答复期限设为受理后 {days} 天",
        )

    def reopen(self, d: Draft) -> Change:
        return d.change(
            Status.AWAITING_REPLY, fields={"published_at": None, "live_at": None}, note=d.value("note") or "重新打开"
        )

    @staticmethod
    def final_days(raw: str) -> int | None:
        low, high = FINAL_DAYS
        return int(raw) if DAYS.fullmatch(raw) and low <= int(raw) <= high else None
