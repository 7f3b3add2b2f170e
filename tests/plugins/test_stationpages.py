"""stationpages with the plugins the theme needs: the directory, station pages, module lists, warnings, feeds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest


def test_directory_stations_modules_and_warnings(build_site: Callable[..., Path]) -> None:
    output = build_site(["citymodel", "stationpages"])
    directory = (output / "stations" / "index.html").read_text(encoding="utf-8")
    assert "东城区" in directory and "东山派出所" in directory and "西湖派出所" in directory
    station = (output / "stations" / "dongshan" / "index.html").read_text(encoding="utf-8")
    assert "测试所长" in station
    # Five fixed modules for both, the optional one only where a station chose it.
    for module in ("worklog", "warning", "qa", "help", "disclosure"):
        assert (output / "stations" / "xihu" / module / "index.html").is_file(), module
    assert (output / "stations" / "dongshan" / "community" / "index.html").is_file()
    assert not (output / "stations" / "xihu" / "community").exists()
    warnings = (output / "warnings" / "index.html").read_text(encoding="utf-8")
    assert "防范刷单返利诈骗" in warnings


def test_feeds_per_station_and_module(build_site: Callable[..., Path]) -> None:
    output = build_site(["citymodel", "stationpages"])
    station = feedparser.parse((output / "feeds" / "stations" / "dongshan.atom.xml").read_bytes())
    assert not station.bozo
    assert len(station.entries) == 5  # worklog, disclosure, community and two warnings
    module = feedparser.parse((output / "feeds" / "stations" / "xihu" / "worklog.atom.xml").read_bytes())
    assert [entry.link.rstrip("/").rsplit("/", 1)[-1] for entry in module.entries] == ["xihu-worklog-1"]


def test_jurisdiction_texts_become_places() -> None:
    from stationpages.lookup import places_in

    assert places_in("北岸街道：滨江、观澜、新苑、北岸花园4个社区及北岸购物中心、滨江公园") == [
        "北岸街道", "滨江社区", "观澜社区", "新苑社区", "北岸花园社区", "北岸购物中心", "滨江公园",
    ]  # fmt: skip
    assert places_in("青山镇：青山社区及茶园、石门、下湾、岭后4个行政村") == [
        "青山镇", "青山社区", "茶园村", "石门村", "下湾村", "岭后村",
    ]  # fmt: skip
    assert places_in("东山街道全域：东山、翠柳2个社区，东山路、翠柳巷沿线") == [
        "东山街道", "东山社区", "翠柳社区", "东山路", "翠柳巷",
    ]  # fmt: skip
    assert places_in("柳营街道：柳营路至锦绣大道之间区域") == ["柳营街道", "柳营路", "锦绣大道"]
    assert places_in("桃源街道：云澜大学城北区（3所高校、5所中小学）") == ["桃源街道", "云澜大学城北区"]
    assert places_in("测试街道") == ["测试街道"]


def test_the_lookup_page_lists_every_place_from_a_to_z(build_site: Callable[..., Path]) -> None:
    output = build_site(["citymodel", "stationpages"])
    page = (output / "stations" / "lookup" / "index.html").read_text(encoding="utf-8")
    # Both test stations serve 测试街道: the place is listed once per station, under C (cè shì).
    assert page.count('<li><span class="place">测试街道</span>') == 2
    assert '<a href="#letter-C">C</a>' in page and 'id="letter-C"' in page
    assert '<a href="/stations/dongshan/">东山派出所</a>' in page
    assert "<form" in page and "hidden" in page.split("<form", 1)[1].split(">", 1)[0]


def test_place_names_sort_by_the_pinyin_of_their_phrases() -> None:
    """Worked out in a child process, with pypinyin's phrase dictionary: 重庆 is chóngqìng and 长安 cháng'ān,
    not the first reading of each character alone (zhòng, zhǎng would file them under Z)."""
    from stationpages.lookup import pinyin_of

    assert pinyin_of(["重庆路", "长安社区", "乐园村", "Ａ区", "重庆路"]) == {
        "重庆路": ("chongqinglu", "C"),
        "长安社区": ("changanshequ", "C"),
        "乐园村": ("leyuancun", "L"),
        "Ａ区": ("Ａqu", "Ａ"),
    }
    assert pinyin_of([]) == {}


def test_a_process_that_builds_again_asks_for_the_pinyin_only_when_the_places_change(
    build_site: Callable[..., Path],
) -> None:
    """The publisher builds again and again in one process: the child process runs once per set of places."""
    from stationpages.lookup import _pinyin

    _pinyin.cache_clear()
    build_site(["stationpages"])
    build_site(["stationpages"])
    assert _pinyin.cache_info().misses == 1 and _pinyin.cache_info().hits == 1


def test_a_build_never_imports_pypinyin() -> None:
    """Its phrase dictionary takes 54 MB for as long as a process lives; the build and the publisher load
    every plugin, and none of them may import it."""
    import subprocess
    import sys

    import citykit

    code = (
        "import sys; sys.path[:0] = ['plugins', '.']\n"
        "import citymodel, publicanswers, stationpages, guides, capalerts, hantedition, sitesearch, sitemapxml\n"
        "import precompress, incremental, stationpages.lookup, stationpages.generator\n"
        "print('pypinyin' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=citykit.ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_writing_the_station_pages_takes_the_build_time_once(
    build_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``City.now()`` goes over every warning of the city. Asked again for each station's page, it took 7 s
    of a 20,000-post build (112 stations, 5,000 warnings); the pages take the time their generator read."""
    from citymodel import City
    from stationpages.generator import StationPagesGenerator

    calls: list[str] = []
    writing = [False]
    real_now, real_output = City.now, StationPagesGenerator.generate_output

    def now(self: City) -> Any:
        calls.append("writing" if writing[0] else "elsewhere")
        return real_now(self)

    def generate_output(self: StationPagesGenerator, writer: Any) -> None:
        writing[0] = True
        try:
            real_output(self, writer)
        finally:
            writing[0] = False

    monkeypatch.setattr(City, "now", now)
    monkeypatch.setattr(StationPagesGenerator, "generate_output", generate_output)
    output = build_site(["citymodel", "stationpages"])
    assert (output / "stations" / "dongshan" / "index.html").is_file()
    assert "elsewhere" in calls and "writing" not in calls
