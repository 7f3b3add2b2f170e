"""Read the posts' Markdown in worker processes before Pelican's articles generator asks for them.

Pelican reads every article file in one process, one after the other (``ArticlesGenerator.generate_context``),
and on a clean build that is the largest single step. This hands the files the reader cache does not hold yet
to forked workers (``parallel.map_in_workers``), each running the very reader Pelican would run (our
``CleanMarkdownReader`` included), and stores their answers in that cache (``Readers.cache_data``, checked by
the file's md5 like every cache entry). Pelican's loop then finds every file in the cache and only builds
the content objects; signals, metadata from paths and settings, and every check stay where they were.

Metadata that holds Pelican's URL wrappers (tags, authors, a category) is sent back as (class, name) and
rebuilt here with this process's settings, as the reader would have made it: a wrapper carries the whole
settings dict, which is large and not meant to cross a process boundary.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from pelican.readers import _filter_discardable_metadata
from pelican.urlwrappers import URLWrapper

from .parallel import map_in_workers, worker_count

log = logging.getLogger("incremental")
PARALLEL_FROM = 400  # fewer files than this are read faster in this process than by starting workers

_READERS: Any = None  # the generator's Readers, inherited by forked workers


class _Wrapper:
    """A URL wrapper on its way back from a worker: its class and name."""

    __slots__ = ("cls", "name")

    def __init__(self, cls: type[URLWrapper], name: str) -> None:
        self.cls, self.name = cls, name

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Wrapper, (self.cls, self.name))


def _portable(value: Any) -> Any:
    if isinstance(value, URLWrapper):
        return _Wrapper(type(value), value.name)
    if isinstance(value, list):
        return [_portable(v) for v in value]
    return value


def _restored(value: Any, settings: dict[str, Any]) -> Any:
    if isinstance(value, _Wrapper):
        return value.cls(value.name, settings)
    if isinstance(value, list):
        return [_restored(v, settings) for v in value]
    return value


def _read(path: str) -> tuple[str, str, dict[str, Any]] | None:
    """In a worker: what ``Readers.read_file`` would read of ``path`` and keep in its cache.

    None when the reader fails: Pelican's own loop then reads the file again and reports the problem as it
    always has (file and reason), instead of a worker's traceback.
    """
    reader = _READERS.readers[os.path.splitext(path)[1][1:]]
    try:
        content, metadata = reader.read(path)
    except Exception:  # reported by Pelican's own reading of the file, as always
        return None
    metadata = _filter_discardable_metadata(metadata)
    return path, content, {key: _portable(value) for key, value in metadata.items()}


def preread_articles(generator: Any) -> None:
    """``article_generator_init``: fill the reader cache with every article file it lacks, in workers."""
    global _READERS
    settings = generator.settings
    if "INCREMENTAL_TRACKER" not in settings:
        return
    readers = generator.readers
    if not getattr(readers, "_cache_data_policy", False):
        return  # no reader cache to fill (CACHE_CONTENT off)
    workers = worker_count(settings)
    if workers < 2:
        return
    started = time.monotonic()
    names = generator.get_files(settings["ARTICLE_PATHS"], exclude=settings["ARTICLE_EXCLUDES"])
    paths = sorted(
        os.path.abspath(os.path.join(generator.path, name))
        for name in names
        if os.path.splitext(name)[1][1:] in readers.readers
    )
    # A file the cache has never seen needs no stamp (an md5 of the whole file) to know it is missing.
    cached = readers._cache
    missing = [path for path in paths if path not in cached or readers.get_cached_data(path, None) is None]
    if len(missing) < PARALLEL_FROM:
        return
    _READERS = readers
    try:
        results = map_in_workers(_read, missing, workers, PARALLEL_FROM)
    finally:
        _READERS = None
    for result in results:
        if result is None:
            continue
        path, content, metadata = result
        readers.cache_data(path, (content, {key: _restored(value, settings) for key, value in metadata.items()}))
    log.info(
        "incremental: %d of %d posts read in %d workers (%.1f s)",
        len(missing),
        len(paths),
        workers,
        time.monotonic() - started,
    )
