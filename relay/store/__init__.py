"""The store: the only package that talks SQL. ``Store`` joins its parts."""

from __future__ import annotations

from .accounts import Account, AccountStore, SessionRow
from .console import AuditEntry, ConsoleItem, ConsoleStore, QueueRow, Reply
from .core import MIGRATIONS, StoreBase
from .entry import EntryStore
from .export import ExportStore
from .intake import (
    RECEIPT_ALPHABET,
    HistoryEntry,
    Intake,
    IntakeStore,
    Item,
    NewItem,
    Receipt,
    new_receipt_code,
    normalise_receipt_code,
    text_fingerprint,
)
from .outbox import OutboxMessage, OutboxStore
from .publishing import PublishingStore
from .ratings import RatingOutcome, RatingStore
from .reminders import ReminderStore


class Store(
    IntakeStore, RatingStore, AccountStore, ConsoleStore, EntryStore, ExportStore, PublishingStore, ReminderStore
):
    """All reads and writes of the relay's data."""

    def __init__(self, url: str, echo: bool = False) -> None:
        super().__init__(url, echo)
        self.outbox = OutboxStore(self)


__all__ = [
    "MIGRATIONS",
    "RECEIPT_ALPHABET",
    "Account",
    "AuditEntry",
    "ConsoleItem",
    "HistoryEntry",
    "Intake",
    "Item",
    "NewItem",
    "OutboxMessage",
    "QueueRow",
    "RatingOutcome",
    "Receipt",
    "Reply",
    "SessionRow",
    "Store",
    "StoreBase",
    "new_receipt_code",
    "normalise_receipt_code",
    "text_fingerprint",
]
