"""Deadlines: which one an item is chased against now, and how long is left."""

from __future__ import annotations

import datetime as dt

from ..models import Status


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
