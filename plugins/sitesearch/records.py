"""Per-page search records: the part of a page Pagefind indexes, kept between builds.

A record is the page's ``data-pagefind-body`` element in a minimal document
with the page's ``lang``. The records of a shard are kept together in one file,
``cache/search/s<k>.pickle`` ({page path: record}), with an index of every
page's record digest in ``records.pickle``. One file per shard, not one per
page: on our build machines each file and folder made costs 0.1-0.5 ms of
file-system time, and a clean build of 5,000 posts has 10,000 records.

Pagefind's command reads a site from disk, so a shard being indexed is laid
out as pages (``<page path>``) in a scratch folder, in memory (``/dev/shm``)
where the machine has it, and removed afterwards.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger("sitesearch")
FORMAT = 5
INDEX_FILE = "records.pickle"
BODY_START = re.compile(r"<(?P<tag>[a-z]+)\b[^>]*\bdata-pagefind-body\b[^>]*>")
LANG = re.compile(r'<html lang="(?P<lang>[^"]+)"')
SCRATCH = "/dev/shm"  # a folder in memory, where Linux has one; else the system's temporary folder
SCRATCH_PREFIX = "sitesearch-"  # then the process's id: sitesearch-<pid>-<random>


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


class Layout(NamedTuple):
    """How the pages are split into shards: ``shards`` of them, a page in the one a hash of its path picks.

    Only Simplified pages are indexed: a Traditional page is found as its Simplified twin, whose result carries
    the Traditional text (see ``search.add_edition``), so the edition costs Pagefind nothing and a search
    fetches the same shards on either edition. ``edition`` names the conversion that text was made with
    (hantedition's OpenCC configuration, "" without that edition): records of another are read again."""

    shards: int
    edition: str = ""

    @classmethod
    def for_pages(cls, pages: list[str], per_shard: int, edition: str = "") -> Layout:
        return cls(max(1, math.ceil(len(pages) / per_shard)), edition)

    def of(self, page: str) -> int:
        """The page's shard; it depends only on the path."""
        return int.from_bytes(hashlib.blake2b(page.encode(), digest_size=8).digest(), "big") % self.shards


def digest_of(record: str) -> str:
    return hashlib.blake2b(record.encode(), digest_size=16).hexdigest()


def scratch_base() -> Path:
    """Where scratch folders go: ``SCRATCH`` where it is a folder this process may write to, else the system's
    temporary folder."""
    return Path(SCRATCH if os.path.isdir(SCRATCH) and os.access(SCRATCH, os.W_OK) else tempfile.gettempdir())


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def clear_dead_scratch(base: Path) -> list[Path]:
    """Remove the scratch folders of processes that no longer run; returns them. A build's search step calls it
    once, before it lays out its first shard.

    A build stopped by SIGTERM (a service restarted) or SIGKILL runs no cleanup, and a scratch folder in
    ``/dev/shm`` holds its shard's records (about 1 MB) in memory until the machine restarts. Each folder is
    named after the process that made it; a process still running, this one too, keeps its folders."""
    removed = []
    for folder in base.glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not is_running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextmanager
def laid_out(records: dict[str, str]) -> Iterator[Path]:
    """A scratch folder holding ``records`` as pages at their paths, for Pagefind's command; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=scratch_base()))
    try:
        made: set[Path] = set()
        # Pagefind numbers pages in the order it finds them, and a folder in memory lists its files in the
        # order they were made: made in sorted order, the same records give the same index.
        for page, record in sorted(records.items()):
            path = folder / page
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_text(record, encoding="utf-8")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Records:
    """{page: digest of its record} for pages that have one, plus every page read; the records, by shard."""

    def __init__(self, folder: Path, layout: Layout) -> None:
        self.folder = folder
        self.layout = layout
        self.pages: dict[str, str] = {}
        self.seen: set[str] = set()
        self.indexed: dict[int, str] = {}  # shard -> digest of the records its index was built from
        stored = self._load()
        if stored is not None and stored.get("layout") == tuple(layout):
            self.pages, self.seen, self.indexed = stored["pages"], stored["seen"], stored["indexed"]
        elif folder.exists():
            shutil.rmtree(folder)  # another layout (or a damaged cache): read every page again

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

    def shard_file(self, shard: int) -> Path:
        return self.folder / f"s{shard}.pickle"

    def by_shard(self) -> dict[int, list[str]]:
        """The pages that have a record, sorted, by shard."""
        groups: dict[int, list[str]] = {}
        for page in sorted(self.pages):
            groups.setdefault(self.layout.of(page), []).append(page)
        return groups

    def load_shard(self, shard: int, pages: list[str]) -> dict[str, str] | None:
        """The shard's records, which must be those of ``pages``; None when its file is missing, unreadable or
        out of step with the index (its pages must then be read again)."""
        try:
            records = pickle.loads(self.shard_file(shard).read_bytes())
        except FileNotFoundError:
            return None if pages else {}
        except Exception:
            log.warning("sitesearch: records of shard s%d unreadable; reading its pages again", shard)
            return None
        return records if isinstance(records, dict) and sorted(records) == pages else None

    def save_shard(self, shard: int, records: dict[str, str]) -> None:
        from incremental.tracker import write_atomically

        write_atomically(self.shard_file(shard), pickle.dumps(dict(sorted(records.items())), pickle.HIGHEST_PROTOCOL))

    def update(self, records: dict[str, str], page: str, record: str | None) -> bool:
        """Note ``page``'s record in its shard's ``records``; True when that changed the shard."""
        self.seen.add(page)
        if record is None:
            return self.remove(records, page, forget=False)
        digest = digest_of(record)
        if self.pages.get(page) == digest and page in records:
            return False
        records[page] = record
        self.pages[page] = digest
        return True

    def remove(self, records: dict[str, str], page: str, forget: bool = True) -> bool:
        if forget:
            self.seen.discard(page)
        records.pop(page, None)
        return self.pages.pop(page, None) is not None

    def shard_digest(self, pages: list[str]) -> str:
        """The digest of a shard's records, from their digests (``pages`` sorted)."""
        h = hashlib.blake2b(digest_size=16)
        for page in pages:
            h.update(f"{page}\0{self.pages[page]}\0".encode())
        return h.hexdigest()

    def save(self) -> None:
        from incremental.tracker import write_atomically

        data = {
            "format": FORMAT,
            "layout": tuple(self.layout),
            "pages": self.pages,
            "seen": self.seen,
            "indexed": self.indexed,
        }
        write_atomically(self.folder / INDEX_FILE, pickle.dumps(data))
        for stale in self.folder.glob("s*.pickle"):
            if not stale.stem[1:].isdigit() or int(stale.stem[1:]) >= self.layout.shards:
                stale.unlink()
