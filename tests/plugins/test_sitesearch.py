"""sitesearch with the plugins the theme needs: the Pagefind index, and ``SITESEARCH``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from citymodel import SettingsError


def test_indexes_the_pages_marked_for_search(build_site: Callable[..., Path]) -> None:
    output = build_site(["sitesearch"])
    assert json.loads((output / "pagefind" / "shards.json").read_text(encoding="utf-8")) == ["s0/"]
    assert (output / "pagefind" / "s0" / "pagefind.js").is_file()
    assert not (output / "zh-hant").exists()  # hantedition, run by earlier tests, is not in this build
    entry = json.loads((output / "pagefind" / "s0" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"].keys() == {"zh-cn"}, entry
    # Posts and the guide are indexed; directory pages are not.
    assert entry["languages"]["zh-cn"]["page_count"] == 10


def test_disabled_writes_no_index(build_site: Callable[..., Path]) -> None:
    output = build_site(["sitesearch"], SITESEARCH={"enabled": False})
    assert (output / "index.html").is_file()
    assert not (output / "pagefind").exists()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            {"enable": False},
            r"^sitesearch: unknown key 'enable' in SITESEARCH; did you mean 'enabled'\? Known keys: enabled, pages_per_shard$",
        ),
        ({"enabled": "0"}, r"^sitesearch: SITESEARCH\['enabled'\] must be bool like True, not str '0'$"),
    ],
)
def test_a_wrong_setting_stops_the_build(
    build_site: Callable[..., Path], setting: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        build_site(["sitesearch"], SITESEARCH=setting)


def test_shards_split_the_pages_and_keep_a_page_with_its_twin(build_site: Callable[..., Path]) -> None:
    output = build_site(["hantedition", "sitesearch"], SITESEARCH={"enabled": True, "pages_per_shard": 5})
    shards = json.loads((output / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert len(shards) > 1
    counts: dict[str, int] = {}
    for shard in shards:
        entry = json.loads((output / "pagefind" / shard / "pagefind-entry.json").read_text(encoding="utf-8"))
        languages = entry["languages"]
        # A page and its Traditional twin share a shard, so each shard holds both languages alike.
        assert languages.keys() == {"zh-cn", "zh-hant"}, (shard, languages)
        assert languages["zh-cn"]["page_count"] == languages["zh-hant"]["page_count"]
        counts[shard] = languages["zh-cn"]["page_count"]
    assert sum(counts.values()) == 10
