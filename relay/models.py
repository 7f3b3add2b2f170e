"""Tables (SQLAlchemy Core); the enums they store live in relay/vocabulary.py and are re-exported here."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every database (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC")
        value = value.astimezone(dt.UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


from .vocabulary import (  # noqa: E402  (re-exported: the tables store them)
    Channel,
    Kind,
    RatingStatus,
    ReplyKind,
    Role,
    Status,
    console_status_label,
    public_status_label,
)

__all__ = [
    "Channel",
    "Kind",
    "RatingStatus",
    "ReplyKind",
    "Role",
    "Status",
    "console_status_label",
    "public_status_label",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


photos = Table(
    "photos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("receipt_code", String(16), nullable=False, unique=True),
    Column("station", String(64), nullable=False, index=True),
    Column("kind", _enum(Kind, "item_kind"), nullable=False),
    Column("status", _enum(Status, "item_status"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("text_hash", String(64), nullable=False),
    Column("location", Text),
    Column("photo_id", Integer, ForeignKey("photos.id", ondelete="SET NULL")),
    Column("name", String(64)),
    Column("contact_phone", String(32)),
    Column("contact_email", String(254)),
    Column("consent", Boolean, nullable=False, default=False),
    Column("client_hash", String(64)),
    Column("received_at", UTCDateTime(), nullable=False, index=True),
    Column("first_reply_due_at", UTCDateTime()),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("purged_at", UTCDateTime()),
    Column("version", Integer, nullable=False, default=1, server_default="1"),
    Column("final_reply_due_at", UTCDateTime()),
    Column("escalated_at", UTCDateTime()),
    Column("escalation_note", Text),
    Column("reject_reason", Text),
    Column("public_text", Text),
    Column("published_at", UTCDateTime()),
    Column("live_at", UTCDateTime()),  # when a site build with the published answer went online
    # casework (migration 0007)
    Column("channel", _enum(Channel, "item_channel"), nullable=False, default=Channel.WEB, server_default="web"),
    Column("entered_by", String(64)),  # the staff account that entered an item from another channel
    Column("assigned_to", String(64), index=True),  # the responsible officer's username
    Column("ack_due_at", UTCDateTime()),  # hazards: acknowledge by
    Column("acknowledged_at", UTCDateTime()),
    Column("case_type", String(32)),  # help requests: the case type that sets the final deadline
    Column("final_due_note", Text),  # why the final deadline differs from the case type's
    Column("transferred_to", String(64)),  # an external unit's code
    Column("transfer_receiver", String(64)),  # who at that unit took it
    # reopened, or corrected after a callback (整改): the next reply is due by this (migration 0010); the first
    # and final deadlines stay as they were, for the figures
    Column("rework_due_at", UTCDateTime()),
    # the same text sent earlier from another client or as another kind: shown to the moderator, never folded
    Column("duplicate_of", Integer, ForeignKey("items.id", ondelete="SET NULL"), index=True),
    Index("ix_items_station_text_hash", "station", "text_hash"),
)

# One entry form, one item: the token each entry form carries, taken when its item is entered (migration 0009).
entry_tokens = Table(
    "entry_tokens",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE")),  # set in the same transaction
    Column("used_at", UTCDateTime(), nullable=False),
)

item_history = Table(
    "item_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("from_status", _enum(Status, "history_from_status")),
    Column("to_status", _enum(Status, "history_to_status"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(64)),
    Column("note", Text),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station", String(64), nullable=False, index=True),
    Column("stars", SmallInteger, nullable=False),
    Column("comment", Text),
    Column("status", _enum(RatingStatus, "rating_status"), nullable=False),
    Column("client_hash", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
)

rating_locks = Table(
    "rating_locks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station", String(64), nullable=False),
    Column("client_hash", String(64), nullable=False),
    Column("until", UTCDateTime(), nullable=False),
    UniqueConstraint("station", "client_hash", name="uq_rating_locks_station_client"),
)

item_ratings = Table(
    "item_ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("stars", SmallInteger, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", _enum(Role, "user_role"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("email", String(254)),
    Column("display_name", String(64)),  # an officer's name as shown on items (具体人)
)

escalations = Table(
    "escalations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("level", SmallInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("opened_by", String(64), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime()),
    Column("met", Boolean),  # resolved by its deadline
)

callbacks = Table(
    "callbacks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("reason", String(16), nullable=False),  # low_rating, complaint, moderator
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime()),
    Column("done_by", String(64)),
    Column("reached", Boolean),
    Column("satisfied", Boolean),
    Column("corrected", Boolean),  # reopened for correction (整改)
    Column("note", Text),
)

extensions = Table(
    "extensions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("days", SmallInteger, nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", UTCDateTime()),
    Column("granted", Boolean),
    Column("decision_note", Text),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column(
        "deadline", String(32), nullable=False
    ),  # which deadline: ack, first_reply, final_reply, escalation, callback
    Column("due_at", UTCDateTime(), nullable=False),
    Column("stage", String(8), nullable=False),  # before, missed
    Column("sent_at", UTCDateTime(), nullable=False),
    UniqueConstraint("item_id", "deadline", "due_at", "stage", name="uq_reminders_once"),
)

reply_templates = Table(
    "reply_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", _enum(Kind, "template_kind"), nullable=False, index=True),
    Column("title", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

user_stations = Table(
    "user_stations",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("station", String(64), primary_key=True),
)


replies = Table(
    "replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", _enum(ReplyKind, "reply_kind"), nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("public_text", Text),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("item_id", Integer, index=True),
    Column("target", String(128)),
    Column("before", Text),
    Column("after", Text),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient", String(254), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False, index=True),
    Column("sent_at", UTCDateTime(), index=True),
    Column("last_error", Text),
    Column("channel", String(8), nullable=False, default="email", server_default="email"),  # email | sms
)
