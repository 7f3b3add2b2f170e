"""Intake: submissions, receipts, tracking, retention."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, text, update

from ..casework.change import Message
from ..folding import CONSENT, Earlier, Fold, history_note, plan_resubmission
from ..models import (
    Channel,
    Kind,
    Status,
    entry_tokens,
    item_history,
    items,
    photos,
    public_status_label,
    rating_locks,
    ratings,
)
from .core import StoreBase, WriterBusy

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: easy to read out
RECEIPT_LENGTH = 10


def new_receipt_code() -> str:
    """``K7QM4-XPD2R`` style: 10 symbols of 30 (about 49 bits), grouped for reading aloud."""
    symbols = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return f"{symbols[:5]}-{symbols[5:]}"


# Between the symbols of a code people type spaces, hyphens, the dashes of Chinese keyboards, dots.
_CODE_SEPARATORS = " \t-_.\u00b7\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fb"
_CODE_RUN = re.compile(rf"[0-9A-Z]+(?:[{re.escape(_CODE_SEPARATORS)}]+[0-9A-Z]+)*")
_CODE_SPLIT = re.compile(rf"[{re.escape(_CODE_SEPARATORS)}]+")


def normalise_receipt_code(raw: str) -> str:
    """The receipt code (``K7QM4-XPD2R``) in what someone typed or pasted, or "" when there is none.

    Full-width forms count as their ASCII twins (NFKC) and case does not
    matter; the code may stand among other words, as when the receipt SMS is
    pasted whole (``受理编号：K7QM4-XPD2R``). The code is 10 symbols of the
    receipt alphabet, in one group or split by separators; two different codes
    in one paste give "" as well.
    """
    typed = unicodedata.normalize("NFKC", raw[:1000]).upper()
    found: set[str] = set()
    for run in _CODE_RUN.findall(typed):
        groups = _CODE_SPLIT.split(run)
        for start in range(len(groups)):
            symbols = ""
            for group in groups[start:]:
                symbols += group
                if len(symbols) >= RECEIPT_LENGTH:
                    break
            if len(symbols) == RECEIPT_LENGTH and all(symbol in RECEIPT_ALPHABET for symbol in symbols):
                found.add(f"{symbols[:5]}-{symbols[5:]}")
    return found.pop() if len(found) == 1 else ""


def text_fingerprint(station: str, body: str) -> str:
    """Same station and same text, ignoring spacing: the duplicate key."""
    squeezed = "".join(body.split())
    return hashlib.sha256(f"{station}\n{squeezed}".encode()).hexdigest()


@dataclass(frozen=True)
class NewItem:
    station: str
    kind: Kind
    text: str
    location: str | None = None
    name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    consent: bool = False
    client_hash: str | None = None
    photo: tuple[bytes, str, int, int] | None = None  # data, content type, width, height
    # deadlines from the clock table (Planner.deadlines_for), counted from when it was received
    first_reply_due_at: dt.datetime | None = None
    ack_due_at: dt.datetime | None = None
    channel: Channel = Channel.WEB
    entered_by: str | None = None  # the staff account that entered it from another channel
    received_at: dt.datetime | None = None  # when it reached us, if before it was stored (staff entries)


@dataclass(frozen=True)
class Receipt:
    """The receipt code handed back; for a resubmission, what became of it (``relay.folding``)."""

    code: str
    folded: bool
    updated: tuple[
        str, ...
    ] = ()  # folded: what it added to the first item (``photo``, ``contact_phone``, ``consent`` …)
    kept_apart: tuple[str, ...] = ()  # not folded: the details that differ from the same sender's first item
    item_id: int | None = None  # not folded: the item stored


@dataclass(frozen=True)
class Intake:
    """What ``notify`` builds the messages of an item's arrival from: the item as it is now stored."""

    id: int
    receipt_code: str
    kind: Kind
    first_reply_due_at: dt.datetime | None
    contact_phone: str | None
    contact_email: str | None
    resubmission: bool = False  # contact details a folded resubmission added: only the submitter is told


Notify = Callable[[Intake], Iterable[Message]]


