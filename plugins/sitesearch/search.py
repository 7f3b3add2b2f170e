"""Indexes the finished output into ``pagefind/``, in shards.

Only the element marked ``data-pagefind-body`` of a page is indexed (posts,
answers and guides), and only in Simplified Chinese. ``search.js`` on the
Traditional pages searches the same index (the reader's question made
Simplified character by character) and shows each result in Traditional
characters, which ``add_edition`` writes into the result's stored data (its
fragment) after Pagefind, by the Traditional edition's own OpenCC conversion.
Pagefind's word splitting knows Simplified words; on the Traditional pages it
split most words into characters (戶口 as 戶 and 口), which ranked that
edition's results poorly, and indexing them cost as much again.

The index is split into shards (``pagefind/s0/``, ``s1/`` …, listed in
``pagefind/shards.json``; ``search.js`` merges them with Pagefind's
``mergeIndex``). A page belongs to a shard by a hash of its path (see
``records.Layout``), so one edit touches one shard. Each page's record is cached under ``cache/search/``; a
build re-reads only the pages it rewrote and asks Pagefind again only for the
shards whose records changed. Pagefind's memory is that of one shard, not of
the whole site, and shards are indexed several at once only within
``memory_mb`` (see ``Indexer``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from pelican import signals

from citymodel.options import plugin_options

from .records import Layout, Records, clear_dead_scratch, laid_out, record_of, scratch_base

log = logging.getLogger(__name__)
# pages_per_shard counts a shard's (Simplified) HTML pages, of which about nine in ten have a record. Pagefind
# takes about 55 MB plus 0.13 MB a record (1,254 records: 215 MB).
DEFAULTS: dict[str, Any] = {"enabled": True, "pages_per_shard": 1400, "memory_mb": 600}


def options(settings: dict[str, Any]) -> dict[str, Any]:
    return plugin_options(settings, "SITESEARCH", DEFAULTS, "sitesearch")


def check_settings(pelican: Any) -> None:
    """A typo in SITESEARCH stops the build before anything is read."""
    options(pelican.settings)


def run_pagefind(records: Path, target: Path) -> int:
    """Index the record folder ``records`` into ``target`` with Pagefind's own command; returns Pagefind's peak
    memory in bytes.

    The command, not the Python service API: that API ends the service with SIGTERM as soon as the last
    answer arrives, while Pagefind may still be writing files (we saw truncated bundles and an empty
    ``pagefind-entry.json``). The command exits when every file is written.
    """
    import subprocess

    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        raise RuntimeError("sitesearch: the Pagefind binary is missing; install pagefind[extended]")
    with tempfile.TemporaryFile() as said:
        process = subprocess.Popen(
            [str(binary), "--site", str(records), "--output-path", str(target), "--quiet"],
            stdin=subprocess.DEVNULL,
            stdout=said,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)  # wait4, not wait: it tells this process's own peak memory
        process.returncode = os.waitstatus_to_exitcode(status)
        said.seek(0)
        text = said.read().decode("utf-8", errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"sitesearch: Pagefind failed ({process.returncode}): {text[-2000:]}")
    return int(usage.ru_maxrss) * 1024


def resident_bytes() -> int:
    """This process's resident memory now (its peak where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Indexer:
    """Runs Pagefind on shards, several at once where the memory allows.

    The first shard is indexed alone, which tells how much memory one Pagefind takes; another starts beside
    the running ones only while this process's memory, plus that much for each Pagefind running and the new
    one, stays within ``budget`` bytes (and no more than ``processes`` at once). At 5,000 posts that means
    two at once, at 20,000 one (this process alone is 365 MB there).
    """

    def __init__(self, budget: int, processes: int, conversion: str | None = None) -> None:
        self.budget = budget
        self.conversion = conversion  # the Traditional edition's OpenCC configuration (see add_edition)
        self.processes = max(1, processes)
        self.peak: int | None = None  # the largest Pagefind so far
        self.running = 0
        self.most = 0  # the most Pagefind processes that ran at once
        self.errors: list[BaseException] = []
        self.threads: list[threading.Thread] = []
        self.changed = threading.Condition()

    def _may_start(self) -> bool:
        if self.errors:
            return True  # stop waiting; wait() reports the error
        if self.running == 0:
            return True
        if self.peak is None or self.running >= self.processes:
            return False
        return resident_bytes() + (self.running + 1) * self.peak * 1.1 <= self.budget

    def submit(self, records: dict[str, str], bundle: Path, done: Any) -> None:
        """Index ``records`` into ``bundle``, then call ``done(pages indexed)``; returns once it has started."""
        from incremental import hand_back_memory

        with self.changed:
            self.changed.wait_for(self._may_start)
            if self.errors:
                return
            self.running += 1
            self.most = max(self.most, self.running)
        # Reading pages and compressing copies meanwhile leave freed heap behind, which would stay in this
        # process beside each Pagefind: at 20,000 posts 354 MB at the end of the search step without this,
        # 333 MB with it (about 4 ms a call).
        hand_back_memory()
        thread = threading.Thread(target=self._index, args=(records, bundle, done), name=f"pagefind-{bundle.name}")
        thread.start()
        self.threads.append(thread)

    def _index(self, records: dict[str, str], bundle: Path, done: Any) -> None:
        try:
            with laid_out(records) as site:
                peak = index_shard(site, bundle, self.conversion)
            with self.changed:
                self.peak = max(self.peak or 0, peak)
            done(len(records))  # the pages laid out: counting them on disk again cost 1.4 s at 5,000 posts
        except BaseException as error:  # handed to the caller by wait()
            with self.changed:
                self.errors.append(error)
        finally:
            with self.changed:
                self.running -= 1
                self.changed.notify_all()

    def wait(self) -> None:
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]


