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

from .figures import CallbackRecord, EscalationRecord, ItemRecord, chief_figures, period_figures, rating_summary
from .mask import PersonalData, mask_known_data, mask_personal_data
from .stations import Stations
from .store import Store
from .timefmt import BEIJING

SCHEMA_VERSION = 2
SCHEMA_FILE = Path(__file__).resolve().parent / "export.schema.json"


def iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def build_export(store: Store, now: dt.datetime, stations: Stations | None = None) -> dict[str, Any]:
    """The export; with ``stations`` (their chiefs' terms) the figures are split by chief too."""
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
    records = [figure_record(r) for r in store.figure_records()]
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": iso(now),
        "items": items,
        "ratings": {station: rating_summary(stars) for station, stars in sorted(stars_by_station.items())},
        "star_ratings": [
            {
                "station": r["station"],
                "stars": r["stars"],
                "date": r["created_at"].astimezone(BEIJING).date().isoformat(),
            }
            for r in store.approved_star_ratings()
        ],
        "figures": period_figures(records, now),
        **({"figures_by_chief": chief_figures(records, now, chief_lookup(stations))} if stations else {}),
    }


def chief_lookup(stations: Stations) -> Any:
    def chief_on(station: str, day: dt.date) -> str | None:
        info = stations.get(station)
        return info.chief_on(day) if info else None

    return chief_on


CLOSED = ("answered", "answered_private", "published", "rejected")


def figure_record(row: dict[str, Any]) -> ItemRecord:
    """One item as ``relay.figures`` sees it (see its docstring and docs/kaohe.md for each moment)."""
    status = row["status"].value
    closed_at = row["closed_at"] if status in CLOSED else None
    first = row["first_reply_at"] or (closed_at if status == "rejected" else None)
    help_request = row["kind"].value == "help"
    return ItemRecord(
        station=row["station"],
        kind=row["kind"].value,
        status=status,
        received_at=row["received_at"],
        channel=row["channel"].value,
        first_reply_due_at=row["first_reply_due_at"],
        first_reply_at=first,
        close_due_at=row["final_reply_due_at"] if help_request else row["first_reply_due_at"],
        closed_at=closed_at,
        ack_due_at=row["ack_due_at"],
        acknowledged_at=row["acknowledged_at"],
        rating=row["rating"],
        rated_at=row["rated_at"],
        callbacks=tuple(CallbackRecord(c["due_at"], c["done_at"], bool(c["corrected"])) for c in row["callbacks"]),
        escalations=tuple(EscalationRecord(e["opened_at"], e["due_at"], e["resolved_at"]) for e in row["escalations"]),
    )


def write_export(
    store: Store, target: Path, now: dt.datetime | None = None, stations: Stations | None = None
) -> dict[str, Any]:
    """Write ``target`` atomically (a half-written file never reaches a build)."""
    data = build_export(store, now or dt.datetime.now(dt.UTC), stations)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(target)
    return data
