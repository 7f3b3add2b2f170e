"""Precompressed copies of the finished output, written once per changed file.

nginx then sends the ``.gz`` (``gzip_static``) or ``.br`` (``brotli_static``)
file as it is, instead of compressing each response again. Both are
reproducible: gzip without a name or time, brotli at a fixed quality, so an
incremental build still equals a clean one byte for byte. A copy is made
again only when its source was rewritten by this build or is newer than it.
"""

from __future__ import annotations

import gzip
import logging
import time
from pathlib import Path
from typing import Any

from pelican import signals

from citymodel.options import plugin_options

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "formats": ["gz", "br"],
    "suffixes": [".html", ".css", ".js", ".json", ".xml", ".atom", ".svg", ".txt", ".webmanifest"],
    "min_bytes": 512,  # below this a compressed copy saves less than a packet
    # On a 5,000-post site's 12,975 files (95.5 MB): quality 7 takes 2.41 s of CPU for 27.38 MB, 9 takes 3.68 s for
    # 27.34 MB (0.16 % less), 11 about 50 times as long for 8 % less.
    "brotli_quality": 7,
}
FORMATS = ("gz", "br")


def options_of(settings: dict[str, Any]) -> dict[str, Any]:
    options = plugin_options(settings, "PRECOMPRESS", DEFAULTS, "precompress")
    unknown = sorted(set(options["formats"]) - set(FORMATS))
    if unknown:
        from citymodel.options import SettingsError

        raise SettingsError(f"precompress: unknown format(s) {unknown} in PRECOMPRESS['formats']; use 'gz' and/or 'br'")
    return options


def check_settings(pelican: Any) -> None:
    options_of(pelican.settings)


def compressed(data: bytes, fmt: str, brotli_quality: int) -> bytes:
    if fmt == "gz":
        return gzip.compress(data, compresslevel=9, mtime=0)
    import brotli

    # A window no larger than the file: brotli's default 4 MB window made each
    # small page cost 40 ms (its set-up), against about 1 ms, for the same bytes.
    window_bits = min(24, max(10, (len(data) - 1).bit_length()))
    return bytes(brotli.compress(data, quality=brotli_quality, lgwin=window_bits))


def copies_for(name: str, data: bytes, settings: dict[str, Any]) -> list[tuple[str, bytes | None]]:
    """The compressed copies a build would leave beside ``name`` holding ``data``: (copy's name, its bytes), or
    (copy's name, None) where the file is too small to have one. For the publisher's fast path, which writes a
    page outside a build: a copy it left as it was would be served instead of the new page."""
    if "precompress" not in settings.get("PLUGINS", []):
        return []
    options = options_of(settings)
    if not options["enabled"] or not name.endswith(tuple(options["suffixes"])):
        return []
    small = len(data) < options["min_bytes"]
    quality = int(options["brotli_quality"])
    return [(f"{name}.{fmt}", None if small else compressed(data, fmt, quality)) for fmt in options["formats"]]


def _compress_job(job: tuple[str, str, tuple[str, ...], int]) -> list[tuple[str, bool]]:
    """Write one file's compressed copies (where they changed); returns (copy name, rewritten) for each.

    The copies are written here, in the worker: sent back to the build they would all be held in its memory
    at once (140 MB at 20,000 posts)."""
    from incremental.tracker import write_if_changed

    output, name, formats, quality = job
    data = (Path(output) / name).read_bytes()
    made = []
    for fmt in formats:
        target = f"{name}.{fmt}"
        made.append((target, write_if_changed(Path(output) / target, compressed(data, fmt, quality))))
    return made


def compress_output(output: Path, settings: dict[str, Any]) -> int:
    """Write the compressed copies that are missing or out of date; returns how many files were compressed."""
    from incremental import output_files, tracker_of
    from incremental.parallel import map_in_workers, worker_count

    options = options_of(settings)
    formats = tuple(options["formats"])
    tracker = tracker_of(settings)
    suffixes = tuple(options["suffixes"])
    names = [name for name in output_files(settings, output) if name.endswith(suffixes)]
    todo: list[str] = []
    for name in names:
        source = output / name
        if source.stat().st_size < options["min_bytes"]:
            continue
        copies = [output / f"{name}.{fmt}" for fmt in formats]
        current = all(copy.exists() and copy.stat().st_mtime >= source.stat().st_mtime for copy in copies)
        if tracker is not None and name not in tracker.rewritten and current:
            for fmt in formats:
                tracker.keep(f"{name}.{fmt}", None)
        else:
            todo.append(name)
    jobs = [(str(output), name, formats, int(options["brotli_quality"])) for name in todo]
    # While the search index is made beside (see sitesearch), Pagefind keeps at least one core busy: compress
    # here, in this process, rather than fork workers from a build that runs a thread. What is left when the
    # index is done goes to workers, one per core.
    results: list[list[tuple[str, bool]]] = []
    while len(results) < len(jobs) and tracker is not None and tracker.busy_in_background():
        results.append(_compress_job(jobs[len(results)]))
    results += map_in_workers(_compress_job, jobs[len(results) :], worker_count(settings), parallel_from=64)
    for made in results:
        for target, rewritten in made:
            if tracker is not None:
                tracker.keep(target, None)
                if rewritten:
                    tracker.rewritten.add(target)
    return len(todo)


def on_finalized(pelican: Any) -> None:
    settings = pelican.settings
    if not options_of(settings)["enabled"]:
        return
    started = time.monotonic()
    count = compress_output(Path(pelican.output_path), settings)
    log.info("precompress: %d files compressed in %.1f s", count, time.monotonic() - started)


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.finalized.connect(on_finalized)
