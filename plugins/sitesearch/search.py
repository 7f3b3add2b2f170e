"""Indexes the finished output (both editions) into ``pagefind/``.

Only elements marked ``data-pagefind-body`` are indexed: posts, answers,
guides and station pages. Pagefind splits the index by each page's ``lang``,
so the Traditional edition searches its own words.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path
from typing import Any

from pelican import signals

log = logging.getLogger(__name__)


async def _index(output: Path) -> dict[str, Any]:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(output_path=str(output / "pagefind"))
    async with PagefindIndex(config=config) as index:
        result = await index.add_directory(str(output))
        await index.write_files()
    return dict(result)


def build_index(output: Path) -> int:
    """Index ``output``; returns the number of pages indexed."""
    started = time.monotonic()
    pages = sum(1 for _ in output.rglob("*.html"))
    log.info("sitesearch: indexing %d pages with Pagefind (extended) …", pages)
    # Pagefind's API is asynchronous; run it on a thread of its own so that a
    # build started from inside an event loop (a test, a live-reload server) works.
    results: list[dict[str, Any]] = []
    worker = threading.Thread(target=lambda: results.append(asyncio.run(_index(output))))
    worker.start()
    worker.join()
    if not results:
        raise RuntimeError("sitesearch: Pagefind did not finish; see the log above")
    result = results[0]
    log.info("sitesearch: %s pages indexed in %.1f s", result.get("page_count"), time.monotonic() - started)
    return int(result.get("page_count", 0))


def on_finalized(pelican: Any) -> None:
    if pelican.settings.get("SITESEARCH", {}).get("enabled", True):
        build_index(Path(pelican.output_path))


def register() -> None:
    signals.finalized.connect(on_finalized)
