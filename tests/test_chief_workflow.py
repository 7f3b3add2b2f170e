"""The chief's commands, run as a chief runs them: ``invoke new``, ``invoke check``, ``invoke duties``."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import citykit
from citymodel import load_city
from citymodel.duties import late_duties
from citymodel.scaffold import make_slug


def invoke(content: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITY_CONTENT": str(content)}
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=citykit.ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_new_writes_a_post_that_builds(city_content: Path, tmp_path: Path) -> None:
    result = invoke(
        city_content, "new", "--station", "dongshan", "--module", "worklog", "--title", "东山派出所第47周工作记实"
    )
    assert result.returncode == 0, result.stderr
    path = citykit.ROOT / result.stdout.strip()
    assert path.is_file() and path.is_relative_to(city_content / "posts" / "dongshan" / "worklog")
    text = path.read_text(encoding="utf-8")
    assert "Slug: dongshan-worklog-dong-shan-pai-chu-suo-di-47-zhou-gong-zuo-ji-shi\n" in text
    assert "Station: dongshan\nModule: worklog\n" in text
    citykit.build(city_content, tmp_path / "out")
    assert list((tmp_path / "out" / "stations" / "dongshan" / "worklog").glob("dongshan-worklog-dong-shan*/index.html"))


def test_new_warning_has_the_warning_fields_and_builds(city_content: Path, tmp_path: Path) -> None:
    result = invoke(city_content, "new", "--station", "xihu", "--module", "warning", "--title", "防范冒充客服诈骗")
    assert result.returncode == 0, result.stderr
    text = (citykit.ROOT / result.stdout.strip()).read_text(encoding="utf-8")
    for key in ("Level: 蓝色", "Area: 测试街道", "Effective: ", "Expires: "):
        assert key in text
    citykit.build(city_content, tmp_path / "out")


def test_new_twice_with_the_same_title_gives_unique_slugs(city_content: Path) -> None:
    first = invoke(city_content, "new", "--station", "dongshan", "--module", "disclosure", "--title", "窗口时间调整")
    second = invoke(city_content, "new", "--station", "dongshan", "--module", "disclosure", "--title", "窗口时间调整")
    slugs = [
        line
        for r in (first, second)
        for line in (citykit.ROOT / r.stdout.strip()).read_text(encoding="utf-8").splitlines()
        if line.startswith("Slug:")
    ]
    assert slugs == [
        "Slug: dongshan-disclosure-chuang-kou-shi-jian-tiao-zheng",
        "Slug: dongshan-disclosure-chuang-kou-shi-jian-tiao-zheng-2",
    ]
    assert load_city(citykit.settings_for(city_content, city_content.parent / "o")).problems == []


def test_new_refuses_a_module_the_station_has_not_chosen(city_content: Path) -> None:
    result = invoke(city_content, "new", "--station", "xihu", "--module", "community", "--title", "社区活动")
    assert result.returncode == 2
    assert "派出所 'xihu' 不能在栏目 'community' 里发文章：请写其中之一：worklog（工作记实）" in result.stderr


def test_make_slug_is_ascii_and_unique() -> None:
    assert make_slug("a", "worklog", "电信诈骗 2026", set()) == "a-worklog-dian-xin-zha-pian-2026"
    assert make_slug("a", "worklog", "！！！", {"a-worklog"}) == "a-worklog-2"


def test_check_reports_problems_without_building(city_content: Path) -> None:
    assert invoke(city_content, "check").returncode == 0
    bad = citykit.add_post(city_content, "dongshan", "worklog", "bad", "2026-02-30")
    result = invoke(city_content, "check")
    assert result.returncode == 1
    assert (
        f"{bad}:2: 'Date' 的日期 '2026-02-30' 写得不对：请写成 2026-11-20 09:30 或 2026-11-20 这样的格式"
        in result.stderr
    )
    assert not (city_content.parent / "output").exists()


def test_duties_lists_late_stations_with_how_late(city_content: Path) -> None:
    # Both stations last posted a work log on 11-20 and a warning on 11-20; duties count from Monday 2026-11-02.
    result = invoke(city_content, "duties", "--as-of", "2026-12-04")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines == [
        "东山派出所（dongshan）工作记实：2026-11-23—11-29 这一周未发布，已逾期 5 天（最近一篇 2026-11-20）",
        "西湖派出所（xihu）工作记实：2026-11-23—11-29 这一周未发布，已逾期 5 天（最近一篇 2026-11-20）",
        "2 late duties as of 2026-12-04",
    ]


def test_duty_boundaries(city_content: Path) -> None:
    city = load_city(citykit.settings_for(city_content, city_content.parent / "o"))
    assert late_duties(city, dt.date(2026, 11, 29)) == []  # Sunday: the week of the 11-20 work log has not ended
    late = late_duties(city, dt.date(2026, 11, 30))  # Monday: the week 11-23—11-29 ended without a work log
    assert {(d.station, d.module, d.days_late) for d in late} == {("dongshan", "worklog", 1), ("xihu", "worklog", 1)}
    # The fortnight 11-16—11-29 had the 11-20 warning; the next one, 11-30—12-13, ends without one.
    assert ("xihu", "warning") not in {(d.station, d.module) for d in late_duties(city, dt.date(2026, 12, 13))}
    much_later = late_duties(city, dt.date(2026, 12, 15))
    assert ("xihu", "warning", 2) in {(d.station, d.module, d.days_late) for d in much_later}


def test_duties_judge_by_posts_up_to_the_day(city_content: Path) -> None:
    city = load_city(citykit.settings_for(city_content, city_content.parent / "o"))
    # On 15 November the newest work log (20 November) did not exist yet: the week 11-02—11-08 was missed.
    late = {(d.station, d.module): d for d in late_duties(city, dt.date(2026, 11, 15))}
    assert late[("dongshan", "worklog")].last_posted is None
    assert [p.start for p in late[("dongshan", "worklog")].missed] == [dt.date(2026, 11, 2)]


def test_new_never_overwrites_a_draft(city_content: Path) -> None:
    first = invoke(city_content, "new", "--station", "dongshan", "--module", "worklog", "--title", "草稿标题")
    path = citykit.ROOT / first.stdout.strip()
    path.write_text(
        path.read_text(encoding="utf-8").replace("Summary: 请用一两句话概括本文。\n", "Summary:\n") + "我写了很多字。",
        encoding="utf-8",
    )
    second = invoke(city_content, "new", "--station", "dongshan", "--module", "worklog", "--title", "草稿标题")
    assert second.returncode == 0 and second.stdout.strip() != first.stdout.strip()
    assert "我写了很多字。" in path.read_text(encoding="utf-8")


def test_very_long_titles_make_short_slugs() -> None:
    slug = make_slug("dongshan", "worklog", "word " * 60, set())
    assert len(slug) <= 72 and slug.startswith("dongshan-worklog-word")


def test_livereload_rebuilds_when_a_post_in_the_chiefs_own_clone_is_saved(city_content: Path, tmp_path: Path) -> None:
    """`CITY_CONTENT=../content invoke livereload` (docs/handbook.zh.md) built from the clone but watched only this
    checkout's content/: a chief saved and nothing changed."""
    import signal
    import socket
    import time

    post = citykit.add_post(city_content, "dongshan", "worklog", "livereload-check", "2026-11-20 09:00")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    output = tmp_path / "output"
    env = {**os.environ, "CITY_CONTENT": str(city_content), "CITY_CACHE": str(tmp_path / "cache"), "CITY_SEARCH": "0"}
    command = [sys.executable, "-m", "invoke", "livereload", "--port", str(port), "--output", str(output)]
    with open(tmp_path / "livereload.log", "wb") as log:
        server = subprocess.Popen(command, cwd=citykit.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:

        def serving() -> bool:
            with socket.socket() as client:
                return client.connect_ex(("127.0.0.1", port)) == 0

        deadline = time.monotonic() + 120
        while not serving() and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert serving(), (tmp_path / "livereload.log").read_text()
        page = output / "stations" / "dongshan" / "worklog" / "livereload-check" / "index.html"
        assert page.is_file()
        time.sleep(1.5)  # the watcher's first look at the files
        post.write_text(post.read_text(encoding="utf-8") + "\n保存之后网页自动更新。\n", encoding="utf-8")
        deadline = time.monotonic() + 120
        while "保存之后网页自动更新" not in page.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.3)
        assert "保存之后网页自动更新" in page.read_text(encoding="utf-8"), (tmp_path / "livereload.log").read_text()
        # A mistake saved: the problem is listed, the server goes on, and the fix saved shows.
        text = post.read_text(encoding="utf-8")
        post.write_text(text.replace("Date: 2026-11-20 09:00", "Date: 2026-13-45 09:00"), encoding="utf-8")
        deadline = time.monotonic() + 120
        while "网页没有更新" not in (tmp_path / "livereload.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.3)
        said = (tmp_path / "livereload.log").read_text()
        assert "livereload-check.md:" in said and "'Date' 的日期 '2026-13-45 09:00' 写得不对" in said, said
        assert server.poll() is None and serving()
        post.write_text(text + "\n改正之后也会更新。\n", encoding="utf-8")
        deadline = time.monotonic() + 120
        while "改正之后也会更新" not in page.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.3)
        assert "改正之后也会更新" in page.read_text(encoding="utf-8"), (tmp_path / "livereload.log").read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
