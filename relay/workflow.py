"""Moderation rules: which action each role may take on an item in which state.

Pure functions; the store applies the result with a guarded update, and the
console turns a refusal into a page that says what happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import Kind, Role, Status

OPEN = (Status.NEW, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY)
CITY_ROLES = (Role.ADMIN, Role.MODERATOR)
ALL_ROLES = (Role.ADMIN, Role.MODERATOR, Role.STATION)


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    roles: tuple[Role, ...]
    from_states: tuple[Status, ...]


ACTIONS = {
    action.name: action
    for action in (
        Action("accept", "受理并转派出所答复", CITY_ROLES, (Status.NEW,)),
        Action("reply", "答复", ALL_ROLES, (Status.NEW, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY)),
        Action("approve", "批准公开", CITY_ROLES, (Status.ANSWERED,)),
        Action("reject", "不予受理", CITY_ROLES, (Status.NEW, Status.AWAITING_REPLY)),
        Action("spam", "标为垃圾信息", CITY_ROLES, OPEN),
        Action("transfer", "转其他派出所", CITY_ROLES, OPEN),
        Action("escalate", "督办", CITY_ROLES, OPEN),
        Action(
            "deadline", "设定最终答复期限", CITY_ROLES, (Status.AWAITING_FINAL_REPLY, Status.NEW, Status.AWAITING_REPLY)
        ),
        Action("reopen", "重新打开", CITY_ROLES, (Status.ANSWERED, Status.PUBLISHED, Status.REJECTED, Status.SPAM)),
    )
}


def allowed_actions(role: Role, status: Status, kind: Kind) -> list[Action]:
    actions = [a for a in ACTIONS.values() if role in a.roles and status in a.from_states]
    if kind is not Kind.HELP:
        actions = [a for a in actions if a.name != "deadline"]
    return actions


def reply_outcome(kind: Kind, status: Status) -> tuple[str, Status]:
    """(reply kind, new status) for a reply given in ``status``."""
    if kind is Kind.HELP and status in (Status.NEW, Status.AWAITING_REPLY):
        return "first", Status.AWAITING_FINAL_REPLY
    if kind is Kind.HELP:
        return "final", Status.ANSWERED
    return "first", Status.ANSWERED


def current_deadline(
    status: Status, first_due: dt.datetime | None, final_due: dt.datetime | None
) -> dt.datetime | None:
    """The deadline the item is being chased against now."""
    if status in (Status.NEW, Status.AWAITING_REPLY):
        return first_due
    if status is Status.AWAITING_FINAL_REPLY:
        return final_due
    return None


def describe_time_left(deadline: dt.datetime | None, now: dt.datetime) -> tuple[str, bool]:
    """('剩余 5 小时 10 分' or '已超时 2 小时 3 分', overdue)."""
    if deadline is None:
        return "", False
    seconds = int((deadline - now).total_seconds())
    overdue = seconds < 0
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = ([f"{days} 天"] if days else []) + ([f"{hours} 小时"] if hours or days else []) + [f"{mins} 分"]
    return ("已超时 " if overdue else "剩余 ") + " ".join(parts), overdue
