"""What the site publisher needs: a token of the export's inputs, a wait for it to change, and answers marked live."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import Connection, func, or_, select, update

from ..models import Status, audit_log, item_history, item_ratings, items
from .core import PUBLISH_CHANNEL, StoreBase

POLL_SECONDS = 0.25
IDS_PER_STATEMENT = 500

# Every write that can change ``relay export`` leaves a new row in one of these:
# console actions and rating decisions in the audit log (logins and account
# changes do not count), new items and changes of state in the item history,
# the one-time ratings (一事一评) in item_ratings. All three are append-only,
# so their newest ids change exactly when there is something new to publish.
PUBLISHING_AUDIT = or_(audit_log.c.item_id.is_not(None), audit_log.c.action.like("ratings_%"))
TOKEN_QUERY = select(
    select(audit_log.c.id).where(PUBLISHING_AUDIT).order_by(audit_log.c.id.desc()).limit(1).scalar_subquery(),
    select(func.max(item_history.c.id)).scalar_subquery(),
    select(func.max(item_ratings.c.id)).scalar_subquery(),
)


class PublishingStore(StoreBase):
    def publish_token(self) -> str:
        """A short string that changes whenever the output of ``relay export`` may have changed."""
        with self.reading() as conn:
            return _token(conn)

    def wait_for_change(self, token: str, timeout: float) -> str:
        """The new token as soon as it differs from ``token``; ``token`` itself after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        if self.engine.dialect.name == "postgresql":
            return self._listen(token, deadline)
        while True:
            current = self.publish_token()
            remaining = deadline - time.monotonic()
            if current != token or remaining <= 0:
                return current
            time.sleep(min(POLL_SECONDS, remaining))

    def _listen(self, token: str, deadline: float) -> str:
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # notifications arrive between transactions
            conn.exec_driver_sql(f"LISTEN {PUBLISH_CHANNEL}")
            try:
                current = _token(conn)  # read after LISTEN, so a change in between is not missed
                driver = conn.connection.driver_connection
                assert driver is not None
                while current == token:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    for _notice in driver.notifies(timeout=remaining, stop_after=1):
                        pass
                    current = _token(conn)
            finally:
                conn.exec_driver_sql(f"UNLISTEN {PUBLISH_CHANNEL}")
        return current

    def mark_live(self, item_ids: list[int], at: dt.datetime) -> int:
        """Record that a site build with these answers is online; returns how many items changed.

        Only published items not yet live change, so marking twice, or marking
        an item reopened meanwhile, does nothing.
        """
        changed = 0
        with self.writing() as conn:
            for start in range(0, len(item_ids), IDS_PER_STATEMENT):
                changed += conn.execute(
                    update(items)
                    .where(items.c.id.in_(item_ids[start : start + IDS_PER_STATEMENT]))
                    .where(items.c.status == Status.PUBLISHED, items.c.live_at.is_(None))
                    .values(live_at=at)
                ).rowcount
        return changed

    def waiting_for_site(self, now: dt.datetime) -> tuple[int, float]:
        """How many approved answers no site build has put online yet, and how long ago (seconds) the oldest of
        them was approved: the publisher's lag, which ``relay_oldest_answer_waiting_for_site_seconds`` exports."""
        query = select(func.count(), func.min(items.c.published_at)).where(
            items.c.status == Status.PUBLISHED, items.c.live_at.is_(None)
        )
        with self.reading() as conn:
            count, oldest = conn.execute(query).one()
        if not count or oldest is None:
            return 0, 0.0
        return int(count), max(0.0, (now - oldest).total_seconds())

    def published_not_live(self) -> list[int]:
        """Ids of approved answers that no site build has put online yet, oldest first."""
        query = select(items.c.id).where(items.c.status == Status.PUBLISHED, items.c.live_at.is_(None))
        with self.reading() as conn:
            return list(conn.execute(query.order_by(items.c.id)).scalars())


def _token(conn: Connection) -> str:
    return "-".join(str(part or 0) for part in conn.execute(TOKEN_QUERY).one())