@dataclass(frozen=True)
class Item:
    id: int
    receipt_code: str
    station: str
    kind: Kind
    status: Status
    text: str
    location: str | None
    photo_id: int | None
    received_at: dt.datetime
    first_reply_due_at: dt.datetime | None
    duplicates: int
    live_at: dt.datetime | None
    ack_due_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    transferred_to: str | None = None
    rework_due_at: dt.datetime | None = None  # reopened, or corrected after a callback: the reply owed by then
    # what the submitter typed in the form: private, used only to mask it out of what a page shows
    name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None

    @property
    def status_label(self) -> str:
        return public_status_label(self.status, self.live_at)

    @property
    def site_path(self) -> str:
        """Where the site puts the published answer (``ARTICLE_URL`` in pelicanconf.py)."""
        module = self.kind.site_module
        return f"stations/{self.station}/{module}/{module}-{self.id}/"


@dataclass(frozen=True)
class HistoryEntry:
    from_status: Status | None
    to_status: Status
    at: dt.datetime
    note: str | None
    actor: str | None = None


# The submission's statements, built once: building and cache-keying a statement
# per call (``insert(items).values(...)`` with twenty values) cost more CPU than
# the rest of a submission together. Parameters go in at execution.
_TEXT_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _lock_key(fingerprint: str) -> int:
    """A signed 64-bit key for PostgreSQL's advisory locks, from a submission's text fingerprint."""
    return int.from_bytes(hashlib.blake2b(fingerprint.encode(), digest_size=8).digest(), "big", signed=True)


_EARLIER = (
    select(
        items.c.id,
        items.c.receipt_code,
        items.c.kind,
        items.c.client_hash,
        items.c.status,
        items.c.photo_id,
        items.c.location,
        items.c.name,
        items.c.contact_phone,
        items.c.contact_email,
        items.c.consent,
        items.c.first_reply_due_at,
    )
    .where(items.c.station == bindparam("station"), items.c.text_hash == bindparam("fingerprint"))
    .where(items.c.received_at >= bindparam("since"))
    .order_by(items.c.received_at.desc())
)
_FOLD = update(items).where(items.c.id == bindparam("item_id")).values(duplicates=items.c.duplicates + 1)
_PHOTO_DATA = select(photos.c.data).where(photos.c.id == bindparam("photo_id"))
_CODE_TAKEN = select(items.c.id).where(items.c.receipt_code == bindparam("code"))
_PHOTO_INSERT = insert(photos)
_ITEM_INSERT = insert(items)
_HISTORY_INSERT = insert(item_history)


