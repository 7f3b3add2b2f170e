"""sitesearch with the plugins the theme needs: the Pagefind index, and ``SITESEARCH``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from citymodel import SettingsError


def test_indexes_the_pages_marked_for_search(build_site: Callable[..., Path]) -> None:
    output = build_site(["sitesearch"])
    assert json.loads((output / "pagefind" / "shards.json").read_text(encoding="utf-8")) == {"zh-cn": ["s0/"]}
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
            r"^sitesearch: unknown key 'enable' in SITESEARCH; did you mean 'enabled'\? Known keys: enabled, memory_mb, pages_per_shard$",
        ),
        ({"enabled": "0"}, r"^sitesearch: SITESEARCH\['enabled'\] must be bool like True, not str '0'$"),
    ],
)
def test_a_wrong_setting_stops_the_build(
    build_site: Callable[..., Path], setting: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        build_site(["sitesearch"], SITESEARCH=setting)


def test_shards_split_the_pages_one_language_to_a_shard(build_site: Callable[..., Path]) -> None:
    """A search reads only its own language, so a shard holds one: a reader's search fetches its language's
    shards, half of them, listed by language in shards.json."""
    output = build_site(["hantedition", "sitesearch"], SITESEARCH={"enabled": True, "pages_per_shard": 5})
    root = output / "pagefind"
    by_language = json.loads((root / "shards.json").read_text(encoding="utf-8"))
    assert by_language.keys() == {"zh-cn", "zh-hant"}
    assert len(by_language["zh-cn"]) > 1 and len(by_language["zh-hant"]) > 1
    bundles = sorted(f"{path.name}/" for path in root.iterdir() if path.is_dir())
    assert sorted(by_language["zh-cn"] + by_language["zh-hant"]) == bundles  # each shard once
    counts: dict[str, int] = {}
    for language, listed in by_language.items():
        for shard in listed:
            entry = json.loads((root / shard / "pagefind-entry.json").read_text(encoding="utf-8"))
            assert entry["languages"].keys() == {language}, (shard, entry["languages"])
            counts[language] = counts.get(language, 0) + entry["languages"][language]["page_count"]
    assert counts == {"zh-cn": 10, "zh-hant": 10}


def test_a_small_site_keeps_both_languages_in_one_shard(build_site: Callable[..., Path]) -> None:
    output = build_site(["hantedition", "sitesearch"])
    root = output / "pagefind"
    assert json.loads((root / "shards.json").read_text(encoding="utf-8")) == {
        "zh-cn": ["s0/"],
        "zh-hant": ["s0/"],
    }


def test_the_layout_gives_each_language_its_own_shards() -> None:
    from sitesearch.records import Layout

    plain = [f"stations/s{n}/worklog/p{n}/index.html" for n in range(30)]
    twins = ["zh-hant/" + page for page in plain]
    assert Layout.for_pages(plain + twins, 60, "zh-hant/") == Layout(1, 0, "zh-hant/")  # one shard for all
    layout = Layout.for_pages(plain + twins, 10, "zh-hant/")
    # A Traditional shard holds fewer pages (8 of 10): Pagefind takes more memory on Traditional text.
    assert layout == Layout(3, 4, "zh-hant/") and layout.total == 7
    assert {layout.of(page) for page in plain} == {0, 1, 2}
    assert {layout.of(page) for page in twins} == {3, 4, 5, 6}
    # No Traditional edition in the build: its pages are no language's own, and no shard stays empty.
    assert Layout.for_pages(plain, 10, "zh-hant/") == Layout(3, 0, "zh-hant/")
    assert Layout.for_pages(plain + twins, 10) == Layout(6, 0)
    assert {Layout(6, 0).of(page) for page in plain + twins} == set(range(6))


def test_a_killed_pagefind_fails_the_build_and_saves_no_record(
    build_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In an incremental build the index is made in a thread beside the plugins that run after sitesearch; a
    Pagefind that dies there must still fail the build, and no build record may say its pages are done."""
    killed = tmp_path / "pagefind-killed"
    killed.write_text("#!/bin/sh\nkill -9 $$\n", encoding="utf-8")
    killed.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(killed))
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match=r"^sitesearch: Pagefind failed \(-9\)"):
        build_site(["sitesearch", "precompress", "incremental"], INCREMENTAL={"cache": str(cache)})
    assert not (cache / "incremental.pickle").exists()
    [output] = tmp_path.glob("output-*")
    assert (output / "index.html.br").exists()  # precompress ran meanwhile


