"""``invoke new``: start a post with correct front matter and a unique slug."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pypinyin import lazy_pinyin

from .model import RELAY_MODULES, City
from .rules import named

MAX_SLUG_WORDS = 12


class ScaffoldError(ValueError):
    """The request cannot make a valid post; the message says why."""


def make_slug(station: str, module: str, title: str, taken: set[str]) -> str:
    """An ASCII slug from the title's pinyin, unique among ``taken``."""
    words = [w.lower() for w in lazy_pinyin(title, errors="default")]
    words = [re.sub(r"[^a-z0-9]+", "-", w).strip("-") for w in words]
    words = [w for w in words if w][:MAX_SLUG_WORDS]
    base = "-".join([station, module, *words]) if words else f"{station}-{module}"
    base = base[:72].rstrip("-")
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def new_post(city: City, station: str, module: str, title: str, now: dt.datetime | None = None) -> Path:
    """Write ``content/posts/<station>/<module>/<date>-<slug>.md`` and return its path."""
    if station not in city.stations:
        raise ScaffoldError(f"不认识的派出所 '{station}'：请写其中之一：{'、'.join(sorted(city.stations))}")
    profile = city.stations[station]
    modules = city.config["modules"]
    chosen = {m: modules.get(m, "") for m in city.modules_of(profile) if m not in RELAY_MODULES}
    if module not in chosen:
        raise ScaffoldError(f"派出所 '{station}' 不能在栏目 '{module}' 里发文章：请写其中之一：{named(chosen)}")
    if not title.strip() or "\n" in title:
        raise ScaffoldError("标题不能是空的，也不能分成几行：请把标题写在一行里")
    now = (now or city.local_now()).replace(second=0, microsecond=0)
    folder = Path(city.settings["PATH"]) / "posts" / station / module
    drafts = {p.stem.split("-", 3)[-1] for p in folder.glob("*.md")} if folder.is_dir() else set()
    slug = make_slug(station, module, title, set(city.posts) | set(city.guides) | drafts)
    lines = [
        f"Title: {title.strip()}",
        f"Date: {now:%Y-%m-%d %H:%M}",
        f"Slug: {slug}",
        f"Station: {station}",
        f"Module: {module}",
        "Summary: 请用一两句话概括本文。",
    ]
    if module == "warning":
        lines += [
            "Level: 蓝色",
            f"Area: {profile.jurisdiction}",
            f"Effective: {now:%Y-%m-%d %H:%M}",
            f"Expires: {now + dt.timedelta(days=30):%Y-%m-%d %H:%M}",
        ]
    path = folder / f"{now:%Y-%m-%d}-{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # never overwrite a draft
        handle.write("\n".join(lines) + "\n\n正文从这里开始。\n")
    return path
