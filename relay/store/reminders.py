"""Reminder queries: the open deadlines, and recording each reminder once with its messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlalchemy import and_, insert, select
from sqlalchemy.exc import IntegrityError

from ..casework.change import Message
from ..casework.clock import current_deadline_name
from ..casework.reminders import OpenDeadline, Reminder
from ..models import Status, callbacks, escalations, items, reminders
from .core import StoreBase

OPEN = (Status.NEW, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY)
CLOSED = (Status.ANSWERED, Status.PUBLISHED, Status.REJECTED)


class ReminderStore(StoreBase):
    def open_deadlines(self, until: dt.datetime) -> list[OpenDeadline]:
        """Deadlines due before ``until`` that are still running: items' own, open 督办 and open callbacks."""
        from .console import QUEUE_COLUMNS, QueueRow  # the queue's row shape

        found: list[OpenDeadline] = []
        with self.reading() as conn:
            rows = [
                QueueRow(**r._mapping) for r in conn.execute(select(*QUEUE_COLUMNS).where(items.c.status.in_(OPEN)))
            ]
            by_id = {row.id: row for row in rows}
            for row in rows:
                name = current_deadline_name(row)
                due = getattr(row, name) if name else None
                if due is not None and due <= until:
                    found.append(OpenDeadline(row, name, due))  # type: ignore[arg-type]
            for item_id, due in conn.execute(
                select(escalations.c.item_id, escalations.c.due_at).where(
                    escalations.c.resolved_at.is_(None), escalations.c.due_at <= until
                )
            ):
                if item_id in by_id:
                    found.append(OpenDeadline(by_id[item_id], "escalation", due))
            closed = conn.execute(
                select(*QUEUE_COLUMNS, callbacks.c.due_at.label("callback_due"))
                .join(callbacks, callbacks.c.item_id == items.c.id)
                .where(and_(callbacks.c.done_at.is_(None), callbacks.c.due_at <= until))
            )
            for r in closed:
                values = dict(r._mapping)
                due = values.pop("callback_due")
                found.append(OpenDeadline(QueueRow(**values), "callback", due))
        return found

    def send_reminders(
        self, due: list[Reminder], messages_of: Callable[[Reminder], Iterable[Message]], now: dt.datetime
    ) -> int:
        """Record each reminder and queue its messages in one transaction each; one already recorded is skipped."""
        sent = 0
        for reminder in due:
            item_id, deadline, due_at, stage = reminder.key
            try:
                with self.writing() as conn:
                    conn.execute(
                        insert(reminders).values(
                            item_id=item_id, deadline=deadline, due_at=due_at, stage=stage, sent_at=now
                        )
                    )
                    for message in messages_of(reminder):
                        self.outbox.enqueue(  # type: ignore[attr-defined]
                            conn, message.recipient, message.subject, message.body, now, channel=message.channel
                        )
            except IntegrityError:
                continue  # reminded already (by an earlier run or another process)
            sent += 1
        return sent
