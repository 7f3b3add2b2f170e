""" "Which station serves my address": the places named in each station's jurisdiction text.

A jurisdiction is one line a chief writes, such as
``北岸街道：滨江、观澜、新苑、北岸花园4个社区及北岸购物中心、滨江公园``. It is
split into places (the street office, each community or village with its
suffix put back, each landmark or road), which the lookup page lists from A
to Z by pinyin, so a reader finds their community without JavaScript.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from citymodel import Station

PARENTHESES = re.compile(r"[（(][^）)]*[）)]")
CLAUSES = re.compile(r"[，,；;。]|以及|及")
# "4个社区", "3个行政村": the names before it, in the same run, are communities or villages.
COUNTED = re.compile(r"^(?P<name>.*?)(?P<count>[0-9一二三四五六七八九十]+)个(?P<kind>社区|行政村|村|小区)$")
TRAILING = re.compile(r"(全域|全境|沿线|一带|周边|地区|之间区域|区域)$")
SUFFIX = {"社区": "社区", "行政村": "村", "村": "村", "小区": "小区"}


@dataclass(frozen=True)
class Place:
    name: str
    station: Station


def pinyin_of(names: list[str]) -> dict[str, tuple[str, str]]:
    """{name: (its pinyin, the first letter of its pinyin)}, worked out by pypinyin in a child process (see
    ``pinyin.py``): imported here, its phrase dictionary would hold 54 MB to the end of the build."""
    unique = tuple(sorted(set(names)))
    return dict(zip(unique, _pinyin(unique), strict=True)) if unique else {}


@functools.lru_cache(maxsize=4)
def _pinyin(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """The child process's answer for ``names``; kept, so that a process that builds again and again (the
    publisher, ``invoke livereload``) starts it only when the places change (0.25 s a build otherwise)."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("pinyin.py"))],
        input=json.dumps(list(names), ensure_ascii=False).encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"stationpages: pinyin of place names failed: {result.stderr.decode(errors='replace')[-2000:]}"
        )
    return [(key, initial) for key, initial in json.loads(result.stdout)]


def places_in(jurisdiction: str) -> list[str]:
    """The places one jurisdiction text names, in its order, each once."""
    text = PARENTHESES.sub("", jurisdiction)
    head, colon, rest = text.partition("：") if "：" in text else text.partition(":")
    if not colon:
        head, rest = "", text
    found = [place(head)] if head.strip() else []
    for clause in CLAUSES.split(rest):
        items = [item.strip() for item in clause.split("、") if item.strip()]
        counted = COUNTED.match(items[-1]) if items else None
        if counted:
            suffix = SUFFIX[counted["kind"]]
            names = [*items[:-1], counted["name"].strip()]
            found += [name if name.endswith(suffix) else name + suffix for name in names if name]
            continue
        for item in items:
            found += [part for part in (place(p) for p in place(item).split("至")) if part]
    return list(dict.fromkeys(name for name in found if name))


def place(text: str) -> str:
    return TRAILING.sub("", text.strip()).strip()


def lookup_groups(stations: list[Station]) -> list[tuple[str, list[Place]]]:
    """Every place of every station, grouped by the first letter of its pinyin."""
    places = [Place(name, station) for station in stations for name in places_in(station.jurisdiction)]
    pinyin = pinyin_of([place.name for place in places])
    places.sort(key=lambda place: (pinyin[place.name][0], place.name, place.station.slug))
    groups: dict[str, list[Place]] = {}
    for place in places:
        letter = pinyin[place.name][1]
        groups.setdefault(letter if "A" <= letter <= "Z" else "#", []).append(place)
    return sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))
