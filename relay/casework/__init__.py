"""Casework: the rules of moderation, as pure code.

``Planner.plan(action, item, form, actor, now)`` decides what an action does
and returns a ``Change`` (or ``FieldErrors``); ``Store.apply(item, change)``
writes it in one transaction. The console, the demo seeding and the tests all
go through these two calls.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Loaded on first use, so that ``relay.casework.clocks`` (which the site's build reads for
# the promise in every ask box) does not pull in the planner, the calendar and the store.
_WHERE = {
    **dict.fromkeys(
        ["ACTIONS", "ALL_ROLES", "CITY_ROLES", "CLOSED", "OPEN", "Action", "allowed_actions", "primary_action"],
        "actions",
    ),
    **dict.fromkeys(["Actor", "Change", "FieldErrors", "Message", "NewReply"], "change"),
    **dict.fromkeys(["current_deadline", "describe_time_left"], "clock"),
    **dict.fromkeys(["NOTE_MAX", "REPLY_MAX", "Planner"], "planner"),
    **dict.fromkeys(["approval_form", "suggested_public_texts"], "publication"),
    **dict.fromkeys(["Refused", "carry_out"], "service"),
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'relay.casework' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)


if TYPE_CHECKING:
    from .actions import ACTIONS, ALL_ROLES, CITY_ROLES, CLOSED, OPEN, Action, allowed_actions, primary_action
    from .change import Actor, Change, FieldErrors, Message, NewReply
    from .clock import current_deadline, describe_time_left
    from .planner import NOTE_MAX, REPLY_MAX, Planner
    from .publication import approval_form, suggested_public_texts
    from .service import Refused, carry_out

__all__ = [
    "ACTIONS",
    "ALL_ROLES",
    "CITY_ROLES",
    "CLOSED",
    "NOTE_MAX",
    "OPEN",
    "REPLY_MAX",
    "Action",
    "Actor",
    "Change",
    "FieldErrors",
    "Message",
    "NewReply",
    "Planner",
    "Refused",
    "allowed_actions",
    "approval_form",
    "carry_out",
    "current_deadline",
    "describe_time_left",
    "primary_action",
    "suggested_public_texts",
]
