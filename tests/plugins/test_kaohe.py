"""考核 pages from a hand-made schema-2 export: ranking with its figures and ties, per chief, periods, open data."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from publicanswers.export import ExportError

import citykit
import exportkit

CHANGE = (
    "Chief_Since: 2024-03-01\n",
    "Chief_Since: 2026-11-18\nPast_Chief: 甲一 | 一级警督 | 100001 |  | 2024-03-01 | 2026-11-17\n",
)
F = exportkit.figures
# Worked by hand, as of 2026-11-25 12:00 (citykit.TODAY), default weights 30/20/20/15/15:
# dongshan 11月: on time 5/6, closed 4/5, satisfied 3/4, duty (1 + 1)/(3 + 2) = 0.4 (weeks ending 11-08 and 11-15 missed,
#   11-22 met; fortnight 11-02—11-15 missed, 11-16—11-29 met by the 11-20 warning), stars 5 and 4 → (4.5 − 1)/4 = 0.875:
#   100 × (30 × 5/6 + 20 × 0.8 + 20 × 0.75 + 15 × 0.4 + 15 × 0.875) / 100 = 75.1
# xihu 11月: 4/5, 5/5, 1/2, duty 0.4, stars 3 → 0.5: 24 + 20 + 10 + 6 + 7.5 = 67.5
# October: both 5/5, 5/5, 2/2, no duty (duties count from 2026-11-02), no stars: 100.0 each, a tie.
FIGURES = {
    "dongshan": {
        "month": {
            "2026-10": F(5, (5, 5), (5, 5), (2, 2, 5.0), (5, 2.0, 4.0)),
            "2026-11": F(6, (5, 6), (4, 5), (3, 4, 4.25), (5, 3.5, 20.0), complete=False),
        }
    },
    "xihu": {
        "month": {
            "2026-10": F(5, (5, 5), (5, 5), (2, 2, 5.0), (5, 2.0, 4.0)),
            "2026-11": F(5, (4, 5), (5, 5), (1, 2, 3.5), (4, 6.0, 30.0), complete=False),
        }
    },
    "_city": {
        "month": {
            "2026-10": F(10, (10, 10), (10, 10), (4, 4, 5.0), (10, 2.0, 4.0)),
            "2026-11": F(11, (9, 11), (9, 10), (4, 6, 4.0), (9, 4.0, 30.0), complete=False),
        }
    },
}
STARS = [("dongshan", 5, "2026-11-10"), ("dongshan", 4, "2026-11-17"), ("xihu", 3, "2026-11-20")]


@pytest.fixture
def changed_city(city_content: Path) -> Path:
    """The little city with a new chief at dongshan from Wednesday 2026-11-18."""
    path = city_content / "stations" / "dongshan.md"
    path.write_text(path.read_text(encoding="utf-8").replace(*CHANGE), encoding="utf-8")
    return city_content


@pytest.fixture
def site(changed_city: Path, tmp_path: Path, build_site: Callable[..., Path]) -> Path:
    source = exportkit.write(tmp_path / "export.json", exportkit.export(FIGURES, STARS))
    return build_site(["publicanswers"], PUBLIC_ANSWERS={"export": str(source)})


def text(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_ranking_shows_its_figures_and_the_new_chief_has_no_stars(site: Path) -> None:
    november = text(site / "kaohe" / "month" / "2026-11" / "index.html")
    assert "2026-11 月考核（进行中）" in november and "数字截至2026年11月25日" in november
    assert re.search(
        r"1 东山派出所 75\.1 83\.3%（5/6） 80\.0%（4/5） 75\.0%（3/4） 40\.0%（2/5） 4\.50 星（2 条）", november
    )
    assert re.search(
        r"2 西湖派出所 67\.5 80\.0%（4/5） 100\.0%（5/5） 50\.0%（1/2） 40\.0%（2/5） 3\.00 星（1 条）", november
    )
    # Per chief: 甲一 until 11-17 with both ratings; the new chief from 11-18 with none. The week and the
    # fortnight of the change (11-16—11-22, 11-16—11-29) count for both.
    assert re.search(
        r"甲一 东山派出所 11月01日—11月17日 （部分时间） 本期内更换所长[^ ]* 1/3 周 1/2 双周 4\.50 星（2 条）", november
    )
    assert re.search(
        r"测试所长 东山派出所 11月18日—11月25日 （部分时间） 本期内更换所长[^ ]* 1/1 周 （本周进行中） 1/1 双周 —",
        november,
    )
    station = site / "stations" / "dongshan" / "index.html"
    assert "暂无经审核的评价" in text(station)
    assert "甲一 （一级警督，警号 100001） 任职 2024年03月01日—2026年11月17日 · 任内群众评价 4.5 分（2 条）" in text(
        station
    )


def test_equal_scores_share_a_rank_and_the_page_says_why(site: Path) -> None:
    october = text(site / "kaohe" / "month" / "2026-10" / "index.html")
    assert "2026-10 月考核" in october and "进行中" not in october.split("上一月")[0].split("考核")[1]
    assert "1（并列） 东山派出所 100.0" in october and "1（并列） 西湖派出所 100.0" in october
    assert "东山派出所与西湖派出所并列第 1 名：综合得分同为 100.0，按一位小数比较，名次相同。" in october


def test_the_index_leads_with_the_last_complete_month(site: Path) -> None:
    index = text(site / "kaohe" / "index.html")
    assert index.index("上月（2026-10）考核") < index.index("按周")
    assert "本月： 2026-11（进行中）" in index and "上一月（已结束）： 2026-10" in index
    assert " 2026-W48（进行中） " in index


def test_csv_json_and_the_data_dictionary_agree(site: Path) -> None:
    base = site / "kaohe" / "month" / "2026-11"
    rows = list(csv.DictReader(io.StringIO((base / "table.csv").read_text(encoding="utf-8-sig"))))
    assert [r["派出所"] for r in rows] == ["东山派出所", "西湖派出所", "全市"]
    assert rows[0]["按时首次答复率"] == "0.8333" and rows[0]["综合得分"] == "75.1" and rows[0]["排名"] == "1"
    assert rows[0]["本期在任所长"] == "甲一、测试所长" and rows[2]["排名"] == ""
    document = json.loads((base / "table.json").read_text(encoding="utf-8"))
    assert document["period"] == {
        "kind": "month", "key": "2026-11", "first_day": "2026-11-01", "last_day": "2026-11-30",
        "complete": False, "as_of": "2026-11-25", "export_complete": True,
    }  # fmt: skip
    assert document["stations"][1]["worklog_met"] == 1 and document["stations"][1]["stars_mean"] == 3.0
    assert [c["chief"] for c in document["chiefs"]] == ["甲一", "测试所长", "测试所长"]
    chiefs = list(csv.reader(io.StringIO((base / "chiefs.csv").read_text(encoding="utf-8-sig"))))
    dictionary = (site / "kaohe" / "data" / "index.html").read_text(encoding="utf-8")
    for header in [*rows[0].keys(), *chiefs[0]]:
        assert f'<th scope="row">{header}</th>' in dictionary, header
    for key in [*document["stations"][0], *document["chiefs"][0]]:
        assert f"<code>{key}</code>" in dictionary, key


def test_each_chart_has_a_text_equivalent(site: Path) -> None:
    page = (site / "kaohe" / "month" / "2026-11" / "index.html").read_text(encoding="utf-8")
    assert 'aria-describedby="chart-period-text"' in page and 'id="chart-period-text"' in page
    assert "<li>东山派出所：按时首次答复率 83%，6 件中 5 件按时</li>" in page


def test_the_chart_is_text_with_bars_from_width_classes(site: Path) -> None:
    """Each station a row of page text (no SVG, whose labels shrank to 5 px on a phone); the bar's length is a class
    the stylesheet defines, as the site's CSP (style-src 'self') blocks style attributes."""
    page = (site / "kaohe" / "month" / "2026-11" / "index.html").read_text(encoding="utf-8")
    assert "<svg" not in page and " style=" not in page
    assert '<figcaption id="chart-period-title">各派出所按时首次答复率' in page
    for name, label, width in [("东山派出所", "83%（5/6 件）", 83), ("西湖派出所", "80%（4/5 件）", 80)]:
        assert (
            f'<li><span class="chart-name">{name}</span> <span class="chart-label">{label}</span>'
            f'<span class="chart-bar" aria-hidden="true"><span class="chart-fill chart-w{width}"></span></span></li>'
        ) in page
    stylesheet = (site / "theme" / "css" / "site.css").read_text(encoding="utf-8")
    used = {int(width) for width in re.findall(r"chart-w(\d+)", page)}
    assert used and all(f".chart-w{width}{{width:{width}%}}" in stylesheet for width in used - {0})
    assert all(f".chart-w{width}{{" in stylesheet for width in range(101))
    csp = (citykit.ROOT / "deploy" / "nginx" / "site-headers.conf").read_text(encoding="utf-8")
    assert "style-src 'self';" in csp  # if this ever allows 'unsafe-inline', a style attribute would do


