"""The console's queries: the queue, one item, guarded actions, the audit log, ratings to approve."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, select, update

from ..casework.change import Change
from ..errors import Conflict
from ..models import (
    Kind,
    RatingStatus,
    ReplyKind,
    Status,
    audit_log,
    console_status_label,
    item_history,
    items,
    ratings,
    replies,
)
from .core import StoreBase


@dataclass(frozen=True)
class QueueRow:
    id: int
    receipt_code: str
    station: str
    kind: Kind
    status: Status
    text: str
    received_at: dt.datetime
    first_reply_due_at: dt.datetime | None
    final_reply_due_at: dt.datetime | None
    escalated_at: dt.datetime | None
    live_at: dt.datetime | None

    @property
    def console_label(self) -> str:
        return console_status_label(self.status, self.live_at)


@dataclass(frozen=True)
class Reply:
    id: int
    kind: ReplyKind
    text: str
    author: str
    at: dt.datetime
    public_text: str | None


@dataclass(frozen=True)
class ConsoleItem:
    id: int
    receipt_code: str
    station: str
    kind: Kind
    status: Status
    text: str
    location: str | None
    photo_id: int | None
    name: str | None
    contact_phone: str | None
    contact_email: str | None
    consent: bool
    received_at: dt.datetime
    first_reply_due_at: dt.datetime | None
    final_reply_due_at: dt.datetime | None
    escalated_at: dt.datetime | None
    escalation_note: str | None
    reject_reason: str | None
    public_text: str | None
    published_at: dt.datetime | None
    duplicates: int
    version: int
    live_at: dt.datetime | None
    replies: tuple[Reply, ...] = ()

    @property
    def console_label(self) -> str:
        return console_status_label(self.status, self.live_at)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    item_id: int | None
    target: str | None
    before: str | None
    after: str | None


CONSOLE_COLUMNS = [items.c[name] for name in ConsoleItem.__dataclass_fields__ if name != "replies"]
REPLY_COLUMNS = [replies.c[name] for name in Reply.__dataclass_fields__]
QUEUE_COLUMNS = [items.c[name] for name in QueueRow.__dataclass_fields__]
DEADLINE = case(
    (items.c.status.in_([Status.NEW, Status.AWAITING_REPLY]), items.c.first_reply_due_at),
    (items.c.status == Status.AWAITING_FINAL_REPLY, items.c.final_reply_due_at),
    else_=None,
)


class ConsoleStore(StoreBase):
    def queue(
        self, statuses: list[Status], stations: list[str] | None, kind: Kind | None = None, limit: int = 200
    ) -> list[QueueRow]:
        """Items in ``statuses``, earliest deadline (so overdue) first, then oldest."""
        query = select(*QUEUE_COLUMNS).where(items.c.status.in_(statuses))
        if stations is not None:
            query = query.where(items.c.station.in_(stations))
        if kind is not None:
            query = query.where(items.c.kind == kind)
        query = query.order_by(DEADLINE.is_(None), DEADLINE, items.c.received_at).limit(limit)
        with self.reading() as conn:
            return [QueueRow(**row._mapping) for row in conn.execute(query)]

    def status_counts(self, stations: list[str] | None) -> dict[Status, int]:
        query = select(items.c.status, func.count()).group_by(items.c.status)
        if stations is not None:
            query = query.where(items.c.station.in_(stations))
        with self.reading() as conn:
            counts = {row[0]: int(row[1]) for row in conn.execute(query)}
        return {status: counts.get(status, 0) for status in Status}

    def overdue_items(self, now: dt.datetime) -> list[QueueRow]:
        query = select(*QUEUE_COLUMNS).where(now > DEADLINE).order_by(DEADLINE)
        with self.reading() as conn:
            return [QueueRow(**row._mapping) for row in conn.execute(query)]

    def console_item(self, item_id: int) -> ConsoleItem | None:
        """One item with its replies, read in one transaction (so the version matches both)."""
        with self.reading() as conn:
            row = conn.execute(select(*CONSOLE_COLUMNS).where(items.c.id == item_id)).first()
            if row is None:
                return None
            found = conn.execute(
                select(*REPLY_COLUMNS).where(replies.c.item_id == item_id).order_by(replies.c.at, replies.c.id)
            )
            return ConsoleItem(**row._mapping, replies=tuple(Reply(**r._mapping) for r in found))

    def replies(self, item_id: int) -> list[Reply]:
        item = self.console_item(item_id)
        return list(item.replies) if item else []

    def apply(self, item: ConsoleItem, change: Change) -> None:
        """Write ``change`` in one transaction, if nobody changed the item since ``item.version`` was read.

        Writes the item's columns, the history row (when the status changes or
        there is a note), the reply, the public replies, the audit entry and the
        messages to send. Raises ``Conflict`` when another person acted first.
        """
        actor, now, columns = change.actor.username, change.at, change.columns()
        with self.writing() as conn:
            updated = conn.execute(
                update(items)
                .where(items.c.id == item.id, items.c.version == item.version)
                .values(**columns, version=items.c.version + 1)
            ).rowcount
            if not updated:
                raise Conflict(item.id)
            if change.status != item.status or change.note:
                conn.execute(
                    insert(item_history).values(
                        item_id=item.id,
                        from_status=item.status,
                        to_status=change.status,
                        at=now,
                        actor=actor,
                        note=change.note,
                    )
                )
            if change.reply is not None:
                conn.execute(
                    insert(replies).values(
                        item_id=item.id, kind=change.reply.kind, text=change.reply.text, author=actor, at=now
                    )
                )
            for reply_id, public_text in change.public_replies.items():
                conn.execute(
                    update(replies)
                    .where(replies.c.id == reply_id, replies.c.item_id == item.id)
                    .values(public_text=public_text)
                )
            before = {key: _plain(getattr(item, key)) for key in columns}
            after = {key: _plain(value) for key, value in columns.items()}
            if change.reply is not None:
                after["reply"] = change.reply.text
            if change.public_replies:
                after["public_replies"] = {str(k): v for k, v in change.public_replies.items()}
            self.audit(conn, now, actor, change.action, item.id, item.receipt_code, before, after)
            self.announce_change(conn)
            for message in change.messages:
                self.outbox.enqueue(conn, message.recipient, message.subject, message.body, now, message.channel)  # type: ignore[attr-defined]

    def audit(
        self,
        conn: Connection,
        now: dt.datetime,
        actor: str,
        action: str,
        item_id: int | None,
        target: str | None,
        before: Any,
        after: Any,
    ) -> None:
        conn.execute(
            insert(audit_log).values(
                at=now,
                actor=actor,
                action=action,
                item_id=item_id,
                target=target,
                before=json.dumps(before, ensure_ascii=False, sort_keys=True) if before is not None else None,
                after=json.dumps(after, ensure_ascii=False, sort_keys=True) if after is not None else None,
            )
        )

    def record(
        self, now: dt.datetime, actor: str, action: str, target: str | None, before: Any = None, after: Any = None
    ) -> None:
        """An audit entry of its own (logins, account changes)."""
        with self.writing() as conn:
            self.audit(conn, now, actor, action, None, target, before, after)

    def audit_entries(self, limit: int = 200, item_id: int | None = None) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if item_id is not None:
            query = query.where(audit_log.c.item_id == item_id)
        with self.reading() as conn:
            return [AuditEntry(**row._mapping) for row in conn.execute(query)]

    def pending_ratings(self, stations: list[str] | None) -> list[dict[str, Any]]:
        query = select(ratings.c.id, ratings.c.station, ratings.c.stars, ratings.c.comment, ratings.c.created_at).where(
            ratings.c.status == RatingStatus.PENDING
        )
        if stations is not None:
            query = query.where(ratings.c.station.in_(stations))
        with self.reading() as conn:
            return [dict(row._mapping) for row in conn.execute(query.order_by(ratings.c.created_at))]

    def decide_ratings(
        self, ids: list[int], decision: RatingStatus, actor: str, now: dt.datetime, stations: list[str] | None
    ) -> int:
        """Approve or reject pending ratings in bulk; returns how many changed."""
        condition = and_(ratings.c.id.in_(ids), ratings.c.status == RatingStatus.PENDING)
        if stations is not None:
            condition = and_(condition, ratings.c.station.in_(stations))
        with self.writing() as conn:
            changed = [row.id for row in conn.execute(select(ratings.c.id).where(condition))]
            if changed:
                conn.execute(
                    update(ratings)
                    .where(ratings.c.id.in_(changed), ratings.c.status == RatingStatus.PENDING)
                    .values(status=decision)
                )
                self.audit(
                    conn,
                    now,
                    actor,
                    f"ratings_{decision.value}",
                    None,
                    ",".join(map(str, changed)),
                    {"status": "pending"},
                    {"status": decision.value},
                )
                self.announce_change(conn)
        return len(changed)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value
