"""A Pelican writer that renders a page only when the inputs its templates read have changed.

Pelican's own ``write_file`` does the pagination and builds each page's
context; we wrap the template so that, just before rendering, the page's key
is computed from exactly the variables its templates read. A page whose key
matches the previous build's (and whose file exists) is not rendered again.
Every file is written atomically and only when its bytes change.
"""

from __future__ import annotations

import io
import logging
import os
import time
from pathlib import Path
from typing import Any

import pelican.writers as pelican_writers
from pelican.writers import Writer

from .fingerprint import Fingerprinter
from .parallel import map_in_workers, worker_count
from .templates import TemplateReads
from .tracker import Tracker, relative, write_if_changed

log = logging.getLogger("incremental")


PARALLEL_FROM = 200  # pages; below this, starting workers costs more than it saves
_JOBS: tuple[list[tuple[str, Any, dict[str, Any]]], Path] | None = None


def _render_job(index: int) -> tuple[str, bool]:
    """Render one page put aside by the writer and write it if its bytes changed."""
    assert _JOBS is not None
    jobs, output = _JOBS
    name, template, context = jobs[index]
    return name, write_if_changed(output / name, str(template.render(context)).encode("utf-8"))


class _Buffer(io.StringIO):
    """What ``_open_w`` hands Pelican: the text goes to the tracker when closed."""

    def __init__(self, on_close: Any) -> None:
        super().__init__()
        self._on_close = on_close

    def close(self) -> None:
        if not self.closed:
            self._on_close(self.getvalue())
        super().close()


class _Skipped(io.StringIO):
    def write(self, text: str) -> int:
        return len(text)


class _KeyedTemplate:
    """Stands in for a Jinja template: computes the page key, renders only when needed."""

    def __init__(self, writer: IncrementalWriter, template: Any) -> None:
        self._writer = writer
        self._template = template
        self.name = template.name

    def render(self, context: dict[str, Any]) -> str:
        writer = self._writer
        name = context["output_file"]
        visible = writer.visible(self._template.name, context)
        key = writer.page_key(self._template.name, visible)
        if writer.tracker.is_current(name, key):
            writer.skip_next = (name, key)
            writer.stats["kept"] += 1
            return ""
        writer.stats["rendered"] += 1
        if writer.defer:
            # Rendered later, with the others, in worker processes (see IncrementalWriter.flush). Only the
            # variables the templates read are kept: a whole context per page would cost gigabytes at city scale.
            writer.jobs.append((name, self._template, visible if visible is not None else context))
            writer.skip_next = (name, key)
            return ""
        writer.pending_key = key
        return str(self._template.render(context))

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._template, attribute)


class _OsForPelican:
    """What ``pelican.writers`` sees as ``os``: while our writer runs, the folder Pelican makes before each page
    is not made for a page that is kept, or rendered later in a worker (which makes it, in parallel). Made
    here, one at a time, these folders cost seconds of file-system time in a clean build of 5,000 posts."""

    writer: IncrementalWriter | None = None

    def makedirs(self, name: str, mode: int = 0o777, exist_ok: bool = False) -> None:
        if self.writer is None or self.writer.skip_next is None:
            os.makedirs(name, mode, exist_ok)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(os, attribute)


_PELICAN_OS = _OsForPelican()
pelican_writers.os = _PELICAN_OS