def sort_languages(entry: Path) -> None:
    """Pagefind lists languages in hash-map order; sorted, the same index gives the same bytes."""
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["languages"] = dict(sorted(data.get("languages", {}).items()))
    entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def index_shard(records: Path, bundle: Path, conversion: str | None = None) -> int:
    """Build one shard's bundle beside ``bundle`` and swap it in whole; returns Pagefind's peak memory in bytes.
    With ``conversion`` (an OpenCC configuration), each result also carries its Traditional text
    (``add_edition``)."""
    from incremental.tracker import replace_folder

    def index(fresh: Path) -> int:
        peak = run_pagefind(records, fresh)
        sort_languages(fresh / "pagefind-entry.json")
        if conversion:
            add_edition(fresh, conversion)
        return peak

    return replace_folder(bundle, index)


FRAGMENT_SIGNATURE = b"pagefind_dcd"  # a fragment is gzip of this, then the page's data as JSON
EDITION_FIELDS = ("title", "kind")  # the metadata a result shows; with the text, given in Traditional too


def add_edition(bundle: Path, conversion: str) -> int:
    """Give each result of a Pagefind bundle its Traditional title, kind and text (``hant_title``, ``hant_kind``,
    ``hant_content`` in its metadata), converted as the Traditional edition converts its pages (OpenCC with
    ``conversion``, its configuration); returns how many. ``search.js`` shows them on the Traditional pages.

    Written into the fragments (the data Pagefind's script fetches for a result shown) after Pagefind, not
    given to Pagefind: it searches metadata, and the Traditional text as metadata doubled the index and its
    words outranked the pages' own (派出所, indexed as 派出 and 所, found the 7 twins whose Traditional text
    had kept it whole, not 132 pages); as filters it came out in a different order at each run. A fragment
    keeps its name (Pagefind's script does not check it against the content) and is written the same way
    each time: the same pages give the same bytes."""
    import gzip

    import opencc
    from incremental import hand_back_memory

    from relay.edition import corrected

    # Made for each bundle and let go of at once: held through the search step, its dictionaries (26 MB) stood
    # beside every Pagefind (20,000 posts: the whole build 591 MB at its peak, against 548 before the edition's
    # text was added; made and let go of here, and the heap trimmed, 548 MB again).
    converter = opencc.OpenCC(conversion)
    done = 0
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        if not data.startswith(FRAGMENT_SIGNATURE):
            raise RuntimeError(f"sitesearch: {path.name} is not a Pagefind fragment this build knows")
        fragment = json.loads(data[len(FRAGMENT_SIGNATURE) :])
        meta = fragment.setdefault("meta", {})
        for field in EDITION_FIELDS:
            if meta.get(field):
                meta[f"hant_{field}"] = corrected(converter.convert(meta[field]))
        # Pagefind marks its word breaks with zero-width spaces; OpenCC converts whole words, across them.
        meta["hant_content"] = corrected(converter.convert(fragment.get("content", "").replace("\u200b", "")))
        text = json.dumps(fragment, ensure_ascii=False, separators=(",", ":")).encode()
        path.write_bytes(gzip.compress(FRAGMENT_SIGNATURE + text, compresslevel=9, mtime=0))
        done += 1
    del converter
    hand_back_memory()
    return done