class IntakeStore(StoreBase):
    def submit(
        self,
        new: NewItem,
        now: dt.datetime,
        duplicate_window: dt.timedelta,
        notify: Notify | None = None,
    ) -> Receipt:
        """Store a submission, or fold it into the same text the same client sent moments ago.

        Only the same client (by client hash) sending the same kind with the same
        text to the same station within ``duplicate_window`` gets the earlier
        receipt back, with what it adds written to the earlier item, unless it
        brings a detail the earlier one holds differently (``relay.folding``).
        The same text from anyone else, or as another kind, or kept apart, gets
        its own receipt and is linked to the earliest item (``duplicate_of``) for
        the moderator: a receipt code is never handed to another person.
        ``notify(intake)`` returns the messages to queue in the same transaction
        (the station's e-mail, the submitter's receipt SMS; after a fold that
        added contact details, the receipt SMS alone).
        """
        with self.writing() as conn:
            return self._submit(conn, new, now, duplicate_window, notify)

    def submit_now(
        self,
        new: NewItem,
        now: dt.datetime,
        duplicate_window: dt.timedelta,
        notify: Notify | None = None,
    ) -> Receipt | None:
        """``submit`` on the calling thread when no other writer holds the lock (see ``writing_now``);
        None when one does (nothing was written: call ``submit`` in a thread)."""
        try:
            with self.writing_now() as conn:
                return self._submit(conn, new, now, duplicate_window, notify)
        except WriterBusy:
            return None

    def _submit(
        self,
        conn: Connection,
        new: NewItem,
        now: dt.datetime,
        duplicate_window: dt.timedelta,
        notify: Notify | None,
    ) -> Receipt:
        fingerprint = text_fingerprint(new.station, new.text)
        if conn.dialect.name == "postgresql":
            # Two posts of the same text at once (a double tap on a slow network) would each read "nothing
            # earlier" and store an item with a receipt of its own, and two resubmissions would each add to the
            # first item what it lacks: they take turns on a lock of that text, held until the transaction ends, so
            # the second one sees what the first wrote. (SQLite's writers take turns anyway.)
            conn.execute(_TEXT_LOCK, {"key": _lock_key(fingerprint)})
        since = now - duplicate_window
        earlier = conn.execute(_EARLIER, {"station": new.station, "fingerprint": fingerprint, "since": since}).all()
        same_sender = [
            e for e in earlier if new.client_hash and e.client_hash == new.client_hash and e.kind == new.kind
        ]
        kept_apart: tuple[str, ...] = ()
        for first in same_sender:  # the latest first: fold into the first of them that takes it
            plan = plan_resubmission(_earlier(first), new, self._same_photo(conn, first.photo_id, new))
            if isinstance(plan, Fold):
                self._fold(conn, first, plan, new, now, notify)
                return Receipt(first.receipt_code, folded=True, updated=plan.updated)
            kept_apart = kept_apart or plan.differing
        duplicate_of = earlier[-1].id if earlier else None
        photo_id = self._insert_photo(conn, new.photo, now) if new.photo is not None else None
        due, received = new.first_reply_due_at, new.received_at or now
        for _attempt in range(5):
            code = new_receipt_code()
            if conn.execute(_CODE_TAKEN, {"code": code}).first() is None:
                break
        row = {
            "receipt_code": code,
            "station": new.station,
            "kind": new.kind,
            "status": Status.NEW,
            "text": new.text,
            "text_hash": fingerprint,
            "location": new.location,
            "photo_id": photo_id,
            "name": new.name,
            "contact_phone": new.contact_phone,
            "contact_email": new.contact_email,
            "consent": new.consent,
            "client_hash": new.client_hash,
            "received_at": received,
            "first_reply_due_at": due,
            "ack_due_at": new.ack_due_at,
            "channel": new.channel,
            "entered_by": new.entered_by,
            "duplicates": 0,
            "duplicate_of": duplicate_of,
        }
        item_id = conn.execute(_ITEM_INSERT, row).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            _HISTORY_INSERT,
            {"item_id": item_id, "from_status": None, "to_status": Status.NEW, "at": now, "actor": new.entered_by},
        )
        self.announce_change(conn)
        intake = Intake(item_id, code, new.kind, due, new.contact_phone, new.contact_email)
        for message in notify(intake) if notify else ():
            self.outbox.enqueue(conn, message.recipient, message.subject, message.body, now, message.channel)  # type: ignore[attr-defined]
        return Receipt(code, folded=False, kept_apart=kept_apart, item_id=item_id)

    def _fold(
        self, conn: Connection, first: Any, plan: Fold, new: NewItem, now: dt.datetime, notify: Notify | None
    ) -> None:
        """Count the resubmission on ``first`` and write what it adds there, with a history line and an audit entry.

        The history and the audit log name what was added, never the values: the audit log is kept for good,
        and contact details must go when ``purge`` forgets them on the item.
        """
        if not plan.updates:
            conn.execute(_FOLD, {"item_id": first.id})
            return
        columns = {field: value for field, value in plan.updates.items() if field != "photo"}
        if new.photo is not None and "photo" in plan.updates:
            columns["photo_id"] = self._insert_photo(conn, new.photo, now)
        conn.execute(
            update(items)
            .where(items.c.id == first.id)
            .values(**columns, duplicates=items.c.duplicates + 1, version=items.c.version + 1)
        )
        note = history_note(plan.updated)
        conn.execute(
            _HISTORY_INSERT,
            {"item_id": first.id, "from_status": first.status, "to_status": first.status, "at": now, "note": note},
        )
        consent = {"consent": plan.updates[CONSENT]} if CONSENT in plan.updates else {}
        after = {"added": list(plan.updated), **consent}
        self.audit(conn, now, "public", "resubmission", first.id, first.receipt_code, None, after)  # type: ignore[attr-defined]
        self.announce_change(conn)
        if notify and ("contact_phone" in plan.updates or "contact_email" in plan.updates):
            phone = plan.updates.get("contact_phone", first.contact_phone)
            email = plan.updates.get("contact_email", first.contact_email)
            intake = Intake(first.id, first.receipt_code, new.kind, first.first_reply_due_at, phone, email, True)
            for message in notify(intake):
                self.outbox.enqueue(conn, message.recipient, message.subject, message.body, now, message.channel)  # type: ignore[attr-defined]

    @staticmethod
    def _same_photo(conn: Connection, photo_id: int | None, new: NewItem) -> bool:
        """Whether the item's stored photo has the bytes of ``new``'s (the same upload re-encodes the same)."""
        if photo_id is None or new.photo is None:
            return False
        return bool(conn.execute(_PHOTO_DATA, {"photo_id": photo_id}).scalar() == new.photo[0])

    @staticmethod
    def _insert_photo(conn: Connection, photo: tuple[bytes, str, int, int], now: dt.datetime) -> int:
        data, content_type, width, height = photo
        row = {"content_type": content_type, "data": data, "width": width, "height": height, "created_at": now}
        return int(conn.execute(_PHOTO_INSERT, row).inserted_primary_key[0])  # type: ignore[index]

    def item_by_code(self, code: str) -> Item | None:
        with self.reading() as conn:
            row = conn.execute(select(*ITEM_COLUMNS).where(items.c.receipt_code == code)).first()
        return Item(**row._mapping) if row else None

    def possible_duplicates(self, item_id: int) -> list[int]:
        """Ids of items with the same text from other senders: the one this copies and those copying it."""
        with self.reading() as conn:
            original = conn.execute(select(items.c.duplicate_of).where(items.c.id == item_id)).scalar()
            copies = conn.execute(
                select(items.c.id).where(items.c.duplicate_of == item_id).order_by(items.c.id)
            ).scalars()
            return ([original] if original is not None else []) + list(copies)

    def history(self, item_id: int) -> list[HistoryEntry]:
        with self.reading() as conn:
            rows = conn.execute(
                select(
                    item_history.c.from_status,
                    item_history.c.to_status,
                    item_history.c.at,
                    item_history.c.note,
                    item_history.c.actor,
                )
                .where(item_history.c.item_id == item_id)
                .order_by(item_history.c.at, item_history.c.id)
            ).all()
        return [HistoryEntry(**row._mapping) for row in rows]

    def photo(self, photo_id: int) -> tuple[str, bytes] | None:
        with self.reading() as conn:
            row = conn.execute(select(photos.c.content_type, photos.c.data).where(photos.c.id == photo_id)).first()
        return (row.content_type, row.data) if row else None

    def count_items(self) -> int:
        with self.reading() as conn:
            return int(conn.execute(select(func.count()).select_from(items)).scalar_one())

    def receipt_codes(self) -> set[str]:
        with self.reading() as conn:
            return set(conn.execute(select(items.c.receipt_code)).scalars())

    # -- retention ------------------------------------------------------------

    def purge(self, now: dt.datetime, retention_days: int) -> int:
        """Forget contact details and client hashes older than the retention period.

        Items still waiting for an answer keep their contact details.
        """
        cutoff = now - dt.timedelta(days=retention_days)
        open_states = (Status.NEW, Status.AWAITING_REPLY, Status.AWAITING_FINAL_REPLY)
        with self.writing() as conn:
            purged = conn.execute(
                update(items)
                .where(items.c.received_at < cutoff, items.c.purged_at.is_(None), items.c.status.not_in(open_states))
                .values(name=None, contact_phone=None, contact_email=None, client_hash=None, purged_at=now)
            ).rowcount
            conn.execute(update(ratings).where(ratings.c.created_at < cutoff).values(client_hash=None))
            conn.execute(rating_locks.delete().where(rating_locks.c.until < now))
            # The staff entry form's one-time tokens (EntryStore.enter): one row per entered item, not kept for good.
            conn.execute(entry_tokens.delete().where(entry_tokens.c.used_at < cutoff))
        return int(purged)


def _earlier(row: Any) -> Earlier:
    return Earlier(
        has_photo=row.photo_id is not None,
        location=row.location,
        name=row.name,
        contact_phone=row.contact_phone,
        contact_email=row.contact_email,
        consent=bool(row.consent),
    )


ITEM_COLUMNS = (
    items.c.id,
    items.c.receipt_code,
    items.c.station,
    items.c.kind,
    items.c.status,
    items.c.text,
    items.c.location,
    items.c.photo_id,
    items.c.received_at,
    items.c.first_reply_due_at,
    items.c.duplicates,
    items.c.live_at,
    items.c.ack_due_at,
    items.c.acknowledged_at,
    items.c.transferred_to,
    items.c.rework_due_at,
    items.c.name,
    items.c.contact_phone,
    items.c.contact_email,
)
