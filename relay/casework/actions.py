"""The action table: who may take which action, on which kinds of item, from which states, to which.

``docs/relay.md`` prints this table; ``tests/relay/test_casework.py`` checks the two agree.
Some actions also need a condition on the item (``when``), printed in the docs' last column.
An officer (民警) takes an action only on an item assigned to them, but for those in ``OFFICER_ANY_ITEM``
(``Action.permits``); the docs state this under the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..models import Kind, Role, Status
from .change import Actor

OPEN = (Status.NEW, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY)
ANSWERED = (Status.ANSWERED, Status.ANSWERED_PRIVATE, Status.PUBLISHED, Status.REJECTED)
CLOSED = (*ANSWERED, Status.SPAM, Status.TRANSFERRED_OUT)
CITY_ROLES = (Role.ADMIN, Role.MODERATOR)
STATION_ROLES = (Role.STATION, Role.OFFICER)
ALL_ROLES = (*CITY_ROLES, *STATION_ROLES)
ALL_KINDS = tuple(Kind)
# What an officer may do on an item that is not assigned to them: take on an unassigned one (我来办理).
OFFICER_ANY_ITEM = frozenset({"claim"})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    roles: tuple[Role, ...]
    from_states: tuple[Status, ...]
    to_states: tuple[Status, ...] | None  # None: the state stays as it is
    kinds: tuple[Kind, ...] = ALL_KINDS
    when: Callable[[Any], bool] | None = None
    condition: str = ""  # ``when`` in words, for the docs

    def allows(self, role: Role, status: Status, kind: Kind) -> bool:
        return role in self.roles and status in self.from_states and kind in self.kinds

    def permits(self, actor: Actor, item: Any) -> bool:
        """Whether ``actor`` may take this action on ``item`` at all, whatever its state: the role has it, and an
        officer (民警) acts only on the items assigned to them (their own 具体人 items), but may claim one."""
        if actor.role not in self.roles:
            return False
        return actor.role is not Role.OFFICER or self.name in OFFICER_ANY_ITEM or item.assigned_to == actor.username

    def applies(self, item: Any) -> bool:
        return self.when is None or self.when(item)


def _unacknowledged(item: Any) -> bool:
    return item.acknowledged_at is None


def _unassigned(item: Any) -> bool:
    return item.assigned_to is None


def _no_pending_extension(item: Any) -> bool:
    return item.pending_extension is None


def _pending_extension(item: Any) -> bool:
    return item.pending_extension is not None


def _consented(item: Any) -> bool:
    return bool(item.consent)


def _not_consented(item: Any) -> bool:
    return not item.consent


def _no_open_callback(item: Any) -> bool:
    return item.open_callback is None


def _open_callback(item: Any) -> bool:
    return item.open_callback is not None


ACTIONS = {
    action.name: action
    for action in (
        Action("accept", "受理并转派出所答复", CITY_ROLES, (Status.NEW,), (Status.AWAITING_REPLY,)),
        Action(
            "acknowledge",
            "确认收到并安排核查",
            ALL_ROLES,
            OPEN,
            None,
            (Kind.HAZARD,),
            _unacknowledged,
            "not acknowledged yet",
        ),
        Action("assign", "指定责任民警", (*CITY_ROLES, Role.STATION), OPEN, None),
        Action("claim", "我来办理", (Role.OFFICER,), OPEN, None, when=_unassigned, condition="unassigned"),
        Action("reply", "答复", ALL_ROLES, OPEN, (Status.AWAITING_FINAL_REPLY, Status.ANSWERED)),
        Action("push_back", "退回（非本单位职责）", STATION_ROLES, (Status.NEW, Status.AWAITING_REPLY), (Status.NEW,)),
        Action(
            "request_extension",
            "申请延期",
            STATION_ROLES,
            OPEN,
            None,
            when=_no_pending_extension,
            condition="no request pending",
        ),
        Action(
            "grant_extension",
            "同意延期",
            CITY_ROLES,
            OPEN,
            None,
            when=_pending_extension,
            condition="a request pending",
        ),
        Action(
            "refuse_extension",
            "不同意延期",
            CITY_ROLES,
            OPEN,
            None,
            when=_pending_extension,
            condition="a request pending",
        ),
        Action(
            "approve",
            "批准公开",
            CITY_ROLES,
            (Status.ANSWERED,),
            (Status.PUBLISHED,),
            when=_consented,
            condition="the sender agreed to publication",
        ),
        Action(
            "close_private",
            "办结，不公开",
            CITY_ROLES,
            (Status.ANSWERED,),
            (Status.ANSWERED_PRIVATE,),
            when=_not_consented,
            condition="the sender did not agree to publication",
        ),
        Action("reject", "不予受理", CITY_ROLES, (Status.NEW, Status.AWAITING_REPLY), (Status.REJECTED,)),
        Action("spam", "标为垃圾信息", CITY_ROLES, OPEN, (Status.SPAM,)),
        Action("transfer", "转其他派出所", CITY_ROLES, OPEN, None),
        Action("transfer_out", "转外单位办理", CITY_ROLES, OPEN, (Status.TRANSFERRED_OUT,)),
        Action("escalate", "督办", CITY_ROLES, OPEN, None),
        Action("deadline", "设定最终答复期限", CITY_ROLES, OPEN, None, (Kind.HELP,)),
        Action(
            "open_callback",
            "安排回访",
            CITY_ROLES,
            ANSWERED,
            None,
            when=_no_open_callback,
            condition="no callback open",
        ),
        Action(
            "record_callback",
            "记录回访结果",
            CITY_ROLES,
            ANSWERED,
            (*ANSWERED, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY),
            when=_open_callback,
            condition="a callback open",
        ),
        Action("reopen", "重新打开", CITY_ROLES, CLOSED, (Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY)),
    )
}


def allowed_actions(role: Role, status: Status, kind: Kind) -> list[Action]:
    return [action for action in ACTIONS.values() if action.allows(role, status, kind)]


# The action the item page offers as the main button: the first of these the account may take now.
PRIMARY = (
    "record_callback",
    "grant_extension",
    "acknowledge",
    "accept",
    "reply",
    "approve",
    "close_private",
    "claim",
)


def primary_action(names: list[str] | set[str] | dict[str, Action]) -> str | None:
    """The main next step among the actions offered; every other action is shown as secondary."""
    return next((name for name in PRIMARY if name in names), None)