class IncrementalWriter(Writer):
    """Needs ``settings["INCREMENTAL_TRACKER"]`` (set by the plugin at the start of the build)."""

    def __init__(self, output_path: str, settings: dict[str, Any] | None = None) -> None:
        super().__init__(output_path, settings=settings)
        assert settings is not None
        self.tracker: Tracker = settings["INCREMENTAL_TRACKER"]
        self.output = Path(output_path)
        self.fingerprints = Fingerprinter()
        self.reads: TemplateReads | None = None  # made from the first template's environment
        self.skip_next: tuple[str, bytes | None] | None = None
        self.pending_key: bytes | None = None
        self.stats = self.tracker.stats
        self.jobs: list[tuple[str, Any, dict[str, Any]]] = []
        self.workers = worker_count(settings)
        self.defer = self.workers > 1
        self.tracker.flushers.append(self.flush)

    # Rendering in worker processes ----------------------------------------

    def flush(self) -> None:
        """Render the pages put aside; with many, in forked worker processes (they inherit the context)."""
        global _JOBS
        jobs, self.jobs = self.jobs, []
        if not jobs:
            return
        started = time.monotonic()
        _JOBS = (jobs, self.output)
        try:
            results = map_in_workers(_render_job, range(len(jobs)), self.workers, PARALLEL_FROM)
        finally:
            _JOBS = None
        self.tracker.rewritten.update(name for name, rewritten in results if rewritten)
        log.info(
            "incremental: %d pages rendered in %.1f s (%d processes)",
            len(jobs),
            time.monotonic() - started,
            self.workers if len(jobs) >= PARALLEL_FROM else 1,
        )

    # Keys ----------------------------------------------------------------

    def visible(self, template_name: str, context: dict[str, Any]) -> dict[str, Any] | None:
        """The part of ``context`` the template can read; None when that cannot be known."""
        assert self.reads is not None
        names = self.reads.reads(template_name)
        if "*" in names:
            return None
        return {n: context[n] for n in names if n in context}

    def page_key(self, template_name: str, visible: dict[str, Any] | None) -> bytes | None:
        """The digest of what the page can read; None (render it) when that is unknown or volatile."""
        if visible is None:
            return None
        started = time.perf_counter()
        key = self.fingerprints.digest({"__template__": template_name, **visible})
        self.stats["key_seconds"] += time.perf_counter() - started
        if key is None:
            self.stats["volatile"] += 1
        return key

    # Pelican's entry points ----------------------------------------------

    def write_file(self, name: Any, template: Any, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if not name:
            return None
        if self.reads is None:
            self.reads = TemplateReads(template.environment)
        _PELICAN_OS.writer = self
        try:
            return super().write_file(name, _KeyedTemplate(self, template), context, *args, **kwargs)
        finally:
            _PELICAN_OS.writer = None

    def write_feed(self, elements: Any, context: dict[str, Any], path: Any = None, url: Any = None, **kw: Any) -> Any:
        if not path:
            return super().write_feed(elements, context, path, url, **kw)
        limit = self.settings.get("FEED_MAX_ITEMS")
        inputs = {
            "__feed__": [path, url, sorted(kw.items())],
            "elements": list(elements[:limit]),
            **{k: context.get(k) for k in ("SITEURL", "FEED_DOMAIN", "SITENAME", "SITESUBTITLE", "TIMEZONE")},
        }
        if not inputs["elements"]:
            inputs["__empty_feed_time__"] = self.settings.get("INCREMENTAL_BUILD_TIME")
        key = self.fingerprints.digest(inputs)
        if self.tracker.is_current(path, key):
            self.tracker.keep(path, key)
            self._written_files.add(os.path.join(self.output_path, path))
            self.stats["kept"] += 1
            return None
        self.pending_key = key
        self.stats["rendered"] += 1
        return super().write_feed(elements, context, path, url, **kw)

    def _create_new_feed(self, feed_type: str, feed_title: str, context: dict[str, Any]) -> Any:
        """An empty feed says it was updated at the build's time, not the clock's."""
        feed = super()._create_new_feed(feed_type, feed_title, context)
        build_time = self.settings.get("INCREMENTAL_BUILD_TIME")
        original = feed.latest_post_date

        def latest_post_date() -> Any:
            return original() if feed.items or build_time is None else build_time

        feed.latest_post_date = latest_post_date
        return feed

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        name = relative(self.output, filename)
        if self.skip_next is not None and self.skip_next[0] == name:
            _, key = self.skip_next
            self.skip_next = None
            self._written_files.add(filename)
            self.tracker.keep(name, key)
            return _Skipped()
        if filename in self._written_files and not override:
            from pelican.writers import FileOverwriteFailedError

            raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" as Pelican has already written to it')
        self._written_files.add(filename)
        key, self.pending_key = self.pending_key, None
        return _Buffer(lambda text: self.tracker.write(name, text.encode(encoding), key))
