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
memory Pagefind needs is that of one shard, not of the whole site, and only
one shard's records are held at a time.
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

from .records import Records, laid_out, record_of, shard_of

log = logging.getLogger(__name__)
# pages_per_shard counts the site's HTML pages (both editions), of which about nine in ten have a record. Pagefind
# takes about 65 MB plus 0.11 MB a record: at 20,000 posts, shards of 2,000 pages (1,850 records) made the whole
# build 633-649 MB (the build 370 MB, Pagefind 265-282 MB), shards of 1,600 pages 578-581 MB (Pagefind 213-218
# MB), in the same time. The price is more shards for a search to fetch and merge: 28 at 20,000 posts instead
# of 22, 8 at 5,000 instead of 6.
DEFAULTS: dict[str, Any] = {"enabled": True, "pages_per_shard": 1600}


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


def build_index(output: Path, settings: dict[str, Any] | None = None, pages: list[str] | None = None) -> int:
    """Index ``output`` (only the shards that changed, when the build is incremental); returns the pages indexed.

    Shard by shard: read the pages of the shard that this build rewrote, update its records, and index it
    again if its records changed. Only one shard's records are in memory at a time.
    """
    from incremental import output_files, tracker_of
    from incremental.tracker import write_if_changed

    settings = settings or {}
    opts = options(settings)
    started = time.monotonic()
    if pages is None:  # the site's HTML pages, all rendered now
        pages = [name for name in output_files(settings, output) if name.endswith(".html")]
    tracker = tracker_of(settings)
    shards = max(1, math.ceil(len(pages) / int(opts["pages_per_shard"])))
    scratch = None if tracker else tempfile.TemporaryDirectory(prefix="sitesearch-")
    folder = tracker.cache / "search" if tracker else Path(scratch.name)  # type: ignore[union-attr]
    records = Records(folder, shards)
    try:
        to_read: dict[int, list[str]] = {}
        for page in pages:
            if tracker is None or page in tracker.rewritten or page not in records.seen:
                to_read.setdefault(shard_of(page, shards), []).append(page)
        gone: dict[int, list[str]] = {}
        for page in sorted(records.seen - set(pages)):
            gone.setdefault(shard_of(page, shards), []).append(page)
        before = records.by_shard()
        root = output / "pagefind"
        root.mkdir(parents=True, exist_ok=True)
        read = indexed = 0
        for shard in range(shards):
            held = before.get(shard, [])
            bundle = root / f"s{shard}"
            current = records.indexed.get(shard) == (records.shard_digest(held) if held else None)
            if shard not in to_read and shard not in gone and (bundle.is_dir() or not held) and current:
                continue
            shard_records = records.load_shard(shard, held)
            reading = to_read.get(shard, [])
            if shard_records is None:  # its records are lost: read the pages again
                shard_records = {}
                for page in held:
                    records.pages.pop(page)
                reading = sorted(set(reading) | (set(held) & set(pages)))
            changed = False
            for page in gone.get(shard, []):
                changed |= records.remove(shard_records, page)
            for page in reading:
                changed |= records.update(shard_records, page, record_of((output / page).read_text(encoding="utf-8")))
            read += len(reading)
            if changed or not records.shard_file(shard).exists():
                records.save_shard(shard, shard_records)
            if not shard_records:
                records.indexed.pop(shard, None)
                continue
            digest = records.shard_digest(sorted(shard_records))
            if records.indexed.get(shard) == digest and bundle.is_dir():
                continue
            with laid_out(shard_records) as site:
                count = index_shard(site, bundle)
            records.indexed[shard] = digest
            indexed += 1
            log.info("sitesearch: shard s%d: %d pages indexed (%.1f s)", shard, count, time.monotonic() - started)
        present = sorted(records.by_shard())
        for child in root.iterdir():
            if child.is_dir() and child.name not in {f"s{s}" for s in present}:
                shutil.rmtree(child)
        records.indexed = {s: d for s, d in records.indexed.items() if s in present}
        write_if_changed(root / "shards.json", json.dumps([f"s{s}/" for s in present]).encode())
        records.save()
        log.info(
            "sitesearch: %d pages read; %d of %d shards indexed (%d records) in %.1f s",
            read,
            indexed,
            len(present),
            len(records.pages),
            time.monotonic() - started,
        )
        return len(records.pages)
    finally:
        if scratch is not None:
            scratch.cleanup()


def on_finalized(pelican: Any) -> None:
    """Index the finished pages. In an incremental build, beside the plugins that run after this one (Pagefind
    keeps about one core busy, the precompressed copies take the other); the build waits for it at the end."""
    from incremental import output_files, output_ready

    settings = pelican.settings
    if not options(settings)["enabled"]:
        return
    output = Path(pelican.output_path)
    tracker = output_ready(settings)
    if tracker is None:
        build_index(output, settings)
        return
    # Listed here: the plugins that run meanwhile add files to the record.
    pages = [name for name in output_files(settings, output) if name.endswith(".html")]
    tracker.in_background("sitesearch", lambda: build_index(output, settings, pages))


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.finalized.connect(on_finalized)
