"""stationpages with the plugins the theme needs: the directory, station pages, module lists, warnings, feeds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import feedparser


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
