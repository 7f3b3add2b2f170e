"""What a planned action does, as values: the store applies a ``Change`` in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..models import ReplyKind, Role, Status

# Item columns a change may set besides its status, public text and deadlines.
FIELDS = frozenset(
    {
        "station",
        "reject_reason",
        "escalated_at",
        "escalation_note",
        "published_at",
        "live_at",
        "assigned_to",
        "acknowledged_at",
        "case_type",
        "final_due_note",
        "transferred_to",
        "transfer_receiver",
    }
)
DEADLINES = frozenset({"first_reply_due_at", "final_reply_due_at", "ack_due_at", "rework_due_at"})


@dataclass(frozen=True)
class Actor:
    """The account acting: its name (in history and the audit log), role and the stations it may see."""

    username: str
    role: Role
    stations: tuple[str, ...] | None = None  # None: every station

    def can_see(self, station: str) -> bool:
        return self.stations is None or station in self.stations


CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class Message:
    """A notification to queue in the outbox, in the same transaction as the change.

    ``channel`` is ``email`` (subject and body) or ``sms`` (the body only, to a
    phone number; codes and links, never the submitted text).
    """

    recipient: str
    subject: str
    body: str
    channel: str = "email"

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")


@dataclass(frozen=True)
class NewReply:
    kind: ReplyKind
    text: str


@dataclass(frozen=True)
class NewEscalation:
    """督办: a level (1 一般, 2 重点, 3 挂牌), a reason and its own deadline."""

    level: int
    reason: str
    due_at: dt.datetime


@dataclass(frozen=True)
class NewCallback:
    """回访 to do by ``due_at``: after a low rating (``low_rating``), a complaint or a moderator's choice."""

    reason: str
    due_at: dt.datetime


@dataclass(frozen=True)
class CallbackOutcome:
    callback_id: int
    reached: bool
    satisfied: bool | None
    corrected: bool
    note: str


@dataclass(frozen=True)
class NewExtension:
    """A station asks for ``days`` more working days, with a reason."""

    reason: str
    days: int


@dataclass(frozen=True)
class ExtensionDecision:
    extension_id: int
    granted: bool
    note: str


Record = NewEscalation | NewCallback | CallbackOutcome | NewExtension | ExtensionDecision


@dataclass(frozen=True)
class FieldErrors:
    """The form comes back with these messages beside their fields; nothing was changed."""

    errors: Mapping[str, str]

    def __bool__(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class Change:
    """One action's effect on one item.

    ``status`` is the state afterwards (the same when the action keeps it);
    ``fields`` other columns (see ``FIELDS``); ``deadlines`` the deadlines
    it sets; ``note`` the history line; ``reply`` a reply to add;
    ``public_text`` / ``public_replies`` the approved public texts;
    ``messages`` the notifications it causes; ``records`` rows of the
    side tables (督办, 回访, extensions) to add or decide.
    """

    action: str
    actor: Actor
    at: dt.datetime
    status: Status
    fields: Mapping[str, Any] = field(default_factory=dict)
    deadlines: Mapping[str, dt.datetime | None] = field(default_factory=dict)  # None: no longer chased
    note: str | None = None
    reply: NewReply | None = None
    public_text: str | None = None
    public_replies: Mapping[int, str] = field(default_factory=dict)
    messages: tuple[Message, ...] = ()
    records: tuple[Record, ...] = ()
    resolves_escalations: bool = False  # the item leaves the open states: open 督办 are resolved now

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a change needs an aware time")
        unknown = (set(self.fields) - FIELDS) | (set(self.deadlines) - DEADLINES)
        if unknown:
            raise ValueError(f"a change cannot set {sorted(unknown)}")
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "deadlines", MappingProxyType(dict(self.deadlines)))
        object.__setattr__(self, "public_replies", MappingProxyType(dict(self.public_replies)))

    def columns(self) -> dict[str, Any]:
        """The item columns this change writes."""
        columns: dict[str, Any] = {"status": self.status, **self.fields, **self.deadlines}
        if self.public_text is not None:
            columns["public_text"] = self.public_text
        return columns


@dataclass(frozen=True)
class Officer:
    """An officer account of a station: who an item can be assigned to (具体人)."""

    username: str
    display_name: str
    email: str | None = None
