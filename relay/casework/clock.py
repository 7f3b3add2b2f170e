"""Deadlines: which one an item is chased against now, and how long is left."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..models import Status

OPEN_STATES = (Status.NEW, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY)

DEADLINE_LABELS = {
    "rework_due_at": "重新办理期限",
    "ack_due_at": "确认期限",
    "first_reply_due_at": "答复期限",
    "final_reply_due_at": "最终答复期限",
}


def current_deadline_name(item: Any) -> str | None:
    """Which deadline the item is being chased against now: its rework (reopened or corrected), else the hazard
    acknowledgement, the first or the final reply."""
    if item.status in OPEN_STATES and getattr(item, "rework_due_at", None) is not None:
        return "rework_due_at"
    if item.status in (Status.NEW, Status.AWAITING_REPLY):
        if getattr(item, "ack_due_at", None) is not None and getattr(item, "acknowledged_at", None) is None:
            return "ack_due_at"
        return "first_reply_due_at"
    if item.status is Status.AWAITING_FINAL_REPLY:
        return "final_reply_due_at"
    return None


def current_deadline(item: Any) -> dt.datetime | None:
    """The deadline the item is being chased against now (the store's queue sorts by the same rule)."""
    name = current_deadline_name(item)
    return getattr(item, name) if name else None


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
