"""What ``relay export`` reads: published items, approved ratings, records for the figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from ..models import RatingStatus, ReplyKind, Status, escalations, item_ratings, items, ratings, replies
from .core import StoreBase


class ExportStore(StoreBase):
    def published_items(self) -> list[dict[str, Any]]:
        """Public fields, plus what the export masks out of them (name, contact details, the names in the submitted text)."""
        query = (
            select(
                items.c.id,
                items.c.station,
                items.c.kind,
                items.c.status,
                items.c.public_text,
                items.c.name,  # name, phone and e-mail only to mask them out of the public texts
                items.c.contact_phone,
                items.c.contact_email,
                items.c.text.label("submitted_text"),  # only to find names given in it (我叫…); never exported
                items.c.received_at,
                items.c.published_at,
                item_ratings.c.stars.label("item_rating"),
            )
            .outerjoin(item_ratings, item_ratings.c.item_id == items.c.id)
            .where(items.c.status == Status.PUBLISHED, items.c.public_text.is_not(None))
            .order_by(items.c.id)
        )
        with self.reading() as conn:
            found = [dict(row._mapping) for row in conn.execute(query)]
            answers: dict[int, list[dict[str, Any]]] = {}
            ids = [row["id"] for row in found]
            if ids:
                for reply in conn.execute(
                    select(replies.c.item_id, replies.c.kind, replies.c.text, replies.c.public_text, replies.c.at)
                    .where(replies.c.item_id.in_(ids))
                    .order_by(replies.c.at, replies.c.id)
                ):
                    answers.setdefault(reply.item_id, []).append(
                        {"kind": reply.kind, "text": reply.text, "public_text": reply.public_text, "at": reply.at}
                    )
        for entry in found:
            entry["replies"] = answers.get(entry["id"], [])
        return found

    def figure_records(self) -> list[dict[str, Any]]:
        first = select(replies.c.item_id, func.min(replies.c.at).label("at")).group_by(replies.c.item_id).subquery()
        final = (
            select(replies.c.item_id, func.min(replies.c.at).label("at"))
            .where(replies.c.kind == ReplyKind.FINAL)
            .group_by(replies.c.item_id)
            .subquery()
        )
        escalated = (
            select(
                escalations.c.item_id,
                func.count().label("escalations"),
                func.sum(case((escalations.c.met.is_(True), 1), else_=0)).label("escalations_met"),
            )
            .group_by(escalations.c.item_id)
            .subquery()
        )
        query = (
            select(
                items.c.station,
                items.c.kind,
                items.c.status,
                items.c.channel,
                items.c.received_at,
                first.c.at.label("first_reply_at"),
                final.c.at.label("final_reply_at"),
                items.c.final_reply_due_at,
                item_ratings.c.stars.label("item_rating"),
                func.coalesce(escalated.c.escalations, 0).label("escalations"),
                func.coalesce(escalated.c.escalations_met, 0).label("escalations_met"),
            .outerjoin(escalated, escalated.c.item_id == items.c.id)
            )
            .outerjoin(first, first.c.item_id == items.c.id)
            .outerjoin(final, final.c.item_id == items.c.id)
            .outerjoin(item_ratings, item_ratings.c.item_id == items.c.id)
        )
        with self.reading() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def approved_ratings(self) -> list[tuple[str, int]]:
        with self.reading() as conn:
            return [
                (row.station, int(row.stars))
                for row in conn.execute(
                    select(ratings.c.station, ratings.c.stars).where(ratings.c.status == RatingStatus.APPROVED)
                )
            ]
