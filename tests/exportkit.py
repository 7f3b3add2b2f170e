"""Hand-made relay exports (schema 2) for the site's 考核 tests: every number written out, checked against
relay/export.schema.json so that the site reads what the relay writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import citykit

SCHEMA = citykit.ROOT / "relay" / "export.schema.json"


def figures(
    received: int = 0,
    first: tuple[int, int] = (0, 0),
    closure: tuple[int, int] = (0, 0),
    satisfaction: tuple[int, int, float | None] = (0, 0, None),
    hours: tuple[int, float | None, float | None] = (0, None, None),
    complete: bool = True,
) -> dict[str, Any]:
    """One station's figures for one period: ``first`` is (on time, due), ``closure`` (closed, due),
    ``satisfaction`` (satisfied, count, mean), ``hours`` (count, median, p90)."""

    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "complete": complete,
        "received": received,
        "received_by_kind": {"question": received} if received else {},
        "received_by_channel": {"web": received} if received else {},
        "first_reply": {"due": first[1], "on_time": first[0], "rate": rate(*first)},
        "first_reply_hours": {"count": hours[0], "median": hours[1], "p90": hours[2]},
        "closure": {"due": closure[1], "closed": closure[0], "rate": rate(*closure), "closed_on_time": closure[0]},
        "satisfaction": {
            "count": satisfaction[1],
            "satisfied": satisfaction[0],
            "rate": rate(satisfaction[0], satisfaction[1]),
            "mean": satisfaction[2],
        },
        "callbacks": {"due": 0, "on_time": 0, "rate": None, "corrected": 0},
        "escalations": {"opened": 0, "met": 0, "overdue": 0},
        "hazards": {"due": 0, "acknowledged_on_time": 0, "rate": None, "closed": 0},
    }


def export(
    station_figures: dict[str, dict[str, dict[str, dict[str, Any]]]],
    star_ratings: list[tuple[str, int, str]],
    generated_at: str = "2026-11-25T04:00:00Z",
) -> dict[str, Any]:
    """``station_figures``: {station or "_city": {kind: {key: figures}}}; ``star_ratings``: (station, stars, day)."""
    kinds = ("week", "month", "quarter", "year")
    return {
        "schema": 2,
        "generated_at": generated_at,
        "items": [],
        "ratings": {},
        "star_ratings": [{"station": s, "stars": n, "date": day} for s, n, day in star_ratings],
        "figures": {
            owner: {kind: periods.get(kind, {}) for kind in kinds} for owner, periods in station_figures.items()
        },
    }


def write(path: Path, data: dict[str, Any], validate: bool = True) -> Path:
    if validate:
        import jsonschema

        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
