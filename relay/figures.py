"""Accountability figures (考核) for weeks, months, quarters and years.

Pure functions over plain records, so a hand-made data set can check them.
Rules (also in docs/relay.md):

- Only questions and help requests carry the 24-hour clock; they are the ones
  counted. Spam is never counted; rejected items count as received.
- An item belongs to the period (Beijing time) in which it was received, and
  to the station that holds it now (a transferred item moves with its clock).
- Answered: it has a first reply. Within 24 hours: first reply at most 24 hours
  after receipt (exactly 24 hours counts as within).
- Median and 90th percentile of hours to first reply, over answered items;
  the percentile is the nearest-rank one. None when nothing was answered.
- Help requests closed within their deadline: a final reply at or before the
  final-reply deadline.
- Satisfaction (一事一评): count and mean of the one-time ratings of items.
- Items transferred out to another unit (转外单位) are not counted, like spam.
- Received by channel: the received items by how they reached us (web form,
  phone, counter, letter, 12345, 110), so staff-entered items count under theirs.
- 督办: escalations of the items counted, and how many were resolved by their deadline.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from .timefmt import BEIJING

CITY = "_city"
PERIOD_KINDS = ("week", "month", "quarter", "year")
CLOCK_KINDS = ("question", "help")
# Spam never counts; an item transferred out to another unit leaves the station's figures (it stays trackable).
NOT_COUNTED = ("spam", "transferred_out")


@dataclass(frozen=True)
class ItemRecord:
    station: str
    kind: str
    status: str
    received_at: dt.datetime
    first_reply_at: dt.datetime | None
    final_reply_at: dt.datetime | None
    final_reply_due_at: dt.datetime | None
    item_rating: int | None
    channel: str = "web"
    escalations: int = 0
    escalations_met: int = 0


def period_keys(moment: dt.datetime) -> dict[str, str]:
    local = moment.astimezone(BEIJING)
    iso = local.isocalendar()
    return {
        "week": f"{iso.year}-W{iso.week:02d}",
        "month": f"{local.year}-{local.month:02d}",
        "quarter": f"{local.year}-Q{(local.month - 1) // 3 + 1}",
        "year": f"{local.year}",
    }


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def hours_to_first_reply(record: ItemRecord) -> float | None:
    if record.first_reply_at is None:
        return None
    return (record.first_reply_at - record.received_at).total_seconds() / 3600


def closed_within_deadline(record: ItemRecord) -> bool:
    due, closed = record.final_reply_due_at, record.final_reply_at
    return closed is not None and due is not None and closed <= due


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def summarise(records: list[ItemRecord]) -> dict[str, Any]:
    records = [r for r in records if r.status not in NOT_COUNTED]
    counted = [r for r in records if r.kind in CLOCK_KINDS]
    hours = [h for h in map(hours_to_first_reply, counted) if h is not None]
    help_requests = [r for r in counted if r.kind == "help"]
    ratings = [r.item_rating for r in records if r.item_rating is not None]
    return {
        "received": len(counted),
        "answered": len(hours),
        "answered_within_24h": sum(1 for h in hours if h <= 24),
        "first_reply_hours_median": rounded(statistics.median(hours)) if hours else None,
        "first_reply_hours_p90": rounded(nearest_rank(hours, 0.9)) if hours else None,
        "help_requests": len(help_requests),
        "help_closed_within_deadline": sum(1 for r in help_requests if closed_within_deadline(r)),
        "satisfaction_count": len(ratings),
        "satisfaction_mean": rounded(statistics.fmean(ratings)) if ratings else None,
        "received_by_channel": dict(sorted(Counter(r.channel for r in counted).items())),
        "escalations": sum(r.escalations for r in records),
        "escalations_met": sum(r.escalations_met for r in records),
    }


def period_figures(records: list[ItemRecord]) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
    """``{station or "_city": {period kind: {period key: figures}}}``."""
    groups: dict[tuple[str, str, str], list[ItemRecord]] = defaultdict(list)
    for record in records:
        for kind, key in period_keys(record.received_at).items():
            groups[(record.station, kind, key)].append(record)
            groups[(CITY, kind, key)].append(record)
    result: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    for (station, kind, key), members in sorted(groups.items()):
        result.setdefault(station, {k: {} for k in PERIOD_KINDS})[kind][key] = summarise(members)
    return result


def rating_summary(stars: list[int]) -> dict[str, Any]:
    distribution = {str(value): stars.count(value) for value in range(1, 6)}
    return {
        "count": len(stars),
        "mean": round(statistics.fmean(stars), 2) if stars else None,
        "distribution": distribution,
    }
