"""The demo's change of chief: 湖滨派出所, 林书涵 until 2026-11-17, 宋嘉禾 from 2026-11-18 (a Wednesday)."""

from __future__ import annotations

import json
import re
from pathlib import Path

WORKLOGS = Path("stations") / "hubin" / "worklog"


def text(page: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))


def test_posts_before_and_after_the_change_keep_their_chief(demo_output: Path) -> None:
    before = (demo_output / WORKLOGS / "hubin-worklog-2026-11-16" / "index.html").read_text(encoding="utf-8")
    after = (demo_output / WORKLOGS / "hubin-worklog-2026-11-23" / "index.html").read_text(encoding="utf-8")
    assert "· 所长 林书涵</p>" in before and "· 所长 宋嘉禾</p>" in after


def test_the_station_page_shows_the_new_chief_and_the_past_ones(demo_output: Path, demo_export: Path) -> None:
    page = text(demo_output / "stations" / "hubin" / "index.html")
    assert "所长 宋嘉禾" in page and "历任所长" in page
    assert page.index("林书涵") < page.index("贺永年")  # newest first
    assert "任职 2024年06月18日—2026年11月17日" in page
    ratings = json.loads(demo_export.read_text(encoding="utf-8"))["star_ratings"]
    new = [r["stars"] for r in ratings if r["station"] == "hubin" and r["date"] >= "2026-11-18"]
    old = [r["stars"] for r in ratings if r["station"] == "hubin" and "2024-06-18" <= r["date"] <= "2026-11-17"]
    # The rating summary counts the new chief's ratings only; the old chief's stay with the old chief.
    if new:
        assert f"共 {len(new)} 条评价" in page
    else:
        assert "暂无经审核的评价" in page
    assert ("任内群众评价" in page.split("贺永年")[0]) == bool(old)


def test_kaohe_reports_each_chief(demo_output: Path) -> None:
    november = json.loads((demo_output / "kaohe" / "month" / "2026-11" / "table.json").read_text(encoding="utf-8"))
    hubin = [
        (c["chief"], c["from"], c["until"], c["whole_period"]) for c in november["chiefs"] if c["station"] == "hubin"
    ]
    assert hubin == [("林书涵", "2026-11-01", "2026-11-17", False), ("宋嘉禾", "2026-11-18", "2026-11-25", False)]
    station = next(s for s in november["stations"] if s["station"] == "hubin")
    assert station["chiefs"] == "林书涵、宋嘉禾"
    october = json.loads((demo_output / "kaohe" / "month" / "2026-10" / "table.json").read_text(encoding="utf-8"))
    assert [c["chief"] for c in october["chiefs"] if c["station"] == "hubin"] == ["林书涵"]
