"""Ratings: free-standing star ratings of a station's chief, and the one-time rating of an item's handling."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Iterable

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..casework.change import Message, NewCallback
from ..models import RatingStatus, callbacks, item_history, item_ratings, items, rating_locks, ratings
from ..timefmt import BEIJING
from .core import StoreBase


class RatingOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # a new rating, waiting for a moderator
    FOLDED = "folded"  # the same rating from the same address a moment ago (a double tap): counted once
    REFUSED = "refused"  # this rater rated the station already, or the address reached its cap for the day


class _Refused(Exception):
    """Leave ``add_rating``'s transaction with nothing written."""


def lock_key(*parts: str) -> str:
    """A ``rating_locks`` key of 64 characters (what the column holds) for a rater or a rating."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class RatingStore(StoreBase):
    def add_rating(
        self,
        station: str,
        stars: int,
        comment: str | None,
        client_hash: str,
        now: dt.datetime,
        days: int,
        browser: str | None = None,
        per_address_day: int | None = None,
        fold_window: dt.timedelta = dt.timedelta(0),
        device: str | None = None,
    ) -> RatingOutcome:
        """A free-standing rating of a station's chief: accepted, folded into the same one, or refused.

        One per rater per station per ``days``: the rater is the browser (a
        random cookie, hashed) when given, else the client address. Behind a
        shared address (a carrier's or a workplace's), different browsers may
        each rate, up to ``per_address_day`` ratings per station per Beijing
        day from one address. Ratings are moderated before they count, and the
        console marks several from one address on one day (``pending_ratings``).

        The same stars and comment for the same station from the same
        ``device`` (the address and the browser's user agent, hashed; the
        address alone when not given) within ``fold_window`` are one rating (a
        double tap, or a browser sending the form again): folded, whether or
        not the taps carried the rater cookie, and the browser of each tap
        counts as having rated. Taps at the same moment wait for each other on
        the lock row of that rating (a unique key), on SQLite and PostgreSQL
        alike.
        """
        until = now + dt.timedelta(days=days)
        rater = lock_key("browser", browser) if browser else client_hash
        try:
            with self.writing() as conn:
                if fold_window:
                    same_rating = lock_key("rating", device or client_hash, str(stars), comment or "")
                    if not self._take_lock(conn, station, same_rating, now + fold_window, now):
                        self._take_lock(conn, station, rater, until, now)
                        return RatingOutcome.FOLDED
                if per_address_day is not None:
                    day_start = dt.datetime.combine(now.astimezone(BEIJING).date(), dt.time(), BEIJING)
                    today = conn.execute(
                        select(func.count())
                        .select_from(ratings)
                        .where(
                            ratings.c.station == station,
                            ratings.c.client_hash == client_hash,
                            ratings.c.created_at >= day_start,
                        )
                    ).scalar_one()
                    if today >= per_address_day:
                        raise _Refused
                if not self._take_lock(conn, station, rater, until, now):
                    raise _Refused
                conn.execute(
                    insert(ratings).values(
                        station=station,
                        stars=stars,
                        comment=comment,
                        status=RatingStatus.PENDING,
                        client_hash=client_hash,
                        created_at=now,
                    )
                )
        except _Refused:  # the lock of this rating goes too, so that a second tap is refused alike
            return RatingOutcome.REFUSED
        return RatingOutcome.ACCEPTED

    @staticmethod
    def _take_lock(conn: Connection, station: str, key: str, until: dt.datetime, now: dt.datetime) -> bool:
        """Hold ``key`` for ``station`` until ``until``; False while another holds it (it waits for one in flight)."""
        renewed = conn.execute(
            update(rating_locks)
            .where(rating_locks.c.station == station, rating_locks.c.client_hash == key)
            .where(rating_locks.c.until <= now)
            .values(until=until)
        ).rowcount
        if renewed:
            return True
        try:
            with conn.begin_nested():
                conn.execute(insert(rating_locks).values(station=station, client_hash=key, until=until))
        except IntegrityError:
            return False
        return True

    def rate_item(
        self,
        item_id: int,
        stars: int,
        now: dt.datetime,
        callback: NewCallback | None = None,
        messages: Iterable[Message] = (),
    ) -> bool:
        """The one-time rating of how an item was handled (一事一评); False if already rated.

        ``callback`` (a low rating or a complaint: ``Planner.rating_callback``) is opened in the same
        transaction, with a line in the item's history and the messages that tell the submitter.
        """
        try:
            with self.writing() as conn:
                conn.execute(insert(item_ratings).values(item_id=item_id, stars=stars, created_at=now))
                if callback is not None:
                    status = conn.execute(select(items.c.status).where(items.c.id == item_id)).scalar_one()
                    conn.execute(
                        insert(callbacks).values(
                            item_id=item_id, reason=callback.reason, opened_at=now, due_at=callback.due_at
                        )
                    )
                    why = "群众投诉" if callback.reason == "complaint" else f"群众评价 {stars} 星"
                    conn.execute(
                        insert(item_history).values(
                            item_id=item_id, from_status=status, to_status=status, at=now, note=f"{why}，安排回访"
                        )
                    )
                    for message in messages:
                        self.outbox.enqueue(  # type: ignore[attr-defined]
                            conn, message.recipient, message.subject, message.body, now, message.channel
                        )
                    self.audit(  # type: ignore[attr-defined]
                        conn,
                        now,
                        "public",
                        "open_callback",
                        item_id,
                        None,
                        None,
                        {"reason": callback.reason, "stars": stars, "due_at": callback.due_at.isoformat()},
                    )
                self.announce_change(conn)
        except IntegrityError:
            return False
        return True

    def item_rating(self, item_id: int) -> int | None:
        with self.reading() as conn:
            return conn.execute(select(item_ratings.c.stars).where(item_ratings.c.item_id == item_id)).scalar()

    def count_ratings(self, station: str | None = None) -> int:
        query = select(func.count()).select_from(ratings)
        if station:
            query = query.where(ratings.c.station == station)
        with self.reading() as conn:
            return int(conn.execute(query).scalar_one())
