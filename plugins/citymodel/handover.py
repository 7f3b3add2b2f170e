"""``invoke new-chief``: record a change of chief in a station profile.

The current chief's ``Chief*`` lines become a ``Past_Chief`` line that ends the
day before the new chief's first day, and the ``Chief*`` lines name the new
chief. The file is checked again afterwards; on any problem it is left as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import load_city
from .tenure import BADGE


class HandoverError(ValueError):
    """The change cannot be recorded; the message says why."""


@dataclass(frozen=True)
class NewChief:
    name: str
    rank: str
    badge: str
    since: dt.date
    photo: str
    born: str = ""


def replace_key(lines: list[str], key: str, value: str | None) -> list[str]:
    """Set ``Key: value`` (or drop the line when ``value`` is None) in the front matter lines."""
    pattern = re.compile(rf"^{key}\s*:", re.IGNORECASE)
    found = [i for i, line in enumerate(lines) if pattern.match(line)]
    if value is None:
        return [line for i, line in enumerate(lines) if i not in found]
    if found:
        lines[found[0]] = f"{key}: {value}"
        return lines
    since = next(i for i, line in enumerate(lines) if line.lower().startswith("chief_since"))
    return [*lines[:since], f"{key}: {value}", *lines[since:]]


def hand_over(settings: Mapping[str, Any], station_slug: str, chief: NewChief) -> Path:
    """Record ``chief`` as the new chief of ``station_slug``; returns the profile's path."""
    city = load_city(settings)
    station = city.stations.get(station_slug)
    if station is None:
        raise HandoverError(f"不认识的派出所 '{station_slug}'：请写其中之一：{'、'.join(sorted(city.stations))}")
    if chief.since <= station.chief_since:
        raise HandoverError(
            f"新所长的上任日期 {chief.since} 不在现任所长 {station.chief} 上任（{station.chief_since}）之后："
            "请改正 --since 的日期"
        )
    if not BADGE.fullmatch(chief.badge):
        raise HandoverError(f"警号 '{chief.badge}' 不是六位数字：警号请写六位数字，例如 031107")
    path = Path(settings["PATH"]) / "stations" / f"{station_slug}.md"
    original = path.read_text(encoding="utf-8")
    head, separator, body = original.partition("\n\n")
    old_photo = "" if chief.photo == station.chief_photo else station.chief_photo
    past = (
        f"Past_Chief: {station.chief} | {station.chief_rank} | {station.chief_badge} | {old_photo} | "
        f"{station.chief_since} | {chief.since - dt.timedelta(days=1)}"
    )
    lines = head.splitlines()
    for key, value in (
        ("Chief", chief.name),
        ("Chief_Rank", chief.rank),
        ("Chief_Badge", chief.badge),
        ("Chief_Born", chief.born or None),
        ("Chief_Photo", chief.photo),
        ("Chief_Since", chief.since.isoformat()),
    ):
        lines = replace_key(lines, key, value)
    since_line = next(i for i, line in enumerate(lines) if line.lower().startswith("chief_since"))
    lines.insert(since_line + 1, past)
    path.write_text("\n".join(lines) + separator + body, encoding="utf-8")
    problems = [p for p in load_city(settings).problems if Path(p.path).resolve() == path.resolve()]
    if problems:
        path.write_text(original, encoding="utf-8")
        raise HandoverError("改动后的简介通不过检查，简介文件没有改动：\n" + "\n".join(map(str, problems)))
    return path