def test_a_version_1_export_is_refused_by_name(tmp_path: Path, build_site: Callable[..., Path]) -> None:
    old = tmp_path / "old-export.json"
    old.write_text(json.dumps({"schema": 1, "items": [], "ratings": {}, "figures": {}}), encoding="utf-8")
    with pytest.raises(ExportError) as caught:
        build_site(["publicanswers"], PUBLIC_ANSWERS={"export": str(old)})
    message = str(caught.value)
    assert f"{old} is a version-1 export; this site reads version 2" in message
    assert "write a new one with the current relay ('relay export')" in message
    from citymodel import ContentError

    assert issubclass(ExportError, ContentError)  # invoke build prints it and exits 1, without a traceback


def test_weights_must_name_each_component(build_site: Callable[..., Path]) -> None:
    from citymodel import SettingsError

    with pytest.raises(SettingsError, match=r"unknown or missing: speed, timeliness"):
        build_site(
            ["publicanswers"],
            PUBLIC_ANSWERS={"ranking_weights": {"speed": 1, "closure": 1, "satisfaction": 1, "duty": 1, "stars": 1}},
        )


def test_an_export_taken_before_the_month_ended_is_said_to_be_partial(
    changed_city: Path, tmp_path: Path, build_site: Callable[..., Path]
) -> None:
    """Built on 1 December from the export of 25 November: November is over, its figures are not complete."""
    source = exportkit.write(tmp_path / "export.json", exportkit.export(FIGURES, STARS))
    city = {**citykit.settings_for(changed_city, tmp_path)["CITY"], "today": "2026-12-01 09:00"}
    site = build_site(["publicanswers"], PUBLIC_ANSWERS={"export": str(source)}, CITY=city)
    november = text(site / "kaohe" / "month" / "2026-11" / "index.html")
    assert "本期已结束。 但现有数据导出于2026年11月25日 12:00，本期尚未结束，事项数字不完整" in november
    assert "（现有数据导出于2026年11月25日 12:00，事项数字尚不完整）" in text(site / "kaohe" / "index.html")
    document = json.loads((site / "kaohe" / "month" / "2026-11" / "table.json").read_text(encoding="utf-8"))
    assert document["period"]["complete"] is True and document["period"]["export_complete"] is False


def test_when_the_export_splits_the_figures_by_chief_each_chief_gets_his_own(
    changed_city: Path, tmp_path: Path, build_site: Callable[..., Path]
) -> None:
    data = exportkit.export(FIGURES, STARS)
    # the relay's split (relay.figures.chief_figures): 甲一's part of November, to the 17th
    data["figures_by_chief"] = {
        "dongshan": {
            "100001-20240301": {
                "week": {},
                "month": {"2026-11": F(4, (4, 4), (3, 3), (2, 2, 4.5), (4, 3.0, 20.0), complete=False)},
                "quarter": {},
                "year": {},
            }
        }
    }
    source = exportkit.write(tmp_path / "export.json", data)
    output = build_site(["publicanswers"], PUBLIC_ANSWERS={"export": str(source)})
    rows = list(
        csv.DictReader(
            io.StringIO((output / "kaohe" / "month" / "2026-11" / "chiefs.csv").read_text(encoding="utf-8-sig"))
        )
    )
    old = next(row for row in rows if "甲一" in row.values())
    assert old["受理"] == "4"  # his own 4 items, not the station's 6
    assert "本期内更换所长" not in text(output / "kaohe" / "month" / "2026-11" / "index.html")
