"""Indexes the finished output (both editions) into ``pagefind/``.

Only the element marked ``data-pagefind-body`` of a page is indexed (posts,
answers and guides), with the page's ``lang``, so Pagefind splits the index by
language and the Traditional edition searches its own words. Each page's
*record* (that element in a minimal document) is cached by page under
``cache/search/``; a build re-reads only the pages it rewrote. When no record
changed, the index is left as it is; otherwise Pagefind builds it again from
the records held in memory, which it does without re-reading whole pages:
a fraction of the time and memory of indexing the output folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import pickle
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from pelican import signals

from citymodel.options import plugin_options

log = logging.getLogger(__name__)
DEFAULTS: dict[str, Any] = {"enabled": True}
RECORDS = "records.pickle"
FORMAT = 1
BODY_START = re.compile(r"<(?P<tag>[a-z]+)\b[^>]*\bdata-pagefind-body\b[^>]*>")
LANG = re.compile(r'<html lang="(?P<lang>[^"]+)"')


def options(settings: dict[str, Any]) -> dict[str, Any]:
    return plugin_options(settings, "SITESEARCH", DEFAULTS, "sitesearch")


def check_settings(pelican: Any) -> None:
    """A typo in SITESEARCH stops the build before anything is read."""
    options(pelican.settings)


def record_of(html: str) -> str | None:
    """The part of a page Pagefind indexes, as a minimal document; None if the page is not indexed."""
    start = BODY_START.search(html)
    if start is None:
        return None
    tag = start["tag"]
    opening, closing = re.compile(rf"<{tag}\b"), f"</{tag}>"
    depth, position = 1, start.end()
    while depth:
        end = html.find(closing, position)
        if end < 0:
            return None
        depth += len(opening.findall(html, position, end)) - 1
        position = end + len(closing)
    lang = LANG.search(html)
    return f'<!doctype html><html lang="{lang["lang"] if lang else "zh-CN"}"><body>{html[start.start() : position]}</body></html>'


class Records:
    """Per-page records kept between builds as small files under ``cache/search/pages/``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pages_folder = folder / "pages"
        self.index_path = folder / RECORDS
        self.pages: dict[str, str] = {}  # page -> digest of its record, for pages that have one
        self.seen: set[str] = set()  # pages read, with or without a record
        self.digest = ""
        if self.index_path.exists():
            try:
                stored = pickle.loads(self.index_path.read_bytes())
                if stored.get("format") == FORMAT:
                    self.pages, self.seen, self.digest = stored["pages"], stored["seen"], stored["digest"]
            except Exception:  # a damaged cache only costs re-reading every page
                log.warning("sitesearch: record cache unreadable; reading every page")

    def update(self, page: str, record: str | None) -> None:
        from incremental.tracker import write_atomically

        self.seen.add(page)
        path = self.pages_folder / page
        if record is None:
            self.remove(page, forget=False)
            return
        digest = hashlib.blake2b(record.encode(), digest_size=16).hexdigest()
        if self.pages.get(page) != digest or not path.exists():
            write_atomically(path, record.encode())
            self.pages[page] = digest

    def remove(self, page: str, forget: bool = True) -> None:
        if forget:
            self.seen.discard(page)
        if self.pages.pop(page, None) is not None:
            (self.pages_folder / page).unlink(missing_ok=True)

    def current_digest(self) -> str:
        h = hashlib.blake2b(digest_size=16)
        for page, digest in sorted(self.pages.items()):
            h.update(f"{page}\0{digest}\0".encode())
        return h.hexdigest()

    def save(self) -> None:
        from incremental.tracker import write_atomically

        data = {"format": FORMAT, "pages": self.pages, "seen": self.seen, "digest": self.digest}
        write_atomically(self.index_path, pickle.dumps(data))


async def _index(records: Path, target: Path) -> int:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(output_path=str(target))
    async with PagefindIndex(config=config) as index:
        result = await index.add_directory(str(records))
        await index.write_files()
    return int(result.get("page_count", 0))


def run_pagefind(records: Path, target: Path) -> int:
    # Pagefind's API is asynchronous; run it on a thread of its own so that a
    # build started from inside an event loop (a test, the publisher) works.
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(asyncio.run(_index(records, target)))
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    if errors:
        raise RuntimeError(f"sitesearch: Pagefind failed: {errors[0]!r}") from errors[0]
    return results[0]


def sort_languages(entry: Path) -> None:
    """Pagefind lists languages in hash-map order; sorted, the same index gives the same bytes."""
    import json

    data = json.loads(entry.read_text(encoding="utf-8"))
    data["languages"] = dict(sorted(data.get("languages", {}).items()))
    entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def build_index(output: Path, settings: dict[str, Any] | None = None) -> int:
    """Index ``output`` (only what changed, when the build is incremental); returns the pages indexed."""
    import tempfile

    from incremental import tracker_of

    settings = settings or {}
    tracker = tracker_of(settings)
    started = time.monotonic()
    scratch = None if tracker else tempfile.TemporaryDirectory(prefix="sitesearch-")
    records = Records(tracker.cache / "search" if tracker else Path(scratch.name))  # type: ignore[union-attr]
    try:
        if tracker is not None:
            pages = sorted(n for n in tracker.record.produced if n.endswith(".html"))
            changed = [p for p in pages if p in tracker.rewritten or p not in records.seen]
        else:
            pages = sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html"))
            changed = pages
        for page in changed:
            records.update(page, record_of((output / page).read_text(encoding="utf-8")))
        for page in records.seen - set(pages):
            records.remove(page)
        digest = records.current_digest()
        if digest == records.digest and (output / "pagefind" / "pagefind.js").exists():
            log.info("sitesearch: %d pages read, index unchanged", len(changed))
            return len(records.pages)
        log.info(
            "sitesearch: %d pages read; indexing %d pages with Pagefind (extended) …", len(changed), len(records.pages)
        )
        fresh, old = output / ".pagefind-new", output / ".pagefind-old"
        for folder in (fresh, old):
            shutil.rmtree(folder, ignore_errors=True)
        records.pages_folder.mkdir(parents=True, exist_ok=True)
        count = run_pagefind(records.pages_folder, fresh)
        sort_languages(fresh / "pagefind-entry.json")
        # Swap the folders: the index is whole before and after, never half-written.
        final = output / "pagefind"
        if final.exists():
            final.rename(old)
        fresh.rename(final)
        shutil.rmtree(old, ignore_errors=True)
        records.digest = digest
        records.save()
        log.info("sitesearch: %d pages indexed in %.1f s", count, time.monotonic() - started)
        return count
    finally:
        if scratch is not None:
            scratch.cleanup()


def on_finalized(pelican: Any) -> None:
    if options(pelican.settings)["enabled"]:
        build_index(Path(pelican.output_path), pelican.settings)


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.finalized.connect(on_finalized)
