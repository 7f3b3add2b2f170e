"""Indexes the finished output (both editions) into ``pagefind/``, in shards.

Only the element marked ``data-pagefind-body`` of a page is indexed (posts,
answers and guides), with the page's ``lang``, so Pagefind splits the index by
language and the Traditional edition searches its own words.

The index is split into shards (``pagefind/s0/``, ``s1/`` …, listed in
``pagefind/shards.json``; ``search.js`` merges them with Pagefind's
``mergeIndex``). A page belongs to a shard by a hash of its path, so one edit
touches one shard. Each page's record is cached under ``cache/search/``; a
build re-reads only the pages it rewrote and asks Pagefind again only for the
shards whose records changed. Shards are indexed one after the other, so the
memory Pagefind needs is that of one shard, not of the whole site.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from pelican import signals

from citymodel.options import plugin_options

from .records import Records, record_of

log = logging.getLogger(__name__)
# pages_per_shard counts the site's HTML pages (both editions): about 2,000 pages make a shard. At 20,000 posts
# that keeps the whole build, Pagefind included, under 600 MB (benchmarks/README.md).
DEFAULTS: dict[str, Any] = {"enabled": True, "pages_per_shard": 2000}


def options(settings: dict[str, Any]) -> dict[str, Any]:
    return plugin_options(settings, "SITESEARCH", DEFAULTS, "sitesearch")


def check_settings(pelican: Any) -> None:
    """A typo in SITESEARCH stops the build before anything is read."""
    options(pelican.settings)


def run_pagefind(records: Path, target: Path) -> int:
    """Index the record folder ``records`` into ``target`` with Pagefind's own command; returns the pages indexed.

    The command, not the Python service API: that API ends the service with SIGTERM as soon as the last
    answer arrives, while Pagefind may still be writing files (we saw truncated bundles and an empty
    ``pagefind-entry.json``). The command exits when every file is written.
    """
    import subprocess

    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        raise RuntimeError("sitesearch: the Pagefind binary is missing; install pagefind[extended]")
    result = subprocess.run(
        [str(binary), "--site", str(records), "--output-path", str(target), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"sitesearch: Pagefind failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}"
        )
    return sum(1 for _ in records.rglob("*.html"))


def sort_languages(entry: Path) -> None:
    """Pagefind lists languages in hash-map order; sorted, the same index gives the same bytes."""
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["languages"] = dict(sorted(data.get("languages", {}).items()))
    entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def index_shard(records: Path, bundle: Path) -> int:
    """Build one shard's bundle beside ``bundle`` and swap it in whole."""
    fresh, old = bundle.with_name(f".{bundle.name}-new"), bundle.with_name(f".{bundle.name}-old")
    for folder in (fresh, old):
        shutil.rmtree(folder, ignore_errors=True)
    count = run_pagefind(records, fresh)
    sort_languages(fresh / "pagefind-entry.json")
    if bundle.exists():
        bundle.rename(old)
    fresh.rename(bundle)
    shutil.rmtree(old, ignore_errors=True)
    return count


def build_index(output: Path, settings: dict[str, Any] | None = None) -> int:
    """Index ``output`` (only the shards that changed, when the build is incremental); returns the pages indexed."""
    from incremental import output_files, tracker_of
    from incremental.tracker import write_if_changed

    settings = settings or {}
    opts = options(settings)
    started = time.monotonic()
    pages = [name for name in output_files(settings, output) if name.endswith(".html")]  # all rendered now
    tracker = tracker_of(settings)
    shards = max(1, math.ceil(len(pages) / int(opts["pages_per_shard"])))
    scratch = None if tracker else tempfile.TemporaryDirectory(prefix="sitesearch-")
    folder = tracker.cache / "search" if tracker else Path(scratch.name)  # type: ignore[union-attr]
    records = Records(folder, shards)
    try:
        changed = [p for p in pages if tracker is None or p in tracker.rewritten or p not in records.seen]
        for page in changed:
            records.update(page, record_of((output / page).read_text(encoding="utf-8")))
        for page in records.seen - set(pages):
            records.remove(page)
        digests = records.shard_digests()
        root = output / "pagefind"
        root.mkdir(parents=True, exist_ok=True)
        stale = [s for s, d in digests.items() if records.indexed.get(s) != d or not (root / f"s{s}").is_dir()]
        log.info(
            "sitesearch: %d pages read; %d of %d shards to index (%d records)",
            len(changed),
            len(stale),
            len(digests),
            len(records.pages),
        )
        for shard in stale:
            count = index_shard(records.shard_folder(shard), root / f"s{shard}")
            records.indexed[shard] = digests[shard]
            log.info("sitesearch: shard s%d: %d pages indexed (%.1f s)", shard, count, time.monotonic() - started)
        for child in root.iterdir():
            if child.is_dir() and child.name not in {f"s{s}" for s in digests}:
                shutil.rmtree(child)
        records.indexed = {s: d for s, d in records.indexed.items() if s in digests}
        write_if_changed(root / "shards.json", json.dumps([f"s{s}/" for s in sorted(digests)]).encode())
        records.save()
        if stale:
            log.info("sitesearch: index ready in %.1f s", time.monotonic() - started)
        return len(records.pages)
    finally:
        if scratch is not None:
            scratch.cleanup()


def on_finalized(pelican: Any) -> None:
    if options(pelican.settings)["enabled"]:
        build_index(Path(pelican.output_path), pelican.settings)


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.finalized.connect(on_finalized)
