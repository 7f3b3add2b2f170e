"""The long-running publisher: content commits and relay approvals reach the public site in seconds.

The site is served from ``ROOT/current``, a symlink to one of two build
folders, ``ROOT/site-a`` and ``ROOT/site-b``. Each change is built
incrementally into the folder that is *not* being served (each keeps its own
build record under ``ROOT/cache-a`` or ``ROOT/cache-b``), then the symlink is
switched atomically. Readers therefore see the old site or the new one,
never a half-written one; a reader still reading a file from the old folder
keeps its own copy, since every file is replaced by rename.

Changes come from two places:

- the content folder, watched with ``watchfiles`` (inotify);
- the relay, when a store is given: ``Store.wait_for_change`` wakes on
  PostgreSQL ``NOTIFY`` or a short SQLite poll, and the export is written anew.

Changes arriving together are batched: after the first, the publisher waits
for a quiet ``settle`` period (bounded by ``max_wait``) and builds once. After a
publish, the answers in the export are marked live in the relay, so that
their tracking pages link to them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import queue
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .hotpath import Snapshot, write_pages
from .metrics import PublisherMetrics

log = logging.getLogger("publisher")

# A batch editing more posts than this (a big merge, a checkout) waits for the full build, which renders in worker
# processes: the fast path renders one page after another while it holds the lock the switch needs.
FAST_PATH_MOST = 20
# After a failed build (a full disk, the relay's database away), the batch is built again after a pause that
# doubles each time, up to the longest; a new change starts a build at once.
RETRY_FIRST, RETRY_LONGEST = 5.0, 300.0
# The same for the relay's store while it cannot be reached (PostgreSQL restarting, the network).
RECONNECT_FIRST, RECONNECT_LONGEST = 1.0, 30.0
LOCK_FILE = ".publisher.lock"
JOURNAL, PENDING = "fast-pages.json", "fast-pages.pending"


class MarkingFailed(RuntimeError):
    """The build went live, but the relay could not be told (its database away): the build is tried again."""


class PublisherBusy(RuntimeError):
    """Another publisher holds the root: two would build into the same folders and switch between them."""


class FastJournal:
    """The files the fast path wrote into a build folder since that folder's last build, kept in its build cache
    (``cache-a/fast-pages.json``), so that a publisher started again after a crash or a reboot still knows them.

    Its build record does not hold them, so the next build into the folder deletes them first and writes them
    anew; otherwise it could keep a page or a list that shows an answer withdrawn since. ``fast-pages.pending``
    is there while the fast path writes: one left behind (a publisher killed in the middle) means the files
    written are unknown, and the folder is built from scratch."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache

    def names(self) -> set[str] | None:
        """The files written; None when they are unknown (a write cut short, an unreadable journal)."""
        return None if (self.cache / PENDING).exists() else self._read()

    def _read(self) -> set[str] | None:
        try:
            names = json.loads((self.cache / JOURNAL).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return set()
        except (OSError, ValueError):
            return None
        return set(names) if isinstance(names, list) and all(isinstance(n, str) for n in names) else None

    @contextmanager
    def writing(self) -> Iterator[list[str]]:
        """Around the fast path's writes into the folder: the caller adds the files it wrote to the list."""
        from incremental.tracker import write_atomically

        self.cache.mkdir(parents=True, exist_ok=True)
        (self.cache / PENDING).touch()
        written: list[str] = []
        yield written  # an exception leaves PENDING: what was written is not known
        known = self._read()
        if known is not None:  # else it stays unknown, and PENDING stays too
            write_atomically(self.cache / JOURNAL, json.dumps(sorted(known | set(written))).encode())
            (self.cache / PENDING).unlink()

    def clear(self) -> None:
        for name in (JOURNAL, PENDING):
            (self.cache / name).unlink(missing_ok=True)


@dataclass
class Release:
    folder: Path
    seconds: float
    reasons: list[str]
    live_items: int = 0


@dataclass
class Publisher:
    """Builds ``settings`` into the idle folder under ``root`` and switches ``root/current`` to it."""

    root: Path
    settings_factory: Callable[[], dict[str, Any]]
    store: Any = None  # relay.store.Store, when answers come from a relay
    settle: float = 0.2
    max_wait: float = 2.0
    changes: queue.Queue[str] = field(default_factory=queue.Queue)
    stopping: threading.Event = field(default_factory=threading.Event)
    releases: list[Release] = field(default_factory=list)
    # The fast path's latest writes: (seconds taken, folder, files, when); the switch carries recent ones over.
    hot_pages: deque[tuple[float, Path, list[str], float]] = field(default_factory=lambda: deque(maxlen=256))
    builds: queue.Queue[list[str]] = field(default_factory=queue.Queue)  # batches for the builder thread
    lock: threading.Lock = field(default_factory=threading.Lock)  # the switch, and writes into the served folder
    content: Path | None = None
    snapshot: Snapshot | None = None
    snapshots_taken: int = 0
    lock_file: Any = None  # the open LOCK_FILE, held while the publisher runs
    exported_items: dict[int, str] = field(default_factory=dict)  # id -> the item as last built
    metrics: PublisherMetrics = field(default_factory=PublisherMetrics)
    metrics_address: str = ""  # host:port to answer Prometheus on while running; none when empty

    @property
    def current(self) -> Path:
        return self.root / "current"

    @property
    def export_path(self) -> Path:
        return self.root / "export.json"

    def live_folder(self) -> Path | None:
        return self.current.resolve() if self.current.is_symlink() else None

    def idle_folder(self) -> tuple[Path, Path]:
        live = self.live_folder()
        folder = self.root / ("site-b" if live is not None and live.name == "site-a" else "site-a")
        return folder, self.cache_of(folder)

    # The fast path ---------------------------------------------------------

    def hot(self, batch: list[str]) -> list[str]:
        """Write the pages that changed straight into the served folder (see hotpath.py)."""
        snapshot, live = self.snapshot, self.live_folder()
        if snapshot is None or live is None:
            return []
        started = time.monotonic()
        articles: list[Any] = []
        answered: list[int] = []
        posts = {change for change in batch if change.startswith("content:posts/") and change.endswith(".md")}
        if len(posts) > FAST_PATH_MOST:
            log.info("publisher: %d posts changed at once; the full build takes them", len(posts))
            return []
        for change in dict.fromkeys(batch):
            if change.startswith("content:posts/") and change.endswith(".md") and self.content is not None:
                try:
                    article = snapshot.edited_post(self.content / change.removeprefix("content:"))
                except Exception:  # a broken post is the full build's to report
                    article = None
                if article is not None:
                    articles.append(article)
            elif change == "relay" and self.store is not None:
                from relay.export import build_export

                # Read, not written: the export file is the builder's (see publish).
                for item in build_export(self.store, dt.datetime.now(dt.UTC))["items"]:
                    if self.exported_items.get(item["id"]) != json.dumps(item, sort_keys=True):
                        article = snapshot.answer(item)
                        if article is not None:
                            articles.append(article)
                            answered.append(item["id"])
        if not articles:
            return []
        if len(articles) > FAST_PATH_MOST:
            log.info("publisher: %d pages changed at once; the full build takes them", len(articles))
            return []
        with self.lock:  # not while the builder switches folders
            live = self.live_folder() or live
            with FastJournal(self.cache_of(live)).writing() as written:
                written += write_pages(snapshot, articles, live)
            self.hot_pages.append((time.monotonic() - started, live, written, time.monotonic()))
        self.metrics.releases.labels("fast").inc()
        if answered:
            self.store.mark_live(answered, dt.datetime.now(dt.UTC))
        seconds = time.monotonic() - started
        log.warning("publisher: %d pages live first in %.2f s: %s", len(written), seconds, ", ".join(written)[:200])
        return written

    # The full build ------------------------------------------------------

    def publish(self, reasons: list[str]) -> Release | None:
        """One build into the idle folder and the switch; None when the content has errors."""
        from pelican import signals

        from citymodel import ContentError

        started, begun = time.monotonic(), time.time()
        items: list[tuple[int, dict[str, Any]]] = []
        if self.store is not None:
            from relay.export import write_export

            items = [(item["id"], item) for item in write_export(self.store, self.export_path)["items"]]
        with self.lock:
            folder, cache = self.idle_folder()
        journal = FastJournal(cache)
        written = journal.names()
        if written is None:
            log.warning("publisher: the fast path was cut short while writing into %s; building it anew", folder.name)
        for name in written or ():
            (folder / name).unlink(missing_ok=True)  # written by the fast path: the build writes them anew
        settings = self.settings_factory()
        settings["OUTPUT_PATH"] = str(folder)
        settings["INCREMENTAL"] = {
            **settings.get("INCREMENTAL", {}),
            "cache": str(cache),
            "save_reader_cache_later": True,
            "clean": written is None,  # what the fast path wrote there is unknown
        }
        if self.store is not None:
            settings["PUBLIC_ANSWERS"] = {**settings.get("PUBLIC_ANSWERS", {}), "export": str(self.export_path)}
        taken = self.snapshots_taken  # not the snapshot itself: holding it kept the previous city through the build
        signals.all_generators_finalized.connect(self.take_snapshot)
        try:
            run_pelican(settings)
        except ContentError as error:
            log.error("publisher: the content has errors; the site stays as it was:\n%s", error)
            self.metrics.failures.labels("content").inc()
            self.metrics.content_problems.set(len(error.problems))
            return None
        except BaseException:
            if self.snapshots_taken != taken:
                # The fast path follows this build from its snapshot on, but the build never went live: lists
                # written from it would link to pages the served folder does not have. Nothing goes the fast
                # way until a build goes live.
                self.let_go_of_snapshot()
            raise
        finally:
            signals.all_generators_finalized.disconnect(self.take_snapshot)
        journal.clear()  # only now: a build that failed leaves the next one to know what to rebuild
        with self.lock:
            switch_symlink(self.current, folder)
            self.carry_over_fast_pages(folder, started)
        give_back_memory()
        release = Release(folder, time.monotonic() - started, reasons)
        self.metrics.went_live(begun, release.seconds)
        if self.store is not None and items:
            try:
                marked = self.store.mark_live([item_id for item_id, _ in items], dt.datetime.now(dt.UTC))
            except Exception as error:
                raise MarkingFailed(f"{folder.name} is live, but its answers could not be marked live") from error
            release.live_items = marked
        # Only once marked: the fast path takes an answer the relay does not know to be live yet again.
        self.exported_items = {item_id: json.dumps(item, sort_keys=True) for item_id, item in items}
        self.releases.append(release)
        log.warning(
            "publisher: live %s in %.2f s (%s)%s",
            folder.name,
            release.seconds,
            ", ".join(sorted(set(reasons)))[:200],
            f"; {release.live_items} answers now live" if release.live_items else "",
        )
        return release

    def take_snapshot(self, generators: list[Any]) -> None:
        """``all_generators_finalized``: the fast path works from this build's context from now on.

        The build has read the whole city and has not written yet. Taking its generators here, rather than
        when it ends, lets the previous build's context go before the writing starts (the heavier half):
        otherwise the publisher held two cities at once through every build, 512 MB against 330 for the
        first build at 20,000 posts. Pages the fast path writes from here on are this build's state, which
        is what the served folder shows next; until the switch they go into the old folder and are carried
        over (``carry_over_fast_pages``)."""
        from incremental import tracker_of
        from incremental.plugin import forget_rendered_content
        from pelican.generators import ArticlesGenerator

        articles = [g for g in generators if isinstance(g, ArticlesGenerator)]
        if not articles:
            return
        started = time.monotonic()
        stations = [g for g in generators if type(g).__name__ == "StationPagesGenerator"]
        self.snapshot = Snapshot.of(articles[-1], stations[-1] if stations else None)
        self.snapshots_taken += 1
        # Pelican's memoized content keeps what the fast path rendered since the last build, and through each
        # page's context the whole previous city, until this build ends: let it go now.
        forget_rendered_content()
        # The previous context is a web of cycles (articles ↔ context ↔ settings): collected, and its memory
        # handed back to the system, not only to this process's allocator (at 20,000 posts, the whole
        # publisher at most 566 MB with Pagefind, against 659 MB collected only and 728 MB before).
        give_back_memory()
        # Only now Pelican's reader cache is saved (INCREMENTAL["save_reader_cache_later"]): the copy it makes of
        # every post no longer comes on top of two cities.
        tracker = tracker_of(articles[-1].settings)
        if tracker is not None:
            tracker.run_deferred()
        log.info(
            "publisher: the fast path follows this build (the previous city let go in %.2f s)",
            time.monotonic() - started,
        )

    def seed_idle_folder(self) -> bool:
        """When the idle folder holds no build of its own (the publisher's first start), make it a copy of the
        live folder's build (``incremental.copy_build``); True if it did.

        The second start-up build is then an incremental one that finds nothing to do, instead of a second
        clean build: at 20,000 posts a copy (10-11 s) and that build (15-16 s) against 83-93 s, and without
        the clean build's render workers and Pagefind runs, which in a process that had built the city once
        already were the publisher's memory peak (the tree up to 670 MB)."""
        from incremental import copy_build
        from incremental.tracker import RECORD

        live = self.live_folder()
        folder, cache = self.idle_folder()
        if live is None or (cache / RECORD).exists():
            return False
        started = time.monotonic()
        try:
            copied = copy_build(live, self.cache_of(live), folder, cache)
        except (OSError, subprocess.CalledProcessError) as error:  # a full disk, say: the build makes it whole
            said = error.stderr.decode(errors="replace") if isinstance(error, subprocess.CalledProcessError) else ""
            detail = said.strip().splitlines()[0] if said.strip() else error  # cp says it once for each file
            log.warning(
                "publisher: could not copy %s to %s (%s); building it from scratch", live.name, folder.name, detail
            )
            return False
        if not copied:
            return False
        log.warning("publisher: %s copied from %s in %.1f s", folder.name, live.name, time.monotonic() - started)
        return True

    def cache_of(self, folder: Path) -> Path:
        """The build cache of ``site-a`` or ``site-b``."""
        return self.root / f"cache-{folder.name.removeprefix('site-')}"

    def let_go_of_snapshot(self) -> None:
        """Drop the fast path's context and hand its memory back (the fast path has nothing to work from until
        the next build's ``take_snapshot``)."""
        from incremental.plugin import forget_rendered_content

        self.snapshot = None
        forget_rendered_content()
        give_back_memory()

    def carry_over_fast_pages(self, folder: Path, since: float) -> None:
        """Pages the fast path wrote into the old folder while this build ran may be newer than the build's:
        copy them over (and mark them, so that the next build into this folder writes them anew)."""
        from incremental.tracker import write_atomically

        recent = [(source, written) for _, source, written, at in self.hot_pages if at >= since and source != folder]
        if not recent:
            return
        with FastJournal(self.cache_of(folder)).writing() as carried:
            for source, written in recent:
                for name in written:
                    if (source / name).exists():
                        write_atomically(folder / name, (source / name).read_bytes())
                carried += written

    # Watching ------------------------------------------------------------

    def watch_content(self, content: Path) -> None:
        from watchfiles import watch

        for changes in watch(content, stop_event=self.stopping, debounce=50, step=20, rust_timeout=1000):
            for _, path in changes:
                self.changes.put(f"content:{Path(path).relative_to(content)}")

    def watch_relay(self) -> None:
        """Queue "relay" whenever the export may have changed. While the store cannot be reached (PostgreSQL
        restarting, the network) it tries again after a pause that doubles up to ``RECONNECT_LONGEST``; the
        approvals made meanwhile change the token, so they are published once it is back."""
        token: str | None = None
        pause, lost = RECONNECT_FIRST, False
        while not self.stopping.is_set():
            try:
                new = self.store.publish_token() if token is None else self.store.wait_for_change(token, timeout=1.0)
            except Exception as error:
                if not lost:
                    log.warning("publisher: the relay's store cannot be reached (%s); trying again", first_line(error))
                lost = True
                self.stopping.wait(pause)
                pause = min(pause * 2, RECONNECT_LONGEST)
                continue
            if lost:
                log.warning("publisher: the relay's store answers again")
                lost, pause = False, RECONNECT_FIRST
            if token is not None and new != token:
                self.changes.put("relay")
            token = new

    def next_batch(self) -> list[str]:
        """Blocks for a change, then gathers the ones that follow within ``settle`` (at most ``max_wait``)."""
        first = self.changes.get()
        batch, deadline = [first], time.monotonic() + self.max_wait
        while time.monotonic() < deadline:
            try:
                batch.append(self.changes.get(timeout=self.settle))
            except queue.Empty:
                break
        return batch

    def run(self, content: Path, once: bool = False) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.hold_root()  # first: a second publisher stops here, before it takes the metrics port
        server = self.metrics.serve(self.metrics_address) if self.metrics_address and not once else None
        try:
            self._run(content, once)
        finally:
            if server is not None:
                server.shutdown()
                server.server_close()
            self.release_root()

    def _run(self, content: Path, once: bool) -> None:
        self.content = content
        if once:
            self.publish(["start"])
            return
        # Watch first: a change saved while the first builds run is not missed.
        threads = [threading.Thread(target=self.watch_content, args=(content,), daemon=True, name="watch-content")]
        if self.store is not None:
            threads.append(threading.Thread(target=self.watch_relay, daemon=True, name="watch-relay"))
        for thread in threads:
            thread.start()
        self.publish(["start"])
        # Nothing is served from the snapshot before the loop below starts: let the first build's city go
        # before the second reads its own, instead of holding both through the second's reading.
        self.let_go_of_snapshot()
        self.seed_idle_folder()
        self.publish(["start: the second folder"])  # both folders warm: later builds are incremental
        builder = threading.Thread(target=self.build_loop, daemon=True, name="builder")
        builder.start()
        print(f"publisher: watching {content}{' and the relay' if self.store is not None else ''}", flush=True)
        # The fast path runs here as changes come; full builds run on the builder thread, so that a change
        # arriving during a build still goes live at once.
        while not self.stopping.is_set():
            batch = self.next_batch()
            if "stop" in batch:
                break
            self.metrics.changed()
            try:
                self.hot(batch)
            except Exception:  # the full build follows and reports what is wrong
                log.exception("publisher: the fast path failed; the full build follows")
            self.builds.put(batch)
        self.builds.put(["stop"])
        builder.join()

    def build_loop(self) -> None:
        """Full builds, one after the other; changes that queued up during one build make the next.

        A build that fails (a full disk, the relay's database away) is not dropped: its batch is built again
        after ``RETRY_FIRST`` seconds, then twice as long each time up to ``RETRY_LONGEST``, or at once with the
        next change. A content error is not retried: the next edit is what changes it."""
        failed: list[str] = []
        retry_at, pause = 0.0, RETRY_FIRST
        while True:
            try:
                batch = self.builds.get(timeout=max(0.0, retry_at - time.monotonic()) if failed else None)
            except queue.Empty:
                batch = []  # time to try the failed batch again
            while True:
                try:
                    batch = batch + self.builds.get_nowait()
                except queue.Empty:
                    break
            if "stop" in batch:
                return
            batch = list(dict.fromkeys(failed + batch))
            try:
                self.publish(batch)
            except Exception as error:  # one failed build must not stop the service
                self.metrics.failures.labels("other").inc()
                failed, retry_at = batch, time.monotonic() + pause
                if isinstance(error, MarkingFailed):
                    log.error("publisher: %s (%s); trying again in %.0f s", error, first_line(error.__cause__), pause)
                else:
                    log.exception("publisher: build failed; the site stays as it was; trying again in %.0f s", pause)
                pause = min(pause * 2, RETRY_LONGEST)
            else:
                failed, pause = [], RETRY_FIRST

    def stop(self) -> None:
        self.stopping.set()
        self.changes.put("stop")

    def hold_root(self) -> None:
        """Take the root for this process (a lock on ``ROOT/.publisher.lock``, let go when the process ends,
        however it ends) and remove what a publisher stopped in the middle left in it; raises PublisherBusy when
        another publisher runs on it (an operator's ``invoke publisher`` beside the service, say)."""
        lock_file = (self.root / LOCK_FILE).open("a+")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            holder = lock_file.read().strip() or "?"
            lock_file.close()
            raise PublisherBusy(
                f"another publisher (process {holder}) is publishing into {self.root}; stop it first"
            ) from None
        lock_file.seek(0)
        stopped_midway = bool(lock_file.read().strip())  # the last publisher here never let go (release_root)
        lock_file.truncate(0)
        lock_file.write(f"{os.getpid()}\n")
        lock_file.flush()
        self.lock_file = lock_file
        # A folder copy or swap cut short (``replace_folder``: 1.2 GB at 20,000 posts) and a symlink not renamed
        # into place: nothing else removes them while the publisher runs.
        leftovers = [*self.root.glob(".site-*-new"), *self.root.glob(".site-*-old"), *self.root.glob(".current.*.tmp")]
        for leftover in leftovers:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            log.warning("publisher: removed %s, left by a publisher that was stopped", leftover.name)
        # A file written atomically (``write_atomically``) whose process was killed between writing it and its
        # rename: no build record names it, so no build would remove it. Looked for only after a publisher that
        # did not stop cleanly: a walk through both folders and caches takes about 1 s at 2,000 posts (49,000
        # files, cold).
        removed = 0
        for folder in ("site-a", "site-b", "cache-a", "cache-b") if stopped_midway else ():
            for parent, _, files in os.walk(self.root / folder):
                for name in files:
                    if name.startswith(".tmp-"):
                        Path(parent, name).unlink(missing_ok=True)
                        removed += 1
        if removed:
            log.warning("publisher: removed %d half-written files left by a publisher that was stopped", removed)

    def release_root(self) -> None:
        if self.lock_file is not None:
            self.lock_file.truncate(0)  # stopped cleanly: the next start need not look for half-written files
            self.lock_file.close()  # the lock goes with it
            self.lock_file = None


def first_line(error: BaseException | None) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def give_back_memory() -> None:
    """After a build, collect the cycles it left and hand the freed heap back to the system (glibc's
    ``malloc_trim``): a process that builds a city again and again otherwise keeps each build's high-water
    mark. At 5,000 posts: 249 MB between publishes without it, 210 MB with it."""
    import gc

    from incremental import hand_back_memory

    gc.collect()
    hand_back_memory()


def run_pelican(settings: dict[str, Any]) -> None:
    from pelican import Pelican

    Pelican(settings).run()


def switch_symlink(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` atomically (a new link renamed over the old one)."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    os.symlink(target.name if target.parent == link.parent else target, temporary)
    os.replace(temporary, link)
