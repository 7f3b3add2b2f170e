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
        f"{path}:17: 前任所长 甲一的结束日期是 2024-03-05，可现任所长在 2024-03-01 已经上任（'Chief_Since'）："
        "请最晚在 2024-02-29 结束，或者改正 'Chief_Since'"
    ]


def test_two_past_chiefs_that_overlap(city_content: Path) -> None:
    path = with_history(
        city_content,
        "Past_Chief: 甲一 | 一级警督 | 100001 |  | 2019-01-07 | 2021-06-30\n"
        "Past_Chief: 乙二 | 二级警督 | 100002 |  | 2021-06-21 | 2024-02-29\n",
    )
    assert problems(city_content) == [
        f"{path}:18: 前任所长 乙二（2021-06-21 起）和前任所长 甲一（到 2021-06-30 止，第 17 行）的时间重叠了："
        "请把前任所长 甲一的结束日期改成 2021-06-20（前一天），或者改正日期"
    ]


def test_an_unstated_gap_says_how_to_state_it(city_content: Path) -> None:
    path = with_history(city_content, "Past_Chief: 甲一 | 一级警督 | 100001 |  | 2019-01-07 | 2024-02-10\n")
    assert problems(city_content) == [
        f"{path}:16: 前任所长 甲一（第 17 行）和现任所长 测试所长之间，2024-02-11 到 2024-02-29 没有所长："
        "请改正日期，或者写明所长空缺，写成 'Chief_Vacancy: 2024-02-11 | 2024-02-29 | 说明（如：副所长主持工作）'"
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
        f"{path}:17: 'Past_Chief' 这一行 '甲一 | 一级警督 | 100001 | 2019-01-07 | 2024-02-29' 写得不对"
        "（用 | 分成了 5 段，要分成 6 段）："
        "请写成 'Past_Chief: 姓名 | 警衔 | 警号 | 照片路径（可空） | 任职起 YYYY-MM-DD | 任职止 YYYY-MM-DD'" in found
    )
    assert f"{path}:18: 'Past_Chief' 里的警号 '12' 不是六位数字：警号请写六位数字，例如 031107" in found
    assert (
        f"{path}:18: 'Past_Chief' 里的日期 '2018-13-01' 写得不对：日期请写成 2024-06-17 这样的格式（年-月-日）" in found
    )
    assert (
        f"{path}:19: 'Chief_Vacancy' 这一行 '2024-02-29' 写得不对（要分成 2 段或 3 段，用 | 隔开）："
        "请写成 'Chief_Vacancy: 起 YYYY-MM-DD | 止 YYYY-MM-DD | 说明（可选）'" in found
    )


def test_a_post_before_the_history_begins_asks_for_the_chief(city_content: Path) -> None:
    post = citykit.add_post(city_content, "dongshan", "worklog", "old-1", "2023-05-08 09:00")
    assert problems(city_content) == [
        f"{post}:2: 'Date' 的日期 2023-05-08 早于 {city_content / 'stations' / 'dongshan.md'} 里记录的第一任所长"
        f"（2024-03-01 起）：文章署的是发文当天在任所长的名字；请在 {city_content / 'stations' / 'dongshan.md'} "
        "里为那段时间加上 'Past_Chief: …'（见 docs/handbook.zh.md 的「所长交接」一节），或者改正日期"
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
    assert (
        again.returncode == 2 and "新所长的上任日期 2026-11-10 不在现任所长 乙二 上任（2026-11-18）之后" in again.stderr
    )
    bad_date = invoke(city_content, "new-chief", *args, "--since", "2026-13-01", "--photo", "images/chiefs/xihu.jpg")
    assert bad_date.returncode == 2 and "上任日期 '2026-13-01' 写得不对" in bad_date.stderr
    assert "Traceback" not in bad_date.stderr
    missing = invoke(city_content, "new-chief", *args, "--since", "2026-11-20", "--photo", "images/chiefs/nobody.jpg")
    assert missing.returncode == 2 and "简介文件没有改动" in missing.stderr and "nobody.jpg" in missing.stderr
    assert (city_content / "stations" / "dongshan.md").read_text(encoding="utf-8") == text
