"""Per-page search records: the part of a page Pagefind indexes, kept between builds.

A record is the page's ``data-pagefind-body`` element in a minimal document
with the page's ``lang``. Records live as small files under
``cache/search/pages/s<k>/<page path>``, one folder per shard, so that
Pagefind can index a shard's folder as if it were the site.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import shutil
from pathlib import Path

log = logging.getLogger("sitesearch")
FORMAT = 2
INDEX_FILE = "records.pickle"
BODY_START = re.compile(r"<(?P<tag>[a-z]+)\b[^>]*\bdata-pagefind-body\b[^>]*>")
LANG = re.compile(r'<html lang="(?P<lang>[^"]+)"')


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


def shard_of(page: str, shards: int, edition_prefix: str = "zh-hant/") -> int:
    """A page and its Traditional twin share a shard; the assignment depends only on the path."""
    key = page.removeprefix(edition_prefix)
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % shards


class Records:
    """{page: digest of its record} for pages that have one, plus every page read."""

    def __init__(self, folder: Path, shards: int) -> None:
        self.folder = folder
        self.shards = shards
        self.pages: dict[str, str] = {}
        self.seen: set[str] = set()
        self.indexed: dict[int, str] = {}  # shard -> digest of the records its index was built from
        stored = self._load()
        if stored is not None and stored.get("shards") == shards:
            self.pages, self.seen, self.indexed = stored["pages"], stored["seen"], stored["indexed"]
        elif folder.exists():
            shutil.rmtree(folder)  # another shard count (or a damaged cache): read every page again

    def _load(self) -> dict | None:
        path = self.folder / INDEX_FILE
        if not path.exists():
            return None
        try:
            stored = pickle.loads(path.read_bytes())
        except Exception:  # a damaged cache only costs reading every page again
            log.warning("sitesearch: record cache unreadable; reading every page")
            return None
        return stored if isinstance(stored, dict) and stored.get("format") == FORMAT else None

    def shard_folder(self, shard: int) -> Path:
        return self.folder / "pages" / f"s{shard}"

    def update(self, page: str, record: str | None) -> None:
        from incremental.tracker import write_atomically

        self.seen.add(page)
        if record is None:
            self.remove(page, forget=False)
            return
        path = self.shard_folder(shard_of(page, self.shards)) / page
        digest = hashlib.blake2b(record.encode(), digest_size=16).hexdigest()
        if self.pages.get(page) != digest or not path.exists():
            write_atomically(path, record.encode())
            self.pages[page] = digest

    def remove(self, page: str, forget: bool = True) -> None:
        if forget:
            self.seen.discard(page)
        if self.pages.pop(page, None) is not None:
            (self.shard_folder(shard_of(page, self.shards)) / page).unlink(missing_ok=True)

    def shard_digests(self) -> dict[int, str]:
        hashes = {shard: hashlib.blake2b(digest_size=16) for shard in range(self.shards)}
        counts = dict.fromkeys(range(self.shards), 0)
        for page, digest in sorted(self.pages.items()):
            shard = shard_of(page, self.shards)
            hashes[shard].update(f"{page}\0{digest}\0".encode())
            counts[shard] += 1
        return {shard: h.hexdigest() for shard, h in hashes.items() if counts[shard]}

    def save(self) -> None:
        from incremental.tracker import write_atomically

        data = {
            "format": FORMAT,
            "shards": self.shards,
            "pages": self.pages,
            "seen": self.seen,
            "indexed": self.indexed,
        }
        write_atomically(self.folder / INDEX_FILE, pickle.dumps(data))
