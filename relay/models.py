"""Tables and the enums stored in them (SQLAlchemy Core)."""

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


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Kind(enum.StrEnum):
    QUESTION = "question"
    HELP = "help"
    HAZARD = "hazard"
    SUGGESTION = "suggestion"

    @property
    def label(self) -> str:
        return {"question": "咨询", "help": "求助", "hazard": "隐患举报", "suggestion": "建议"}[self.value]

    @property
    def site_module(self) -> str:
        """The site section that lists answers of this kind (``MODULE_OF_KIND`` in plugins/publicanswers)."""
        return {"question": "qa", "help": "help", "hazard": "hazard", "suggestion": "qa"}[self.value]


class Channel(enum.StrEnum):
    """How an item reached us: the web form, or entered by staff from another channel."""

    WEB = "web"
    PHONE = "phone"
    COUNTER = "counter"
    LETTER = "letter"
    HOTLINE = "hotline_12345"
    REFERRAL = "referral_110"

    @property
    def label(self) -> str:
        return {
            "web": "网上留言",
            "phone": "电话",
            "counter": "窗口来访",
            "letter": "来信",
            "hotline_12345": "12345 热线转办",
            "referral_110": "110 非紧急警情转办",
        }[self.value]


class Status(enum.StrEnum):
    NEW = "new"
    AWAITING_REPLY = "awaiting_reply"
    AWAITING_FINAL_REPLY = "awaiting_final_reply"
    ANSWERED = "answered"
    PUBLISHED = "published"
    REJECTED = "rejected"
    SPAM = "spam"
    TRANSFERRED_OUT = "transferred_out"

    @property
    def label(self) -> str:
        return {
            "new": "已受理，待审核",
            "awaiting_reply": "待答复",
            "awaiting_final_reply": "已初步答复，待最终答复",
            "answered": "已答复",
            "published": "已答复，批准公开",
            "rejected": "不予受理",
            "spam": "不予受理",
            "transferred_out": "已转交其他单位办理",
        }[self.value]

    @property
    def console_label(self) -> str:
        return {
            "new": "新收到",
            "awaiting_reply": "待答复",
            "awaiting_final_reply": "待最终答复",
            "answered": "已答复待公开",
            "published": "已批准公开",
            "rejected": "不予受理",
            "spam": "垃圾信息",
            "transferred_out": "已转外单位",
        }[self.value]


def public_status_label(status: Status, live_at: dt.datetime | None) -> str:
    """The tracking page's status: an approved answer is public only once a site build shows it."""
    if status is Status.PUBLISHED:
        return "已答复并公开" if live_at else "已答复，答复将于几分钟内在网站公开"
    return status.label


def console_status_label(status: Status, live_at: dt.datetime | None) -> str:
    if status is Status.PUBLISHED:
        return "已公开" if live_at else "已通过待上线"
    return status.console_label


class RatingStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    STATION = "station"
    OFFICER = "officer"

    @property
    def label(self) -> str:
        return {"admin": "管理员", "moderator": "审核员", "station": "派出所账号", "officer": "民警"}[self.value]

    @property
    def station_bound(self) -> bool:
        """Station accounts and officers see only their own stations' items."""
        return self in (Role.STATION, Role.OFFICER)


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
    # the same text sent earlier from another client or as another kind: shown to the moderator, never folded
    Column("duplicate_of", Integer, ForeignKey("items.id", ondelete="SET NULL"), index=True),
    Index("ix_items_station_text_hash", "station", "text_hash"),
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


class ReplyKind(enum.StrEnum):
    FIRST = "first"
    FINAL = "final"


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
