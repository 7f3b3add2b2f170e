"""citymodel alone: the checked model, ``api/stations.json`` and the ``CITY`` check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import citykit
from citymodel import ContentError, SettingsError


def city(**changes: object) -> dict[str, object]:
    settings = citykit.settings_for(citykit.ROOT / "content", citykit.ROOT / "output")
    return {**settings["CITY"], "today": citykit.TODAY, **changes}


def test_writes_the_station_list(build_site: Callable[..., Path]) -> None:
    output = build_site(["citymodel"], pages=False)
    data = json.loads((output / "api" / "stations.json").read_text(encoding="utf-8"))
    assert data["city"] == "云澜市"
    assert [station["slug"] for station in data["stations"]] == ["dongshan", "xihu"]


def test_a_valid_override_takes_effect(build_site: Callable[..., Path]) -> None:
    output = build_site(["citymodel"], pages=False, CITY=city(name="测试市"))
    assert json.loads((output / "api" / "stations.json").read_text(encoding="utf-8"))["city"] == "测试市"


def test_an_unknown_key_stops_the_build_before_anything_is_written(
    build_site: Callable[..., Path], tmp_path: Path
) -> None:
    settings = city(hotlne="0417-1")
    del settings["hotline"]
    with pytest.raises(SettingsError) as caught:
        build_site(["citymodel"], pages=False, CITY=settings)
    assert str(caught.value).splitlines() == [
        "citymodel: unknown key 'hotlne' in CITY; did you mean 'hotline'? Known keys: bureau, districts, duty_anchor, "
        "emblem, emergency, emergency_sms, guide_categories, hotline, icp_number, modules, name, optional_modules, "
        "organizer, police_record_number, today, warning_levels",
        "citymodel: CITY needs the key 'hotline'",
    ]
    assert not list(tmp_path.glob("output-*"))


def test_content_problems_still_stop_the_build(build_site: Callable[..., Path], city_content: Path) -> None:
    citykit.add_post(city_content, "nowhere", "worklog", "stray", "2026-11-20 09:00")
    with pytest.raises(ContentError, match="nowhere") as caught:
        build_site(["citymodel"], pages=False)
    assert not isinstance(caught.value, SettingsError)


def test_one_markdown_reader_for_many_posts_reads_each_as_a_fresh_one_would(tmp_path: Path) -> None:
    """The reader keeps its Markdown instances from file to file (Pelican made new ones for every file): what one
    post defines (a link reference, an abbreviation, a footnote, its metadata) must not reach the next."""
    from citymodel.plugin import CleanMarkdownReader

    settings = citykit.settings_for(citykit.make_city(tmp_path / "city"), tmp_path / "output")
    first = tmp_path / "first.md"
    first.write_text(
        "Title: 第一篇\nSummary: 摘要里有[链接][站点]。\nTags: 一, 二\n\n"
        "见[通知][站点]和 HTML 页面[^1]。\n\n[站点]: https://example.org/a\n*[HTML]: 超文本\n\n[^1]: 脚注一。\n",
        encoding="utf-8",
    )
    second = tmp_path / "second.md"
    second.write_text(
        "Title: 第二篇\nSummary: 第二篇摘要。\n\n又见[通知][站点]和 HTML 页面[^1]，[^2]。\n\n[^2]: 脚注二。\n",
        encoding="utf-8",
    )
    kept = CleanMarkdownReader(settings)
    read_in_turn = [kept.read(str(first)), kept.read(str(second)), kept.read(str(first))]
    each_fresh = [CleanMarkdownReader(settings).read(str(path)) for path in (first, second, first)]
    assert read_in_turn == each_fresh
    content, metadata = read_in_turn[1]
    assert "example.org" not in content and "<abbr" not in content and "脚注一" not in content
    assert "tags" not in metadata and "example.org" not in metadata["summary"]
    assert "example.org/a" in read_in_turn[2][0] and "<abbr" in read_in_turn[2][0]


def test_theme_scripts_and_styles_are_addressed_by_their_content(
    build_site: Callable[..., Path], tmp_path: Path
) -> None:
    """A browser may keep a theme file for an hour (nginx's Cache-Control): each page asks for its style sheet
    and scripts under an address that changes with the file, so a new release never runs an old script."""
    import hashlib
    import re
    import shutil

    theme = tmp_path / "theme"
    shutil.copytree(citykit.ROOT / "theme", theme)

    def addresses(output: Path) -> dict[str, str]:
        found: dict[str, str] = {}
        for page in ("index.html", "search/index.html", "zh-hant/search/index.html"):
            html = (output / page).read_text(encoding="utf-8")
            for path, version in re.findall(r'(?:href|src)="/theme/((?:css|js)/[\w.-]+)\?v=([0-9a-f]+)"', html):
                assert found.setdefault(path, version) == version, (page, path)
        return found

    first = addresses(build_site(["hantedition"], THEME=str(theme)))
    assert set(first) >= {"css/site.css", "js/search.js", "js/textsize.js"}
    for path, version in first.items():
        assert version == hashlib.blake2b((theme / "static" / path).read_bytes(), digest_size=5).hexdigest()
    search = theme / "static" / "js" / "search.js"
    search.write_text(search.read_text(encoding="utf-8") + "\n// a new release\n", encoding="utf-8")
    second = addresses(build_site(["hantedition"], THEME=str(theme)))
    assert second["js/search.js"] != first["js/search.js"]
    assert {p: v for p, v in second.items() if p != "js/search.js"} == {
        p: v for p, v in first.items() if p != "js/search.js"
    }
