"""``carry_out``: plan and apply one action outside HTTP (the demo seeding, scripts, tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..errors import NotFound
from .change import Actor, Change, FieldErrors
from .planner import Planner


class Refused(ValueError):
    """The form was not good enough: ``errors`` says why, as the console would."""

    def __init__(self, action: str, item_id: int, errors: FieldErrors) -> None:
        super().__init__(f"{action} on item {item_id} refused: {dict(errors.errors)}")
        self.errors = errors


def carry_out(
    store: Any, planner: Planner, item_id: int, action: str, actor: Actor, at: dt.datetime, form: Mapping[str, str]
) -> Change:
    """Read the item, plan ``action`` as ``actor`` at ``at`` and apply it: the same two calls as the console."""
    item = store.console_item(item_id)
    if item is None:
        raise NotFound()
    planned = planner.plan(action, item, form, actor, at)
    if isinstance(planned, FieldErrors):
        raise Refused(action, item_id, planned)
    store.apply(item, planned)
    return planned
