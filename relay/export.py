"""``relay export``: the public part of the relay's data, for the site build.

Only published items with their masked public text and replies, approved
ratings as aggregates, and counts. Never contact details, client hashes, raw
submitted text, or anything rejected or marked as spam.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from .figures import ItemRecord, period_figures, rating_summary
from .mask import PersonalData, mask_known_data, mask_personal_data
from .store import Store

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).resolve().parent / "export.schema.json"


def iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def build_export(store: Store, now: dt.datetime) -> dict[str, Any]:
    items = []
    for row in store.published_items():
        # The submitter's own data is masked in every public text, even where the moderator left it in.
        known = PersonalData.from_form(row["name"], row["contact_phone"], row["contact_email"])
        known = known.including_names_in(row["submitted_text"])
        first = row["replies"][0]["at"] if row["replies"] else None
        final = next((r["at"] for r in row["replies"] if r["kind"] == "final"), None)
        items.append(
            {
                "id": row["id"],
                "station": row["station"],
                "kind": row["kind"].value,
                "question": mask_known_data(row["public_text"], known),
                # The reply text the moderator approved; older approvals get the masked original.
                "replies": [
                    {
                        "kind": r["kind"].value,
                        "text": mask_known_data(r["public_text"], known)
                        if r["public_text"] is not None
                        else mask_personal_data(r["text"], known=known),
                        "at": iso(r["at"]),
                    }
                    for r in row["replies"]
                ],
                "received_at": iso(row["received_at"]),
                "first_reply_at": iso(first),
                "final_reply_at": iso(final),
                "published_at": iso(row["published_at"]),
                "reply_hours": round((first - row["received_at"]).total_seconds() / 3600, 2) if first else None,
                "item_rating": row["item_rating"],
            }
        )
    stars_by_station: dict[str, list[int]] = defaultdict(list)
    for station, stars in store.approved_ratings():
        stars_by_station[station].append(stars)
    records = [
        ItemRecord(
            station=r["station"],
            kind=r["kind"].value,
            status=r["status"].value,
            received_at=r["received_at"],
            first_reply_at=r["first_reply_at"],
            final_reply_at=r["final_reply_at"],
            final_reply_due_at=r["final_reply_due_at"],
            item_rating=r["item_rating"],
            channel=r["channel"].value,
            escalations=int(r["escalations"]),
            escalations_met=int(r["escalations_met"]),
        )
        for r in store.figure_records()
    ]
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": iso(now),
        "items": items,
        "ratings": {station: rating_summary(stars) for station, stars in sorted(stars_by_station.items())},
        "figures": period_figures(records),
    }


def write_export(store: Store, target: Path, now: dt.datetime | None = None) -> dict[str, Any]:
    """Write ``target`` atomically (a half-written file never reaches a build)."""
    data = build_export(store, now or dt.datetime.now(dt.UTC))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(target)
    return data
