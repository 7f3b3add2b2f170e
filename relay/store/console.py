"""The console's queries: the queue, one item, guarded actions, the audit log, ratings to approve."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, select, update

from ..casework.change import (
    CallbackOutcome,
    Change,
    NewCallback,
    NewEscalation,
    NewExtension,
    Record,
)
from ..errors import Conflict
from ..models import (
    Channel,
    Kind,
    RatingStatus,
    ReplyKind,
    Status,
    audit_log,
    callbacks,
    console_status_label,
    escalations,
    extensions,
    item_history,
    item_ratings,
    items,
    ratings,
    replies,
    reply_templates,
    users,
)
from ..timefmt import BEIJING
from .core import StoreBase
from .intake import normalise_receipt_code

OPEN_STATES = (Status.NEW, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY)


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
    channel: Channel
    assigned_to: str | None
    ack_due_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    transferred_to: str | None
    escalation_due_at: dt.datetime | None = None  # the earliest open 督办's deadline
    escalation_level: int | None = None
    rework_due_at: dt.datetime | None = None
    extension_pending: int | None = None  # the working days of a request for more time not yet decided

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
class Escalation:
    id: int
    level: int
    reason: str
    opened_at: dt.datetime
    opened_by: str
    due_at: dt.datetime
    resolved_at: dt.datetime | None
    met: bool | None


@dataclass(frozen=True)
class Callback:
    id: int
    reason: str
    opened_at: dt.datetime
    due_at: dt.datetime
    done_at: dt.datetime | None
    done_by: str | None
    reached: bool | None
    satisfied: bool | None
    corrected: bool | None
    note: str | None


@dataclass(frozen=True)
class Extension:
    id: int
    requested_by: str
    requested_at: dt.datetime
    reason: str
    days: int
    decided_by: str | None
    decided_at: dt.datetime | None
    granted: bool | None
    decision_note: str | None


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
    channel: Channel = Channel.WEB
    entered_by: str | None = None
    assigned_to: str | None = None
    ack_due_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    case_type: str | None = None
    final_due_note: str | None = None
    transferred_to: str | None = None
    transfer_receiver: str | None = None
    rework_due_at: dt.datetime | None = None
    replies: tuple[Reply, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    callbacks: tuple[Callback, ...] = ()
    extensions: tuple[Extension, ...] = ()
    last_change: int = 0  # the id of the item's latest audit entry when it was read: what its page has seen

    @property
    def console_label(self) -> str:
        return console_status_label(self.status, self.live_at)

    @property
    def open_escalations(self) -> tuple[Escalation, ...]:
        return tuple(e for e in self.escalations if e.resolved_at is None)

    @property
    def open_callback(self) -> Callback | None:
        return next((c for c in self.callbacks if c.done_at is None), None)

    @property
    def pending_extension(self) -> Extension | None:
        return next((e for e in self.extensions if e.decided_at is None), None)


@dataclass(frozen=True)
class ReplyTemplate:
    """A reply admins wrote once for a kind of item; staff start from it and edit."""

    id: int
    kind: Kind
    title: str
    text: str


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


RELATED = ("replies", "escalations", "callbacks", "extensions", "last_change")
TEMPLATE_COLUMNS = [reply_templates.c[name] for name in ReplyTemplate.__dataclass_fields__]
CONSOLE_COLUMNS = [items.c[name] for name in ConsoleItem.__dataclass_fields__ if name not in RELATED]
REPLY_COLUMNS = [replies.c[name] for name in Reply.__dataclass_fields__]
ESCALATION_COLUMNS = [escalations.c[name] for name in Escalation.__dataclass_fields__]
CALLBACK_COLUMNS = [callbacks.c[name] for name in Callback.__dataclass_fields__]
EXTENSION_COLUMNS = [extensions.c[name] for name in Extension.__dataclass_fields__]
OPEN_ESCALATION = escalations.c.item_id == items.c.id, escalations.c.resolved_at.is_(None)
# In the same statement as the item's row, so the version and the last change are read together.
LAST_CHANGE = (
    select(func.coalesce(func.max(audit_log.c.id), 0))
    .where(audit_log.c.item_id == items.c.id)
    .scalar_subquery()
    .label("last_change")
)
ESCALATION_DUE = (
    select(func.min(escalations.c.due_at)).where(*OPEN_ESCALATION).scalar_subquery().label("escalation_due_at")
)
ESCALATION_LEVEL = (
    select(func.max(escalations.c.level)).where(*OPEN_ESCALATION).scalar_subquery().label("escalation_level")
)
# A request for more time (申请延期) waiting for the moderator's decision: the queue marks it.
EXTENSION_PENDING = (
    select(func.max(extensions.c.days))
    .where(extensions.c.item_id == items.c.id, extensions.c.decided_at.is_(None))
    .scalar_subquery()
    .label("extension_pending")
)
QUEUE_COLUMNS = [
    *(
        items.c[name]
        for name in QueueRow.__dataclass_fields__
        if not name.startswith("escalation_") and name != "extension_pending"
    ),
    ESCALATION_DUE,
    ESCALATION_LEVEL,
    EXTENSION_PENDING,
]
UNACKNOWLEDGED = and_(items.c.ack_due_at.is_not(None), items.c.acknowledged_at.is_(None))
DEADLINE = case(  # the rule of ``casework.clock.current_deadline_name``
    (and_(items.c.status.in_(OPEN_STATES), items.c.rework_due_at.is_not(None)), items.c.rework_due_at),
    (and_(items.c.status.in_([Status.NEW, Status.AWAITING_REPLY]), UNACKNOWLEDGED), items.c.ack_due_at),
    (items.c.status.in_([Status.NEW, Status.AWAITING_REPLY]), items.c.first_reply_due_at),
    (items.c.status == Status.AWAITING_FINAL_REPLY, items.c.final_reply_due_at),
    else_=None,
)


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: states, stations (None: all), kind, channel, and whose items."""

    statuses: tuple[Status, ...]
    stations: tuple[str, ...] | None = None
    kind: Kind | None = None
    channel: Channel | None = None
    assigned_to: str | None = None  # a username: "mine"
    unassigned: bool = False
    escalated: bool = False
    search: str = ""  # a receipt code or words of the text


