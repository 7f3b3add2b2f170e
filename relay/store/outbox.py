"""The durable outbox of notifications, by e-mail or SMS (``channel``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from ..casework.change import CHANNELS
from ..models import outbox
from .core import StoreBase

_ENQUEUE = insert(outbox)  # built once; parameters go in at execution


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    recipient: str
    subject: str
    body: str
    attempts: int
    channel: str = "email"


class OutboxStore:
    """The durable outbox: a message stays until an SMTP server or the SMS gateway has accepted it."""

    def __init__(self, store: StoreBase) -> None:
        self.store = store

    def enqueue(
        self, conn: Connection, recipient: str, subject: str, body: str, now: dt.datetime, channel: str = "email"
    ) -> None:
        """Add a message inside the caller's transaction (sent only if that commits).

        ``channel`` is ``email`` or ``sms`` (an SMS has an empty subject).
        """
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        conn.execute(
            _ENQUEUE,
            {
                "recipient": recipient,
                "subject": subject,
                "body": body,
                "channel": channel,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            },
        )

    def due(self, now: dt.datetime, limit: int = 50, channels: tuple[str, ...] = CHANNELS) -> list[OutboxMessage]:
        """Unsent messages of ``channels`` whose next attempt is due, oldest due first."""
        with self.store.reading() as conn:
            rows = conn.execute(
                select(
                    outbox.c.id,
                    outbox.c.recipient,
                    outbox.c.subject,
                    outbox.c.body,
                    outbox.c.attempts,
                    outbox.c.channel,
                )
                .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= now, outbox.c.channel.in_(channels))
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
            ).all()
        return [OutboxMessage(**row._mapping) for row in rows]

    def claim(self, message_id: int, now: dt.datetime, lease: dt.timedelta) -> bool:
        """Take a due message for ``lease``; False if another worker took it first.

        The lease moves ``next_attempt_at`` forward, so a worker that dies
        mid-send leaves the message due again once the lease runs out.
        """
        with self.store.writing() as conn:
            taken = conn.execute(
                update(outbox)
                .where(outbox.c.id == message_id, outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= now)
                .values(next_attempt_at=now + lease)
            ).rowcount
        return bool(taken)

    def mark_sent(self, message_id: int, now: dt.datetime) -> None:
        with self.store.writing() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == message_id)
                .values(sent_at=now, attempts=outbox.c.attempts + 1, last_error=None)
            )

    def mark_failed(self, message_id: int, error: str, next_attempt_at: dt.datetime) -> None:
        with self.store.writing() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == message_id)
                .values(attempts=outbox.c.attempts + 1, last_error=error[:500], next_attempt_at=next_attempt_at)
            )

    def pending_count(self, channel: str | None = None) -> int:
        """Messages not sent yet (of one channel, or all)."""
        query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        with self.store.reading() as conn:
            return int(conn.execute(query).scalar_one())

    def add(self, recipient: str, subject: str, body: str, now: dt.datetime, channel: str = "email") -> None:
        """Enqueue in a transaction of its own (digests, tests)."""
        with self.store.writing() as conn:
            self.enqueue(conn, recipient, subject, body, now, channel)
