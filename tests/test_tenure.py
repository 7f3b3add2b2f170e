"""Chief tenure: a station's past chiefs in its profile, checked; posts signed by the chief in post on their date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import citykit
from citymodel import load_city

# The little city's chiefs took the post on 2024-03-01 (citykit.STATION).
CURRENT = "Chief_Since: 2024-03-01\n"


def with_history(content: Path, lines: str, since: str = "2024-03-01", station: str = "dongshan") -> Path:
    path = content / "stations" / f"{station}.md"
    text = path.read_text(encoding="utf-8")
    assert CURRENT in text
    path.write_text(text.replace(CURRENT, f"Chief_Since: {since}\n{lines}"), encoding="utf-8")
    return path


def problems(content: Path) -> list[str]:
    city = load_city(citykit.settings_for(content, content.parent / "output"))
    return [str(p) for p in city.problems]


def test_a_history_with_a_stated_vacancy_is_accepted(city_content: Path) -> None:
    with_history(
        city_content,
        "Past_Chief: 甲一 | 一级警督 | 100001 |  | 2019-01-07 | 2021-05-31\n"
        "Chief_Vacancy: 2021-06-01 | 2021-06-20 | 副所长主持工作\n"
        "Past_Chief: 乙二 | 二级警督 | 100002 | images/chiefs/xihu.jpg | 2021-06-21 | 2024-02-29\n",
    )
    city = load_city(citykit.settings_for(city_content, city_content.parent / "output"))
    assert city.problems == []
    station = city.stations["dongshan"]
    assert [t.name for t in station.chiefs] == ["甲一", "乙二", "测试所长"]
    assert station.chief_on(dt.date(2021, 5, 31)).name == "甲一"  # type: ignore[union-attr]
    assert station.chief_on(dt.date(2021, 6, 10)) is None
    assert station.vacancy_on(dt.date(2021, 6, 10)).note == "副所长主持工作"  # type: ignore[union-attr]
    assert station.chief_on(dt.date(2024, 2, 29)).name == "乙二"  # type: ignore[union-attr]
    assert station.chief_on(dt.date(2024, 3, 1)).name == "测试所长"  # type: ignore[union-attr]
    assert station.history_since == dt.date(2019, 1, 7)


def test_an_overlap_names_the_line_and_the_day_to_end_on(city_content: Path) -> None:
    path = with_history(city_content, "Past_Chief: 甲一 | 一级警督 | 100001 |  | 2019-01-07 | 2024-03-05\n")
    assert problems(city_content) == [
        f"{path}:17: Past_Chief 甲一 ends on 2024-03-05, on or after Chief_Since 2024-03-01: "
        "end it on 2024-02-29 at the latest, or correct Chief_Since"
    ]


def test_two_past_chiefs_that_overlap(city_content: Path) -> None:
    path = with_history(
        city_content,
        "Past_Chief: 甲一 | 一级警督 | 100001 |  | 2019-01-07 | 2021-06-30\n"
        "Past_Chief: 乙二 | 二级警督 | 100002 |  | 2021-06-21 | 2024-02-29\n",
    )
    assert problems(city_content) == [
        f"{path}:18: Past_Chief 乙二 (from 2021-06-21) overlaps Past_Chief 甲一 (until 2021-06-30, line 17): "
        "end Past_Chief 甲一 on 2021-06-20, the day before, or correct the dates"
    ]


def test_an_unstated_gap_says_how_to_state_it(city_content: Path) -> None:
    path = with_history(city_content, "Past_Chief: 甲一 | 一级警督 | 100001 |  | 2019-01-07 | 2024-02-10\n")
    assert problems(city_content) == [
        f"{path}:16: no chief from 2024-02-11 to 2024-02-29, between Past_Chief 甲一 (line 17) and Chief 测试所长: "
        "correct the dates, or state the vacancy with 'Chief_Vacancy: 2024-02-11 | 2024-02-29 | 说明（如：副所长主持工作）'"
    ]


def test_bad_lines_say_the_format(city_content: Path) -> None:
    path = with_history(
        city_content,
        "Past_Chief: 甲一 | 一级警督 | 100001 | 2019-01-07 | 2024-02-29\n"
        "Past_Chief: 乙二 | 二级警督 | 12 |  | 2018-01-01 | 2018-13-01\n"
        "Chief_Vacancy: 2024-02-29\n",
    )
    found = problems(city_content)
    assert (
        f"{path}:17: bad Past_Chief line '甲一 | 一级警督 | 100001 | 2019-01-07 | 2024-02-29' (5 parts, 6 needed): write 'Past_Chief: 姓名 | 警衔 | 警号 | 照片路径（可空） | 任职起 YYYY-MM-DD | 任职止 YYYY-MM-DD'"
        in found
    )
    assert (
        f"{path}:18: Past_Chief badge number '12' is not six digits: write the 警号 as six digits, e.g. 031107" in found
    )
    assert f"{path}:18: bad date '2018-13-01' in Past_Chief: write the dates as YYYY-MM-DD, e.g. 2024-06-17" in found
    assert any(p.startswith(f"{path}:19: bad Chief_Vacancy line '2024-02-29'") for p in found)


def test_a_post_before_the_history_begins_asks_for_the_chief(city_content: Path) -> None:
    post = citykit.add_post(city_content, "dongshan", "worklog", "old-1", "2023-05-08 09:00")
    assert problems(city_content) == [
        f"{post}:2: Date 2023-05-08 is before the first chief {city_content / 'stations' / 'dongshan.md'} names "
        f"(from 2024-03-01): a post is signed by the chief in post on its date: add 'Past_Chief: …' to "
        f"{city_content / 'stations' / 'dongshan.md'} for that time (docs/content.md, 'Chief tenure'), or correct the date"
    ]


def test_posts_keep_the_name_of_the_chief_in_post_on_their_date(city_content: Path, tmp_path: Path) -> None:
    """A change of chief in the middle of a month: the work log before it keeps the old chief's name."""
    with_history(
        city_content,
        "Past_Chief: 甲一 | 一级警督 | 100001 |  | 2019-01-07 | 2026-11-17\n",
        since="2026-11-18",
    )
    citykit.add_post(city_content, "dongshan", "worklog", "before-change", "2026-11-17 18:00")
    citykit.add_post(city_content, "dongshan", "worklog", "after-change", "2026-11-18 08:30")
    output = tmp_path / "out"
    citykit.build(city_content, output)
    page = output / "stations" / "dongshan" / "worklog"
    assert "· 所长 甲一</p>" in (page / "before-change" / "index.html").read_text(encoding="utf-8")
    assert "· 所长 测试所长</p>" in (page / "after-change" / "index.html").read_text(encoding="utf-8")
    station = (output / "stations" / "dongshan" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="chief-title">所长 测试所长</h2>' in station
    assert "历任所长" in station and "<strong>甲一</strong>（一级警督，警号 100001）" in station
    assert "任职 2019年01月07日—2026年11月17日" in station
    assert "历任所长" not in (output / "stations" / "xihu" / "index.html").read_text(encoding="utf-8")


def test_invoke_new_chief_records_the_change(city_content: Path) -> None:
    from test_chief_workflow import invoke

    args = ["--station", "dongshan", "--name", "乙二", "--rank", "二级警督", "--badge", "100002"]
    result = invoke(city_content, "new-chief", *args, "--since", "2026-11-18", "--photo", "images/chiefs/xihu.jpg")
    assert result.returncode == 0, result.stderr
    text = (city_content / "stations" / "dongshan.md").read_text(encoding="utf-8")
    assert "Chief: 乙二\nChief_Rank: 二级警督\nChief_Badge: 100002\n" in text and "Chief_Born" not in text
    assert (
        "Chief_Since: 2026-11-18\nPast_Chief: 测试所长 | 一级警督 | 031107 | images/chiefs/dongshan.jpg | 2024-03-01 | 2026-11-17\n"
        in text
    )
    assert problems(city_content) == []
    again = invoke(city_content, "new-chief", *args, "--since", "2026-11-10", "--photo", "images/chiefs/xihu.jpg")
    assert again.returncode == 2 and "is not after the current chief 乙二's first day (2026-11-18)" in again.stderr
    missing = invoke(city_content, "new-chief", *args, "--since", "2026-11-20", "--photo", "images/chiefs/nobody.jpg")
    assert missing.returncode == 2 and "left unchanged" in missing.stderr and "nobody.jpg" in missing.stderr
    assert (city_content / "stations" / "dongshan.md").read_text(encoding="utf-8") == text
