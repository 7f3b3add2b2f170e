"""Reminders: before a deadline (the lead time in the clock table) and again when it is missed.

``reminders_due(candidates, now, lead)`` picks, from the open deadlines the
store lists, those that need a reminder now. Each (item, deadline, due time,
stage) is reminded once: the store records it in the same transaction as the
message, so a second run, or a second process, sends nothing twice. A moved
deadline (an extension) is a new deadline and gets its own reminders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .clock import DEADLINE_LABELS

BEFORE, MISSED = "before", "missed"
# the item's own deadlines are named as in the console (clock.DEADLINE_LABELS)
LABELS = {**DEADLINE_LABELS, "escalation": "督办期限", "callback": "回访期限"}


@dataclass(frozen=True)
class OpenDeadline:
    """A deadline still running: the item it belongs to, which one, and when."""

    item: Any  # a QueueRow-like row: id, receipt_code, station, kind, assigned_to
    deadline: str  # a key of LABELS
    due_at: dt.datetime


@dataclass(frozen=True)
class Reminder:
    item: Any
    deadline: str
    due_at: dt.datetime
    stage: str  # before, missed

    @property
    def label(self) -> str:
        return LABELS[self.deadline]

    @property
    def key(self) -> tuple[int, str, dt.datetime, str]:
        return (self.item.id, self.deadline, self.due_at, self.stage)


def reminders_due(candidates: list[OpenDeadline], now: dt.datetime, lead: dt.timedelta) -> list[Reminder]:
    """The reminders to send now: missed deadlines, and those due within ``lead``."""
    found = []
    for open_deadline in candidates:
        if now >= open_deadline.due_at:
            stage = MISSED
        elif now >= open_deadline.due_at - lead:
            stage = BEFORE
        else:
            continue
        found.append(Reminder(open_deadline.item, open_deadline.deadline, open_deadline.due_at, stage))
    return found


def send_due_reminders(store: Any, planner: Any, now: dt.datetime) -> int:
    """Queue every reminder due now (``relay remind``, run every few minutes by a timer); returns how many."""
    from .. import notices
    from .change import Message

    lead_span = planner.clocks.reminder_lead
    lead = dt.timedelta(hours=lead_span.amount) if lead_span.unit == "hours" else dt.timedelta(days=lead_span.amount)
    due = reminders_due(store.open_deadlines(now + lead), now, lead)

    def messages_of(reminder: Reminder) -> list[Message]:
        station = planner.stations.get(reminder.item.station)
        officer = store.account(reminder.item.assigned_to) if reminder.item.assigned_to else None
        recipients = [officer.email if officer else None]
        if reminder.stage == MISSED or officer is None or not officer.email:
            recipients.append(station.email if station else None)
        subject, body = notices.reminder_notice(
            reminder.item, station, reminder.label, reminder.due_at, reminder.stage == MISSED, planner.settings
        )
        return [Message(r, subject, body) for r in dict.fromkeys(recipients) if r]

    return store.send_reminders(due, messages_of, now)