def edition_of(settings: dict[str, Any]) -> tuple[str, str | None]:
    """The Traditional edition's folder (``"zh-hant/"``), whose pages are not indexed (their Simplified twins are),
    and its OpenCC configuration (``s2tw``), for ``add_edition``; ("", None) when the build has no such edition."""
    if "hantedition" not in settings.get("PLUGINS", []):
        return "", None
    from hantedition.edition import options as edition_options

    chosen = edition_options(settings)
    return f"{chosen['prefix']}/", str(chosen["opencc"])


def shards_by_language(root: Path, present: list[int]) -> dict[str, list[str]]:
    """{language: the shards that hold its pages}, as Pagefind names the languages (``zh-cn``), from each
    bundle's own entry file; ``search.js`` merges the Simplified ones on either edition."""
    languages: dict[str, list[str]] = {}
    for shard in present:
        entry = json.loads((root / f"s{shard}" / "pagefind-entry.json").read_text(encoding="utf-8"))
        for language in sorted(entry.get("languages", {})):
            languages.setdefault(language, []).append(f"s{shard}/")
    return dict(sorted(languages.items()))


def build_index(output: Path, settings: dict[str, Any] | None = None, pages: list[str] | None = None) -> int:
    """Index ``output`` (only the shards that changed, when the build is incremental); returns the pages indexed.

    Shard by shard: read the pages of the shard that this build rewrote, update its records, and index it
    again if its records changed. Only the records of the shards being indexed are in memory.
    """
    from incremental import hand_back_memory, output_files, tracker_of
    from incremental.parallel import worker_count
    from incremental.tracker import write_if_changed

    # What rendering freed, before Pagefind's memory adds to this process's; it also lowers what the Indexer's
    # budget sees when it decides whether a second Pagefind may run beside the first (see Indexer.submit).
    hand_back_memory()
    for left in clear_dead_scratch(scratch_base()):
        log.warning("sitesearch: removed %s, left by a build that was stopped", left)
    settings = settings or {}
    opts = options(settings)
    started = time.monotonic()
    if pages is None:  # the site's HTML pages, all rendered now
        pages = [name for name in output_files(settings, output) if name.endswith(".html")]
    tracker = tracker_of(settings)
    prefix, conversion = edition_of(settings)
    pages = [page for page in pages if not (prefix and page.startswith(prefix))]  # found as their twins
    layout = Layout.for_pages(pages, int(opts["pages_per_shard"]), conversion or "")
    scratch = None if tracker else tempfile.TemporaryDirectory(prefix="sitesearch-")
    folder = tracker.cache / "search" if tracker else Path(scratch.name)  # type: ignore[union-attr]
    records = Records(folder, layout)
    try:
        to_read: dict[int, list[str]] = {}
        for page in pages:
            if tracker is None or page in tracker.rewritten or page not in records.seen:
                to_read.setdefault(layout.of(page), []).append(page)
        gone: dict[int, list[str]] = {}
        for page in sorted(records.seen - set(pages)):
            gone.setdefault(layout.of(page), []).append(page)
        before = records.by_shard()
        root = output / "pagefind"
        root.mkdir(parents=True, exist_ok=True)
        read = indexed = 0
        indexer = Indexer(int(opts["memory_mb"]) * 2**20, worker_count(settings), conversion)
        for shard in range(layout.shards):
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

            def done(count: int, shard: int = shard, digest: str = digest) -> None:
                records.indexed[shard] = digest
                log.info("sitesearch: shard s%d: %d pages indexed (%.1f s)", shard, count, time.monotonic() - started)

            indexer.submit(shard_records, bundle, done)
            indexed += 1
        indexer.wait()
        present = sorted(records.by_shard())
        for child in root.iterdir():
            if child.is_dir() and child.name not in {f"s{s}" for s in present}:
                shutil.rmtree(child)
        records.indexed = {s: d for s, d in records.indexed.items() if s in present}
        write_if_changed(root / "shards.json", json.dumps(shards_by_language(root, present)).encode())
        # The publisher's fast path lists a bundle of pages newer than this build here (see publisher/hotpath.py).
        write_if_changed(root / "hot.json", b"[]")
        records.save()
        log.info(
            "sitesearch: %d pages read; %d of %d shards indexed (%d records) in %.1f s, up to %d at once",
            read,
            indexed,
            len(present),
            len(records.pages),
            time.monotonic() - started,
            indexer.most,
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