def test_shards_indexed_several_at_once_within_the_memory_budget(
    build_site: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    """With room in the budget Pagefind runs on two shards at once (after the first, alone, told its size);
    with none, one at a time. The index is the same byte for byte."""
    outputs, most = [], []
    for budget in (100_000, 1):
        caplog.clear()
        with caplog.at_level("INFO", logger="sitesearch.search"):
            output = build_site(
                ["hantedition", "sitesearch"],
                SITESEARCH={"enabled": True, "pages_per_shard": 3, "memory_mb": budget},
                INCREMENTAL={"workers": 2},
            )
        summary = [r.getMessage() for r in caplog.records if "shards indexed" in r.getMessage()]
        assert len(summary) == 1, summary
        most.append(int(summary[0].rsplit("up to ", 1)[1].split()[0]))
        outputs.append(output / "pagefind")
    assert most == [2, 1]
    assert len(list(outputs[0].glob("s*"))) > 4
    left = {p.relative_to(outputs[0]): p.read_bytes() for p in outputs[0].rglob("*") if p.is_file()}
    right = {p.relative_to(outputs[1]): p.read_bytes() for p in outputs[1].rglob("*") if p.is_file()}
    assert left == right


def test_a_build_killed_while_indexing_leaves_no_scratch_folder_for_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, build_site: Callable[..., Path]
) -> None:
    """A build stopped by SIGKILL (or SIGTERM: a service restarted) inside the search step cannot remove its
    scratch folder, which sits in memory (/dev/shm). The next build's search step removes it; the folders of
    processes still running stay."""
    import os
    import signal
    import subprocess
    import sys

    from sitesearch import records

    scratch = tmp_path / "shm"
    scratch.mkdir()
    plugins = Path(records.__file__).resolve().parent.parent
    script = (
        f"import os, signal, sys; sys.path.insert(0, {str(plugins)!r})\n"
        "from sitesearch import records\n"
        f"records.SCRATCH = {str(scratch)!r}\n"
        "with records.laid_out({'posts/a/index.html': '<html lang=\"zh-CN\"><body>记录</body></html>'}) as site:\n"
        "    print(site, flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    left = Path(killed.stdout.strip())
    assert (left / "posts" / "a" / "index.html").is_file()  # what a killed build leaves
    running = scratch / f"{records.SCRATCH_PREFIX}{os.getpid()}-x"  # a build in a process still running
    running.mkdir()
    other = scratch / "sitesearch-notapid"
    other.mkdir()
    monkeypatch.setattr(records, "SCRATCH", str(scratch))
    output = build_site(["sitesearch"])
    assert (output / "pagefind" / "s0" / "pagefind.js").is_file()
    assert sorted(path.name for path in scratch.iterdir()) == sorted([running.name, other.name])


def test_the_traditional_shards_follow_the_editions_folder(build_site: Callable[..., Path]) -> None:
    """The Traditional pages are found where hantedition puts them (``HANT_EDITION["prefix"]``), not at a
    folder name of the search's own."""
    output = build_site(
        ["hantedition", "sitesearch"],
        SITESEARCH={"enabled": True, "pages_per_shard": 5},
        HANT_EDITION={"prefix": "fanti"},
    )
    root = output / "pagefind"
    assert (output / "fanti" / "index.html").is_file()
    by_language = json.loads((root / "shards.json").read_text(encoding="utf-8"))
    for language, listed in by_language.items():
        for shard in listed:
            entry = json.loads((root / shard / "pagefind-entry.json").read_text(encoding="utf-8"))
            assert entry["languages"].keys() == {language}, (shard, entry["languages"])
