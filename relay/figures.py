"""Accountability figures (考核) for weeks, months, quarters and years: each figure defined once, here.

Pure functions over plain records, so a hand-made data set can check them
(``tests/relay/test_figures.py``). The definitions, in words, are in
``docs/kaohe.md``; in short:

- Every period is in Beijing time. An item belongs to the station that holds
  it now. Spam and items transferred out to another unit (转外单位) are never
  counted.
- **received**: items received in the period, by kind and by channel.
- **first reply on time**: each item is judged once, at its *judgement
  moment*: its first response if that came by its deadline, else its deadline
  (from then on it is late, answered or not). Items still inside their
  deadline are not judged yet, so they are never failures. A period's rate is
  on time ÷ judged, over the items judged in it. A rejection with its reason
  is a response.
- **first-reply hours**: median and nearest-rank 90th percentile over the
  items first answered in the period, with their count.
- **办结率 (closure)**: judged the same way against the closing deadline (a
  help request's final deadline, every other kind's first-reply deadline); an
  item is closed when it was answered (final reply for help) or rejected.
  Closure rate = closed (by now) ÷ judged; ``closed_on_time`` counts those
  closed by the deadline.
- **满意率 (satisfaction)**: the share of one-time handling ratings (一事一评)
  of 4 or 5 stars among those given in the period, with the count and the
  mean beside it.
- **callbacks (回访)**: judged at the callback's done time if by its deadline,
  else at its deadline; ``on_time`` ÷ ``due``, and ``corrected``: callbacks
  in the period that reopened the item for correction (整改).
- **督办**: escalations opened in the period; ``met``: of those, resolved by
  their deadline; ``overdue``: still open past their deadline now.
- **hazard reports**: acknowledgement judged like the first reply, against
  the acknowledgement deadline; ``closed``: hazards closed in the period.
- **complete**: whether the period has ended by the export's time; pages
  label an incomplete period 进行中.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .timefmt import BEIJING

CITY = "_city"
PERIOD_KINDS = ("week", "month", "quarter", "year")
NOT_COUNTED = ("spam", "transferred_out")
SATISFIED = 4  # stars: 4 and 5 are satisfied


@dataclass(frozen=True)
class CallbackRecord:
    due_at: dt.datetime
    done_at: dt.datetime | None = None
    corrected: bool = False


@dataclass(frozen=True)
class EscalationRecord:
    opened_at: dt.datetime
    due_at: dt.datetime
    resolved_at: dt.datetime | None = None

    @property
    def met(self) -> bool:
        return self.resolved_at is not None and self.resolved_at <= self.due_at


@dataclass(frozen=True)
class ItemRecord:
    """What the figures need of one item: its clock, its moments and its records, nothing personal."""

    station: str
    kind: str
    status: str
    received_at: dt.datetime
    channel: str = "web"
    first_reply_due_at: dt.datetime | None = None
    first_reply_at: dt.datetime | None = None  # the first reply, or the rejection
    close_due_at: dt.datetime | None = None  # help: the final deadline; other kinds: the first-reply deadline
    closed_at: dt.datetime | None = None  # when it was last answered in full or rejected, if it is closed now
    ack_due_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    rating: int | None = None  # the one-time rating of the handling (一事一评)
    rated_at: dt.datetime | None = None
    callbacks: tuple[CallbackRecord, ...] = ()
    escalations: tuple[EscalationRecord, ...] = ()


def period_keys(moment: dt.datetime) -> dict[str, str]:
    local = moment.astimezone(BEIJING)
    iso = local.isocalendar()
    return {
        "week": f"{iso.year}-W{iso.week:02d}",
        "month": f"{local.year}-{local.month:02d}",
        "quarter": f"{local.year}-Q{(local.month - 1) // 3 + 1}",
        "year": f"{local.year}",
    }


def period_end(kind: str, key: str) -> dt.datetime:
    """The first moment after the period (Beijing midnight), as an aware UTC time."""
    if kind == "week":
        iso_year, week = key.split("-W")
        end = dt.date.fromisocalendar(int(iso_year), int(week), 1) + dt.timedelta(days=7)
    elif kind == "month":
        year, month = map(int, key.split("-"))
        end = dt.date(year + month // 12, month % 12 + 1, 1)
    elif kind == "quarter":
        year, quarter = map(int, key.split("-Q"))
        end = dt.date(year + quarter // 4, quarter * 3 % 12 + 1, 1)
    else:
        end = dt.date(int(key) + 1, 1, 1)
    return dt.datetime.combine(end, dt.time(), BEIJING).astimezone(dt.UTC)


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def judged(done: dt.datetime | None, due: dt.datetime | None, now: dt.datetime) -> tuple[dt.datetime, bool] | None:
    """(judgement moment, on time) against a deadline, or None while it is still running (or has no deadline)."""
    if due is None:
        return None
    if done is not None and done <= due:
        return done, True
    if due <= now:
        return due, False
    return None


@dataclass
class Tally:
    """The counts of one station (or the city) in one period."""

    received: Counter[str] = field(default_factory=Counter)  # by kind
    channels: Counter[str] = field(default_factory=Counter)
    first_due: int = 0
    first_on_time: int = 0
    hours: list[float] = field(default_factory=list)
    close_due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    stars: list[int] = field(default_factory=list)
    callbacks_due: int = 0
    callbacks_on_time: int = 0
    corrected: int = 0
    escalated: int = 0
    escalations_met: int = 0
    escalations_overdue: int = 0
    ack_due: int = 0
    ack_on_time: int = 0
    hazards_closed: int = 0

    def figures(self, complete: bool) -> dict[str, Any]:
        return {
            "complete": complete,
            "received": sum(self.received.values()),
            "received_by_kind": dict(sorted(self.received.items())),
            "received_by_channel": dict(sorted(self.channels.items())),
            "first_reply": share(self.first_due, "on_time", self.first_on_time),
            "first_reply_hours": {
                "count": len(self.hours),
                "median": rounded(statistics.median(self.hours)) if self.hours else None,
                "p90": rounded(nearest_rank(self.hours, 0.9)) if self.hours else None,
            },
            "closure": share(self.close_due, "closed", self.closed) | {"closed_on_time": self.closed_on_time},
            "satisfaction": share(len(self.stars), "satisfied", sum(1 for s in self.stars if s >= SATISFIED), "count")
            | {"mean": rounded(statistics.fmean(self.stars)) if self.stars else None},
            "callbacks": share(self.callbacks_due, "on_time", self.callbacks_on_time) | {"corrected": self.corrected},
            "escalations": {
                "opened": self.escalated,
                "met": self.escalations_met,
                "overdue": self.escalations_overdue,
            },
            "hazards": share(self.ack_due, "acknowledged_on_time", self.ack_on_time) | {"closed": self.hazards_closed},
        }


def share(total: int, name: str, value: int, total_name: str = "due") -> dict[str, Any]:
    """``{total_name: total, name: value, "rate": value / total}``; the rate is None when nothing is counted."""
    return {total_name: total, name: value, "rate": rounded(value / total) if total else None}


def rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


Event = tuple[dt.datetime, str, Any]


def events(record: ItemRecord, now: dt.datetime) -> Iterator[Event]:
    """Each thing the figures count about one item, with the moment that places it in a period."""
    yield record.received_at, "received", record
    first = judged(record.first_reply_at, record.first_reply_due_at, now)
    if first:
        yield first[0], "first", first[1]
    if record.first_reply_at is not None and record.first_reply_at <= now:
        yield record.first_reply_at, "hours", (record.first_reply_at - record.received_at).total_seconds() / 3600
    close = judged(record.closed_at, record.close_due_at, now)
    if close:
        yield close[0], "close", (record.closed_at is not None, close[1])
    if record.rating is not None and record.rated_at is not None:
        yield record.rated_at, "rating", record.rating
    yield from callback_events(record, now)
    yield from escalation_events(record, now)
    if record.kind == "hazard":
        ack = judged(record.acknowledged_at, record.ack_due_at, now)
        if ack:
            yield ack[0], "ack", ack[1]
        if record.closed_at is not None:
            yield record.closed_at, "hazard_closed", True


def callback_events(record: ItemRecord, now: dt.datetime) -> Iterator[Event]:
    for callback in record.callbacks:
        verdict = judged(callback.done_at, callback.due_at, now)
        if verdict:
            yield verdict[0], "callback", verdict[1]
        if callback.corrected and callback.done_at is not None:
            yield callback.done_at, "corrected", True


def escalation_events(record: ItemRecord, now: dt.datetime) -> Iterator[Event]:
    for escalation in record.escalations:
        overdue = escalation.resolved_at is None and escalation.due_at < now
        yield escalation.opened_at, "escalated", (escalation.met, overdue)


def count(tally: Tally, what: str, value: Any) -> None:
    """Add one event to a period's tally."""
    if what == "received":
        tally.received[value.kind] += 1
        tally.channels[value.channel] += 1
    elif what == "first":
        tally.first_due += 1
        tally.first_on_time += value
    elif what == "hours":
        tally.hours.append(value)
    elif what == "close":
        tally.close_due += 1
        tally.closed += value[0]
        tally.closed_on_time += value[1]
    elif what == "rating":
        tally.stars.append(value)
    elif what == "callback":
        tally.callbacks_due += 1
        tally.callbacks_on_time += value
    elif what == "corrected":
        tally.corrected += 1
    elif what == "escalated":
        tally.escalated += 1
        tally.escalations_met += value[0]
        tally.escalations_overdue += value[1]
    elif what == "ack":
        tally.ack_due += 1
        tally.ack_on_time += value
    else:
        tally.hazards_closed += 1


