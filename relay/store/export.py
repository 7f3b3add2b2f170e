"""What ``relay export`` reads: published items, approved ratings, records for the figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..models import (
    RatingStatus,
    Status,
    callbacks,
    escalations,
    item_history,
    item_ratings,
    items,
    ratings,
    replies,
)
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
        """Per item, what ``relay.figures`` counts: its clock, its moments, its callbacks and 督办; nothing personal."""
        first = select(replies.c.item_id, func.min(replies.c.at).label("at")).group_by(replies.c.item_id).subquery()
        closing = (
            select(item_history.c.item_id, func.max(item_history.c.at).label("at"))
            .where(item_history.c.to_status.in_([Status.ANSWERED, Status.REJECTED]))
            .group_by(item_history.c.item_id)
            .subquery()
        )
        query = (
            select(
                items.c.id,
                items.c.station,
                items.c.kind,
                items.c.status,
                items.c.channel,
                items.c.received_at,
                items.c.first_reply_due_at,
                items.c.final_reply_due_at,
                items.c.ack_due_at,
                items.c.acknowledged_at,
                first.c.at.label("first_reply_at"),
                closing.c.at.label("closed_at"),
                item_ratings.c.stars.label("rating"),
                item_ratings.c.created_at.label("rated_at"),
            )
            .outerjoin(first, first.c.item_id == items.c.id)
            .outerjoin(closing, closing.c.item_id == items.c.id)
            .outerjoin(item_ratings, item_ratings.c.item_id == items.c.id)
            .order_by(items.c.id)
        )
        with self.reading() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
            calls: dict[int, list[dict[str, Any]]] = {}
            for row in conn.execute(
                select(callbacks.c.item_id, callbacks.c.due_at, callbacks.c.done_at, callbacks.c.corrected)
            ):
                calls.setdefault(row.item_id, []).append(dict(row._mapping))
            raised: dict[int, list[dict[str, Any]]] = {}
            for row in conn.execute(
                select(escalations.c.item_id, escalations.c.opened_at, escalations.c.due_at, escalations.c.resolved_at)
            ):
                raised.setdefault(row.item_id, []).append(dict(row._mapping))
        for record in rows:
            record["callbacks"] = calls.get(record["id"], [])
            record["escalations"] = raised.get(record["id"], [])
        return rows

    def approved_star_ratings(self) -> list[dict[str, Any]]:
        """Approved free-standing ratings with their day: for each chief's stars (所长星级). No comments."""
        query = (
            select(ratings.c.station, ratings.c.stars, ratings.c.created_at)
            .where(ratings.c.status == RatingStatus.APPROVED)
            .order_by(ratings.c.created_at, ratings.c.id)
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
