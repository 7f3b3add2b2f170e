"""Pelican's reader cache (``CACHE_PATH/ArticlesGenerator-Readers``), loaded and saved so that no damage lasts.

Pelican loads it as each generator starts, catching only some errors, and saves it in place: a build killed
while saving it, or a disk that filled, left a file cut short, and every later build stopped on ``EOFError``
until someone deleted ``cache/``. So the incremental plugin turns Pelican's own loading off
(``LOAD_CONTENT_CACHE``) and, when the generator starts, loads the file itself: whatever is wrong with it
means an empty cache, and the posts are read again (every entry is checked against its file's md5 anyway,
so a cache is only ever a shortcut). It is saved through a temporary file renamed over the old one; a save
that fails leaves the old cache whole, with a warning, and the build goes on as Pelican's does.
"""

from __future__ import annotations

import gzip
import logging
import pickle
from functools import partial
from pathlib import Path
from typing import Any

from .settings import options
from .tracker import write_atomically

log = logging.getLogger("incremental")


def load(readers: Any) -> None:
    """Fill ``readers``' cache from its file; an empty cache when the file is missing or cannot be read."""
    path = readers._cache_path
    try:
        with readers._cache_open(path, "rb") as stored:
            cache = pickle.load(stored)
    except FileNotFoundError:
        return
    except Exception as error:  # cut short (EOFError), garbage, another format: read the posts again
        log.warning("incremental: the reader cache %s cannot be read (%s); the posts are read again", path, error)
        return
    if isinstance(cache, dict):
        readers._cache = cache


def detached(value: Any) -> Any:
    """``value`` with a copy of each string that is not ASCII, for pickling.

    ``pickle`` asks each string for its UTF-8 form, which CPython then keeps inside the string for as long as
    it lives: saving the cache of a 20,000-post city left 26 MB of UTF-8 copies of every post's HTML, title
    and summary on the strings the build (and the publisher's fast path after it) goes on using.
    """
    kind = type(value)
    if kind is tuple:
        return tuple(detached(item) for item in value)
    if kind is dict:
        return {detached(key): detached(item) for key, item in value.items()}
    if kind is list:
        return [detached(item) for item in value]
    if isinstance(value, str) and not value.isascii():
        return kind(value.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass"))
    return value


def save(readers: Any) -> None:
    """``Readers.save_cache``, written atomically (a temporary file renamed over the old one)."""
    if not readers._cache_data_policy:
        return
    path = Path(readers._cache_path)
    try:
        # A copy of the dict: saved later (see take_over), the publisher's fast path may add to it meanwhile.
        data = pickle.dumps(detached(dict(readers._cache)))
        if readers.settings["GZIP_CACHE"]:  # as Pelican's own save (gzip.open), without the time in the header
            data = gzip.compress(data, mtime=0)
        write_atomically(path, data)
    except (OSError, pickle.PicklingError, TypeError) as error:
        log.warning("incremental: could not save the reader cache %s (%s); the old one stays", path, error)


def take_over(generator: Any) -> None:
    """As a generator starts: load its reader cache (unless the build is clean) and save it our way."""
    settings = generator.settings
    tracker = settings.get("INCREMENTAL_TRACKER")
    readers = getattr(generator, "readers", None)
    if tracker is None or readers is None or not getattr(readers, "_cache_data_policy", False):
        return
    if not tracker.clean:
        load(readers)
    if options(settings)["save_reader_cache_later"]:
        # Saving copies every post's text and pickles it (about 80 MB at 20,000 posts, for a moment): the
        # publisher has it done after it let the previous city go, not while it holds two.
        readers.save_cache = partial(tracker.defer, partial(save, readers))
    else:
        readers.save_cache = partial(save, readers)