Owners = Callable[[ItemRecord, dt.datetime], list[str]]


def by_station(record: ItemRecord, moment: dt.datetime) -> list[str]:
    return [record.station, CITY]


def period_figures(
    records: list[ItemRecord], now: dt.datetime, owners: Owners = by_station
) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
    """``{owner: {period kind: {period key: figures}}}`` as of ``now``; owners: each station and ``_city``."""
    tallies: dict[tuple[str, str, str], Tally] = defaultdict(Tally)
    for record in records:
        if record.status in NOT_COUNTED:
            continue
        for moment, what, value in events(record, now):
            if moment > now:
                continue
            keys = period_keys(moment).items()
            for owner in owners(record, moment):
                for kind, key in keys:
                    count(tallies[(owner, kind, key)], what, value)
    result: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    for (owner, kind, key), tally in sorted(tallies.items()):
        complete = period_end(kind, key) <= now
        result.setdefault(owner, {k: {} for k in PERIOD_KINDS})[kind][key] = tally.figures(complete)
    return result


def chief_figures(
    records: list[ItemRecord], now: dt.datetime, chief_on: Callable[[str, dt.date], str | None]
) -> dict[str, dict[str, dict[str, dict[str, dict[str, Any]]]]]:
    """``{station: {chief key: {period kind: {period key: figures}}}}``: each event counts for the chief
    in office on its day (Beijing), so a period in which the chief changed splits at the change."""

    def owners(record: ItemRecord, moment: dt.datetime) -> list[str]:
        chief = chief_on(record.station, moment.astimezone(BEIJING).date())
        return [f"{record.station}\x00{chief}"] if chief else []

    result: dict[str, dict[str, dict[str, dict[str, dict[str, Any]]]]] = {}
    for owner, periods in period_figures(records, now, owners).items():
        station, chief = owner.split("\x00")
        result.setdefault(station, {})[chief] = periods
    return result


def rating_summary(stars: list[int]) -> dict[str, Any]:
    distribution = {str(value): stars.count(value) for value in range(1, 6)}
    return {
        "count": len(stars),
        "mean": round(statistics.fmean(stars), 2) if stars else None,
        "distribution": distribution,
    }
