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


def fragments(bundle: Path) -> list[dict]:
    """The pages a Pagefind bundle holds, as it stores them (gzip, a signature, then JSON)."""
    import gzip

    found = []
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        found.append(json.loads(data[data.index(b"{") :]))
    return found


def test_only_simplified_pages_are_indexed_each_with_its_twin_s_text(build_site: Callable[..., Path]) -> None:
    """Pagefind splits Simplified text into words and most Traditional words into characters: the index holds
    the Simplified pages, in shards, and each result carries its title, kind and text in the Traditional
    edition's characters for the Traditional pages (written after Pagefind, never indexed)."""
    output = build_site(["hantedition", "sitesearch"], SITESEARCH={"enabled": True, "pages_per_shard": 5})
    root = output / "pagefind"
    by_language = json.loads((root / "shards.json").read_text(encoding="utf-8"))
    assert by_language.keys() == {"zh-cn"} and len(by_language["zh-cn"]) > 1
    assert sorted(by_language["zh-cn"]) == sorted(f"{path.name}/" for path in root.iterdir() if path.is_dir())
    pages = [page for shard in by_language["zh-cn"] for page in fragments(root / shard)]
    assert len(pages) == 10
    assert not [page["url"] for page in pages if page["url"].startswith("/zh-hant/")]
    for page in pages:
        meta = page["meta"]
        path = (output / "zh-hant" / page["url"].lstrip("/")).with_suffix("")
        twin_html = (path / "index.html" if path.is_dir() else path.with_suffix(".html")).read_text(encoding="utf-8")
        assert meta["hant_title"] and f">{meta['hant_title']}</h1>" in twin_html, meta
        assert meta["hant_title"] != meta["title"] or meta["title"].isascii(), meta
        assert meta["hant_content"].startswith(meta["hant_title"]) and "\u200b" not in meta["hant_content"], meta
        assert meta["hant_kind"] and meta.get("date") and not page["filters"], page
        # Not indexed: the Traditional text is in no word of the index.
        assert "戶" not in page["content"] and "證" not in page["content"], page["content"][:200]
    guide = next(page for page in pages if page["meta"].get("type") == "guide")
    assert guide["meta"]["kind"] == "办事指南" and guide["meta"]["hant_kind"] == "辦事指南"


def index_words(bundle: Path) -> bytes:
    """A bundle's word index, as one blob (each chunk gzip, a signature, then CBOR)."""
    import gzip

    return b"".join(gzip.decompress(path.read_bytes()) for path in sorted((bundle / "index").glob("*.pf_index")))


def test_the_twins_text_adds_no_word_to_the_index(build_site: Callable[..., Path]) -> None:
    """Pagefind 1.5 searches metadata: given to Pagefind as metadata, the Traditional text doubled the word index
    and its words outranked the pages' own (派出所, which Pagefind indexes as 派出 and 所, then found the 7 pages
    whose Traditional text it had kept whole instead of 132)."""
    alone = index_words(build_site(["sitesearch"]) / "pagefind" / "s0")
    with_twins = build_site(["hantedition", "sitesearch"]) / "pagefind" / "s0"
    assert len(index_words(with_twins)) <= len(alone) * 1.01, (len(index_words(with_twins)), len(alone))
    assert "戶".encode() not in index_words(with_twins)


def test_a_small_site_has_one_shard(build_site: Callable[..., Path]) -> None:
    output = build_site(["hantedition", "sitesearch"])
    root = output / "pagefind"
    assert json.loads((root / "shards.json").read_text(encoding="utf-8")) == {"zh-cn": ["s0/"]}


def test_the_layout_spreads_the_pages_over_its_shards() -> None:
    from sitesearch.records import Layout

    plain = [f"stations/s{n}/worklog/p{n}/index.html" for n in range(30)]
    assert Layout.for_pages(plain, 60) == Layout(1)
    layout = Layout.for_pages(plain, 10)
    assert layout == Layout(3)
    assert {layout.of(page) for page in plain} == {0, 1, 2}
    assert Layout.for_pages([], 10) == Layout(1)


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


def test_the_twins_are_found_where_the_edition_puts_them(build_site: Callable[..., Path]) -> None:
    """The Traditional pages are found where hantedition puts them (``HANT_EDITION["prefix"]``), not at a
    folder name of the search's own: their text rides with their Simplified twins, and they are not indexed."""
    output = build_site(
        ["hantedition", "sitesearch"],
        SITESEARCH={"enabled": True, "pages_per_shard": 5},
        HANT_EDITION={"prefix": "fanti"},
    )
    root = output / "pagefind"
    assert (output / "fanti" / "index.html").is_file()
    by_language = json.loads((root / "shards.json").read_text(encoding="utf-8"))
    pages = [page for shard in by_language["zh-cn"] for page in fragments(root / shard)]
    assert len(pages) == 10 and not [page for page in pages if page["url"].startswith("/fanti/")]
    assert all("hant_content" in page["meta"] for page in pages)
