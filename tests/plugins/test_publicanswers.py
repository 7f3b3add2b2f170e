"""publicanswers with the plugins the theme needs: answers, 考核 pages and ``PUBLIC_ANSWERS``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from publicanswers.answers import describe_hours

from citymodel import SettingsError


def test_without_an_export_there_are_no_answers_or_kaohe(build_site: Callable[..., Path]) -> None:
    output = build_site(["publicanswers"], PUBLIC_ANSWERS={"export": ""})
    assert (output / "hazards" / "index.html").is_file()
    assert not (output / "kaohe").exists()
    assert not (output / "stations" / "dongshan" / "qa" / "index.html").read_text(encoding="utf-8").count("/answers/")


def test_kaohe_pages_and_the_ranking_threshold(build_site: Callable[..., Path], demo_export: Path) -> None:
    output = build_site(["publicanswers"], PUBLIC_ANSWERS={"export": str(demo_export), "min_ranked_items": 2})
    index = (output / "kaohe" / "index.html").read_text(encoding="utf-8")
    assert "只对受理 2 件及以上的派出所排名" in index
    assert list((output / "kaohe").rglob("*.csv"))


def test_an_unknown_key_stops_the_build(build_site: Callable[..., Path], demo_export: Path) -> None:
    with pytest.raises(
        SettingsError,
        match=r"^publicanswers: unknown key 'min_ranked' in PUBLIC_ANSWERS; did you mean 'min_ranked_items'\?",
    ):
        build_site(["publicanswers"], PUBLIC_ANSWERS={"export": str(demo_export), "min_ranked": 2})


def test_a_count_must_be_a_number(build_site: Callable[..., Path]) -> None:
    with pytest.raises(
        SettingsError, match=r"^publicanswers: PUBLIC_ANSWERS\['min_ranked_items'\] must be int like 5, not str '2'$"
    ):
        build_site(["publicanswers"], PUBLIC_ANSWERS={"min_ranked_items": "2"})


@pytest.mark.parametrize(
    ("hours", "text"),
    [(None, ""), (0.2, "12 分钟"), (5.0, "5 小时"), (4.96, "5 小时"), (3.5, "3.5 小时"), (47.9, "47.9 小时"), (72, "3 天"),
     (60, "2.5 天")],
)  # fmt: skip
def test_reply_times_read_as_people_write_them(hours: float | None, text: str) -> None:
    """The lists said 5.0 小时内答复."""
    assert describe_hours(hours) == text
