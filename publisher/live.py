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
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("publisher")


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
        name = "b" if live is not None and live.name == "site-a" else "a"
        return self.root / f"site-{name}", self.root / f"cache-{name}"

    # Building ------------------------------------------------------------

    def write_export(self) -> list[tuple[int, str]]:
        """Write the relay's export; returns the published items it holds."""
        from relay.export import write_export

        data = write_export(self.store, self.export_path)
        return [(item["id"], item["station"]) for item in data["items"]]

    def publish(self, reasons: list[str]) -> Release | None:
        """One build into the idle folder and the switch; None when the content has errors."""
        from citymodel import ContentError

        started = time.monotonic()
        items = self.write_export() if self.store is not None else []
        folder, cache = self.idle_folder()
        settings = self.settings_factory()
        settings["OUTPUT_PATH"] = str(folder)
        settings["INCREMENTAL"] = {**settings.get("INCREMENTAL", {}), "cache": str(cache)}
        if self.store is not None:
            settings["PUBLIC_ANSWERS"] = {**settings.get("PUBLIC_ANSWERS", {}), "export": str(self.export_path)}
        try:
            run_pelican(settings)
        except ContentError as error:
            log.error("publisher: the content has errors; the site stays as it was:\n%s", error)
            return None
        switch_symlink(self.current, folder)
        release = Release(folder, time.monotonic() - started, reasons)
        if self.store is not None and items:
            release.live_items = self.store.mark_live([item_id for item_id, _ in items], dt.datetime.now(dt.UTC))
        self.releases.append(release)
        log.warning(
            "publisher: live %s in %.2f s (%s)%s",
            folder.name,
            release.seconds,
            ", ".join(sorted(set(reasons)))[:200],
            f"; {release.live_items} answers now live" if release.live_items else "",
        )
        return release

    # Watching ------------------------------------------------------------

    def watch_content(self, content: Path) -> None:
        from watchfiles import watch

        for changes in watch(content, stop_event=self.stopping, debounce=50, step=20, rust_timeout=1000):
            for _, path in changes:
                self.changes.put(f"content:{Path(path).relative_to(content)}")

    def watch_relay(self) -> None:
        token = self.store.publish_token()
        while not self.stopping.is_set():
            new = self.store.wait_for_change(token, timeout=1.0)
            if new != token:
                token = new
                self.changes.put("relay")

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
        self.publish(["start"])
        if not once:
            self.publish(["start: the second folder"])  # both folders warm: later builds are incremental
        if once:
            return
        threads = [threading.Thread(target=self.watch_content, args=(content,), daemon=True, name="watch-content")]
        if self.store is not None:
            threads.append(threading.Thread(target=self.watch_relay, daemon=True, name="watch-relay"))
        for thread in threads:
            thread.start()
        print(f"publisher: watching {content}{' and the relay' if self.store is not None else ''}", flush=True)
        while not self.stopping.is_set():
            batch = self.next_batch()
            if "stop" in batch:
                break
            try:
                self.publish(batch)
            except Exception:  # one failed build must not stop the service; the old site stays live
                log.exception("publisher: build failed; the site stays as it was")

    def stop(self) -> None:
        self.stopping.set()
        self.changes.put("stop")


def run_pelican(settings: dict[str, Any]) -> None:
    from pelican import Pelican

    Pelican(settings).run()


def switch_symlink(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` atomically (a new link renamed over the old one)."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    os.symlink(target.name if target.parent == link.parent else target, temporary)
    os.replace(temporary, link)
