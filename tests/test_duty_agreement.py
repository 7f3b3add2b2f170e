"""Posting duty, one answer: ``invoke duties`` and the 考核 pages agree for every station on the same dates,
and the first day of a month leads with last month's table."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_chief_workflow import invoke

import citykit
import exportkit
from browser import launched_browser, serve_folder

DUTY_LINE = re.compile(r"^(?P<name>\S+)（(?P<slug>[a-z0-9-]+)）工作记实 (?P<w>\S+ 周)，预警提示 (?P<f>\S+ 双周)$")
DAY_ONE = "2026-12-01 08:00"


def invoke_figures(content: Path, as_of: str, period: str) -> dict[str, tuple[str, str]]:
    result = invoke(content, "duties", "--as-of", as_of, "--period", period)
    assert result.returncode == 0, result.stderr
    lines = [DUTY_LINE.match(line) for line in result.stdout.splitlines()]
    return {m["slug"]: (m["w"], m["f"]) for m in lines if m}


def page_figures(output: Path, kind: str, key: str) -> dict[str, tuple[str, str]]:
    document = json.loads((output / "kaohe" / kind / key / "table.json").read_text(encoding="utf-8"))
    return {
        row["station"]: (
            f"{row['worklog_met']}/{row['worklog_due']} 周",
            f"{row['warning_met']}/{row['warning_due']} 双周",
        )
        for row in document["stations"]
    }


@pytest.mark.parametrize(("kind", "key"), [("week", "2026-W48"), ("month", "2026-11"), ("year", "2026")])
def test_invoke_duties_and_the_demo_kaohe_pages_agree(demo_output: Path, kind: str, key: str) -> None:
    """The demo content and export as of 2026-11-25 (citykit.TODAY), every station, three kinds of period."""
    from_pages = page_figures(demo_output, kind, key)
    from_invoke = invoke_figures(citykit.ROOT / "content", citykit.TODAY[:10], kind)
    assert len(from_pages) >= 12 and from_invoke == from_pages


def test_late_duties_are_the_missed_weeks_of_the_kaohe_pages(demo_output: Path) -> None:
    from citymodel import load_city
    from citymodel.duties import late_duties
    from citymodel.periods import keys_of

    city = load_city(citykit.settings_for(citykit.ROOT / "content", demo_output))
    late = late_duties(city, dt.date.fromisoformat(citykit.TODAY[:10]))
    assert late, "the demo has late duties to compare"
    for duty in late:
        if duty.module != "worklog":
            continue
        for period in duty.missed:
            week = page_figures(demo_output, "week", keys_of(period.start)["week"])
            assert week[duty.station][0] == "0/1 周", (duty.station, period)


@pytest.fixture(scope="module")
def day_one(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The little city built on the first day of December, with an export holding November's figures."""
    root = tmp_path_factory.mktemp("day-one")
    content = citykit.make_city(root)
    citykit.add_post(content, "xihu", "worklog", "xihu-worklog-2", "2026-11-27 10:00")
    f = exportkit.figures
    data = exportkit.export(
        {
            "dongshan": {"month": {"2026-11": f(6, (6, 6), (6, 6), (2, 2, 5.0), (6, 2.0, 3.0))}},
            "xihu": {"month": {"2026-11": f(5, (4, 5), (5, 5), (1, 1, 4.0), (5, 3.0, 9.0))}},
            "_city": {"month": {"2026-11": f(11, (10, 11), (11, 11), (3, 3, 4.67), (11, 2.5, 9.0))}},
        },
        [("xihu", 4, "2026-11-30")],
        generated_at="2026-11-30T16:30:00Z",
    )
    source = exportkit.write(root / "export.json", data)
    city = {**citykit.settings_for(content, root / "o")["CITY"], "today": DAY_ONE}
    output = root / "output"
    citykit.build(content, output, CITY=city, PUBLIC_ANSWERS={"export": str(source), "min_ranked_items": 5})
    yield content, output


def test_day_one_duties_agree_and_nothing_is_missed_yet(day_one: tuple[Path, Path]) -> None:
    content, output = day_one
    for kind, key in (("month", "2026-12"), ("week", "2026-W49"), ("quarter", "2026-Q4")):
        assert invoke_figures(content, DAY_ONE[:10], kind) == page_figures(output, kind, key)
    assert page_figures(output, "month", "2026-12") == {
        "dongshan": ("0/0 周", "0/0 双周"),
        "xihu": ("0/0 周", "0/0 双周"),
    }
    december = (output / "kaohe" / "month" / "2026-12" / "index.html").read_text(encoding="utf-8")
    assert "0/1" not in december and "（本周进行中）" in december and "2026-12 月考核（进行中）" in december


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_browser() as launched:
        yield launched


@pytest.mark.browser
def test_day_one_shows_last_months_table_first(day_one: tuple[Path, Path], browser: Any) -> None:
    _, output = day_one
    with serve_folder(output) as site:
        page = browser.new_page(viewport={"width": 390, "height": 900})
        page.goto(site + "/kaohe/")
        first_table = page.locator("table.figures").first
        assert first_table.locator("caption").inner_text().startswith("2026-11 ")
        assert page.locator("h2").first.inner_text() == "上月（2026-11）考核"
        assert "西湖派出所" in first_table.inner_text() and "4/5 件（80%）" in first_table.inner_text()
        assert page.get_by_role("link", name="2026-12（进行中）").first.is_visible()
        page.close()
