"""Items staff enter from another channel: one entry form, one item, however often the browser sends it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ..models import entry_tokens
from .core import StoreBase
from .intake import NewItem, Notify


class EntryStore(StoreBase):
    def enter(self, token: str, new: NewItem, now: dt.datetime, notify: Notify | None = None) -> tuple[int, bool]:
        """Store an item staff entered with the entry form that carried ``token``: (item id, True); or, when
        that form was sent before (a double click, Back and send again), (the item it made, False), with
        nothing written and no receipt sent again.

        The token is taken first, in the same transaction as the item: of two sends at once, the second waits
        on the token's key (PostgreSQL) or the write lock (SQLite) until the first commits, then finds its item.
        Staff entries never fold into an earlier item (``duplicate_window`` 0): two calls about the same thing
        are two items, one call sent twice is one."""
        with self.writing() as conn:
            try:
                with conn.begin_nested():
                    conn.execute(insert(entry_tokens).values(token=token, used_at=now))
            except IntegrityError:
                found = select(entry_tokens.c.item_id).where(entry_tokens.c.token == token)
                earlier = conn.execute(found).scalar_one()  # set by the transaction that took the token
                return int(earlier), False
            item_id = self._submit(conn, new, now, dt.timedelta(0), notify).item_id  # type: ignore[attr-defined]
            conn.execute(update(entry_tokens).where(entry_tokens.c.token == token).values(item_id=item_id))
        return int(item_id), True

    def entered_with(self, token: str) -> int | None:
        """The item the entry form with ``token`` made, if it was sent."""
        with self.reading() as conn:
            found = conn.execute(select(entry_tokens.c.item_id).where(entry_tokens.c.token == token)).scalar()
        return None if found is None else int(found)
