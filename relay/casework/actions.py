"""The action table: who may take which action, on which kinds of item, from which states, to which.

``docs/relay.md`` prints this table; ``tests/relay/test_casework.py`` checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Kind, Role, Status

OPEN = (Status.NEW, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY)
CLOSED = (Status.ANSWERED, Status.PUBLISHED, Status.REJECTED, Status.SPAM)
CITY_ROLES = (Role.ADMIN, Role.MODERATOR)
ALL_ROLES = (Role.ADMIN, Role.MODERATOR, Role.STATION)
ALL_KINDS = tuple(Kind)


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    roles: tuple[Role, ...]
    from_states: tuple[Status, ...]
    to_states: tuple[Status, ...] | None  # None: the state stays as it is
    kinds: tuple[Kind, ...] = ALL_KINDS

    def allows(self, role: Role, status: Status, kind: Kind) -> bool:
        return role in self.roles and status in self.from_states and kind in self.kinds


ACTIONS = {
    action.name: action
    for action in (
        Action("accept", "受理并转派出所答复", CITY_ROLES, (Status.NEW,), (Status.AWAITING_REPLY,)),
        Action("reply", "答复", ALL_ROLES, OPEN, (Status.AWAITING_FINAL_REPLY, Status.ANSWERED)),
        Action("approve", "批准公开", CITY_ROLES, (Status.ANSWERED,), (Status.PUBLISHED,)),
        Action("reject", "不予受理", CITY_ROLES, (Status.NEW, Status.AWAITING_REPLY), (Status.REJECTED,)),
        Action("spam", "标为垃圾信息", CITY_ROLES, OPEN, (Status.SPAM,)),
        Action("transfer", "转其他派出所", CITY_ROLES, OPEN, None),
        Action("escalate", "督办", CITY_ROLES, OPEN, None),
        Action("deadline", "设定最终答复期限", CITY_ROLES, OPEN, None, (Kind.HELP,)),
        Action("reopen", "重新打开", CITY_ROLES, CLOSED, (Status.AWAITING_REPLY,)),
    )
}


def allowed_actions(role: Role, status: Status, kind: Kind) -> list[Action]:
    return [action for action in ACTIONS.values() if action.allows(role, status, kind)]