class ConsoleStore(StoreBase):
    def queue(self, where: QueueFilter, now: dt.datetime, limit: int = 200) -> list[QueueRow]:
        """Items matching ``where``: overdue 督办 first, then the earliest deadline (so overdue), then oldest."""
        query = select(*QUEUE_COLUMNS).where(items.c.status.in_(where.statuses))
        if where.stations is not None:
            query = query.where(items.c.station.in_(where.stations))
        for column, value in ((items.c.kind, where.kind), (items.c.channel, where.channel)):
            if value is not None:
                query = query.where(column == value)
        if where.assigned_to is not None:
            query = query.where(items.c.assigned_to == where.assigned_to)
        if where.unassigned:
            query = query.where(items.c.assigned_to.is_(None))
        if where.escalated:
            query = query.where(ESCALATION_DUE.is_not(None))
        if where.search:
            code = normalise_receipt_code(where.search)
            words = where.search.replace("%", "").replace("_", "")
            query = query.where(
                items.c.receipt_code == code if code else items.c.text.contains(words, autoescape=False)
            )
        escalated_late = case((now > ESCALATION_DUE, 0), else_=1)
        query = query.order_by(escalated_late, DEADLINE.is_(None), DEADLINE, items.c.received_at).limit(limit)
        with self.reading() as conn:
            return [QueueRow(**row._mapping) for row in conn.execute(query)]

    def newer_items(self, where: QueueFilter, after: int) -> int:
        """How many items matching ``where`` have an id above ``after`` (they arrived since)."""
        query = select(func.count()).select_from(items).where(items.c.status.in_(where.statuses), items.c.id > after)
        if where.stations is not None:
            query = query.where(items.c.station.in_(where.stations))
        with self.reading() as conn:
            return int(conn.execute(query).scalar_one())

    def latest_item_id(self, stations: list[str] | None) -> int:
        """The id of the latest item at ``stations`` (all when None), 0 when there is none: what arrives after it
        is new to a queue page shown now, whatever that page lists."""
        query = select(func.max(items.c.id))
        if stations is not None:
            query = query.where(items.c.station.in_(stations))
        with self.reading() as conn:
            return int(conn.execute(query).scalar_one() or 0)

    def status_counts(self, stations: list[str] | None) -> dict[Status, int]:
        query = select(items.c.status, func.count()).group_by(items.c.status)
        if stations is not None:
            query = query.where(items.c.station.in_(stations))
        with self.reading() as conn:
            counts = {row[0]: int(row[1]) for row in conn.execute(query)}
        return {status: counts.get(status, 0) for status in Status}

    def reply_templates(self, kind: Kind | None = None) -> list[ReplyTemplate]:
        query = select(*TEMPLATE_COLUMNS).order_by(
            reply_templates.c.kind, reply_templates.c.title, reply_templates.c.id
        )
        if kind is not None:
            query = query.where(reply_templates.c.kind == kind)
        with self.reading() as conn:
            return [ReplyTemplate(**row._mapping) for row in conn.execute(query)]

    def add_reply_template(self, kind: Kind, title: str, text: str, actor: str, now: dt.datetime) -> int:
        with self.writing() as conn:
            template_id = conn.execute(
                insert(reply_templates).values(kind=kind, title=title, text=text, created_by=actor, created_at=now)
            ).inserted_primary_key[0]  # type: ignore[index]
            self.audit(conn, now, actor, "template_added", None, title, None, {"kind": kind.value, "text": text})
        return int(template_id)

    def delete_reply_template(self, template_id: int, actor: str, now: dt.datetime) -> bool:
        with self.writing() as conn:
            found = conn.execute(select(*TEMPLATE_COLUMNS).where(reply_templates.c.id == template_id)).first()
            if found is None:
                return False
            conn.execute(reply_templates.delete().where(reply_templates.c.id == template_id))
            self.audit(conn, now, actor, "template_deleted", None, found.title, {"text": found.text}, None)
        return True

    def escalated_count(self, stations: list[str] | None) -> int:
        """Open items with an open 督办."""
        query = (
            select(func.count()).select_from(items).where(items.c.status.in_(OPEN_STATES), ESCALATION_DUE.is_not(None))
        )
        if stations is not None:
            query = query.where(items.c.station.in_(stations))
        with self.reading() as conn:
            return int(conn.execute(query).scalar_one())

    def officer_names(self) -> dict[str, str]:
        """Username → the name items show, for officers with a display name."""
        with self.reading() as conn:
            rows = conn.execute(select(users.c.username, users.c.display_name).where(users.c.display_name.is_not(None)))
            return {r.username: r.display_name for r in rows}

    def overdue_items(self, now: dt.datetime) -> list[QueueRow]:
        query = select(*QUEUE_COLUMNS).where(now > DEADLINE).order_by(DEADLINE, items.c.id)
        with self.reading() as conn:
            return [QueueRow(**row._mapping) for row in conn.execute(query)]

    def console_item(self, item_id: int) -> ConsoleItem | None:
        """One item with its replies, 督办, callbacks and extension requests, read in one transaction."""
        with self.reading() as conn:
            row = conn.execute(select(*CONSOLE_COLUMNS, LAST_CHANGE).where(items.c.id == item_id)).first()
            if row is None:
                return None

            def related(columns: list[Any], table: Any, order: Any, kind: type) -> tuple[Any, ...]:
                found = conn.execute(select(*columns).where(table.c.item_id == item_id).order_by(order, table.c.id))
                return tuple(kind(**r._mapping) for r in found)

            return ConsoleItem(
                **row._mapping,
                replies=related(REPLY_COLUMNS, replies, replies.c.at, Reply),
                escalations=related(ESCALATION_COLUMNS, escalations, escalations.c.opened_at, Escalation),
                callbacks=related(CALLBACK_COLUMNS, callbacks, callbacks.c.opened_at, Callback),
                extensions=related(EXTENSION_COLUMNS, extensions, extensions.c.requested_at, Extension),
            )

    def replies(self, item_id: int) -> list[Reply]:
        """An item's replies alone (the tracking page), oldest first."""
        query = select(*REPLY_COLUMNS).where(replies.c.item_id == item_id).order_by(replies.c.at, replies.c.id)
        with self.reading() as conn:
            return [Reply(**row._mapping) for row in conn.execute(query)]

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
            if change.resolves_escalations:
                conn.execute(
                    update(escalations)
                    .where(escalations.c.item_id == item.id, escalations.c.resolved_at.is_(None))
                    .values(resolved_at=now, met=escalations.c.due_at >= now)
                )
            for record in change.records:
                self.write_record(conn, item.id, change, record)
                after.setdefault("records", []).append({"type": type(record).__name__, **_plain_fields(record)})
            self.audit(conn, now, actor, change.action, item.id, item.receipt_code, before, after)
            self.announce_change(conn)
            for message in change.messages:
                self.outbox.enqueue(conn, message.recipient, message.subject, message.body, now, message.channel)  # type: ignore[attr-defined]

    def write_record(self, conn: Connection, item_id: int, change: Change, record: Record) -> None:
        """One row of a side table: a new 督办, callback or extension request, or a decision on one."""
        actor, now = change.actor.username, change.at
        if isinstance(record, NewEscalation):
            conn.execute(
                insert(escalations).values(
                    item_id=item_id,
                    level=record.level,
                    reason=record.reason,
                    opened_at=now,
                    opened_by=actor,
                    due_at=record.due_at,
                )
            )
        elif isinstance(record, NewCallback):
            conn.execute(
                insert(callbacks).values(item_id=item_id, reason=record.reason, opened_at=now, due_at=record.due_at)
            )
        elif isinstance(record, CallbackOutcome):
            done = conn.execute(
                update(callbacks)
                .where(
                    callbacks.c.id == record.callback_id, callbacks.c.item_id == item_id, callbacks.c.done_at.is_(None)
                )
                .values(
                    done_at=now,
                    done_by=actor,
                    reached=record.reached,
                    satisfied=record.satisfied,
                    corrected=record.corrected,
                    note=record.note,
                )
            ).rowcount
            if not done:
                raise Conflict(item_id)
        elif isinstance(record, NewExtension):
            conn.execute(
                insert(extensions).values(
                    item_id=item_id, requested_by=actor, requested_at=now, reason=record.reason, days=record.days
                )
            )
        else:
            decided = conn.execute(
                update(extensions)
                .where(
                    extensions.c.id == record.extension_id,
                    extensions.c.item_id == item_id,
                    extensions.c.decided_at.is_(None),
                )
                .values(decided_by=actor, decided_at=now, granted=record.granted, decision_note=record.note)
            ).rowcount
            if not decided:
                raise Conflict(item_id)

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

    def changes_since(self, item_id: int, after: int) -> list[AuditEntry]:
        """What was done to an item after its audit entry ``after`` (a page's ``last_change``), oldest first."""
        query = select(audit_log).where(audit_log.c.item_id == item_id, audit_log.c.id > after).order_by(audit_log.c.id)
        with self.reading() as conn:
            return [AuditEntry(**row._mapping) for row in conn.execute(query)]

    def audit_entries(self, limit: int = 200, item_id: int | None = None) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if item_id is not None:
            query = query.where(audit_log.c.item_id == item_id)
        with self.reading() as conn:
            return [AuditEntry(**row._mapping) for row in conn.execute(query)]

    def pending_ratings(self, stations: list[str] | None) -> list[dict[str, Any]]:
        """Ratings waiting for a moderator; ``same_address_day``: how many came from that address for that station that day."""
        query = select(
            ratings.c.id,
            ratings.c.station,
            ratings.c.stars,
            ratings.c.comment,
            ratings.c.created_at,
            ratings.c.client_hash,
        ).where(ratings.c.status == RatingStatus.PENDING)
        if stations is not None:
            query = query.where(ratings.c.station.in_(stations))
        with self.reading() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query.order_by(ratings.c.created_at))]
        day = lambda row: row["created_at"].astimezone(BEIJING).date()  # noqa: E731
        groups = Counter((row["station"], row["client_hash"], day(row)) for row in rows if row["client_hash"])
        for row in rows:
            address = row.pop("client_hash")
            row["same_address_day"] = groups[(row["station"], address, day(row))] if address else 1
        return rows

    def recent_item_ratings(self, stations: list[str] | None, limit: int) -> list[dict[str, Any]]:
        """The latest one-time ratings (一事一评) of items at ``stations`` (all when None), newest first: when, how
        many stars, and the item's id, receipt code, kind and station. They count as given (no moderation)."""
        query = select(
            item_ratings.c.stars,
            item_ratings.c.created_at,
            items.c.id.label("item_id"),
            items.c.receipt_code,
            items.c.kind,
            items.c.station,
        ).join(items, items.c.id == item_ratings.c.item_id)
        if stations is not None:
            query = query.where(items.c.station.in_(stations))
        query = query.order_by(item_ratings.c.created_at.desc(), item_ratings.c.id.desc()).limit(limit)
        with self.reading() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

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


def _plain_fields(record: Any) -> dict[str, Any]:
    return {name: _plain(getattr(record, name)) for name in record.__dataclass_fields__}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value
