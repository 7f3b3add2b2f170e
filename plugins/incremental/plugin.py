"""Signals: open the build record, hand Pelican our writer, close the record at the end."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

import pelican as pelican_package
from pelican import signals

from .preread import preread_articles
from .readercache import take_over
from .settings import options
from .tracker import FORMAT, Tracker, settings_digest, tree_digest
from .writer import IncrementalWriter

log = logging.getLogger("incremental")
PLUGINS_ROOT = Path(__file__).resolve().parent.parent
# Files the build writes but that another plugin keeps track of itself.
OWNED_ELSEWHERE = ("pagefind/",)


def build_key(settings: dict[str, Any]) -> str:
    """Code, theme and settings: when any of them changes, everything is rebuilt."""
    theme = Path(settings["THEME"])
    parts = [
        f"format={FORMAT}",
        f"pelican={getattr(pelican_package, '__version__', '')}",
        f"output={Path(settings['OUTPUT_PATH']).resolve()}",
        tree_digest(PLUGINS_ROOT, suffixes=(".py",)),
        tree_digest(theme),
        settings_digest(settings),
    ]
    return "|".join(parts)


def build_time(settings: dict[str, Any]) -> dt.datetime | None:
    """The build's one time (``CITY["today"]``, ``SOURCE_DATE_EPOCH`` or the clock; see ``City.now``),
    with its zone, for files that must carry a time of their own, like an empty feed's ``<updated>``."""
    from zoneinfo import ZoneInfo

    city = settings.get("CITY_MODEL")
    if city is None:
        return None
    now = city.now()
    zone = ZoneInfo(settings.get("TIMEZONE") or "Asia/Shanghai")
    return dt.datetime(now.year, now.month, now.day, now.hour, now.minute, now.second, tzinfo=zone)


def start(pelican: Any) -> None:
    settings = pelican.settings
    opts = options(settings)
    if not opts["enabled"]:
        return
    cache = Path(opts["cache"]).resolve()
    started = time.monotonic()
    tracker = Tracker(cache, Path(pelican.output_path), build_key(settings), clean=bool(opts["clean"]))
    tracker.start()
    settings["INCREMENTAL_TRACKER"] = tracker
    # Pelican's own reader cache spares re-reading unchanged Markdown files.
    settings["CACHE_CONTENT"] = True
    settings["LOAD_CONTENT_CACHE"] = False  # loaded by readercache.take_over, which survives a damaged file
    settings["CACHE_PATH"] = str(cache / "pelican")
    settings["CHECK_MODIFIED_METHOD"] = "md5"
    settings["CONTENT_CACHING_LAYER"] = "reader"
    settings["STATIC_CHECK_IF_MODIFIED"] = True  # copy images and forms only when they changed
    pelican.delete_outputdir = False  # a clean build empties the folder itself; see Tracker.start
    log.info(
        "incremental: %s build (record checked in %.2f s)",
        "clean" if tracker.clean else "incremental",
        time.monotonic() - started,
    )


def get_writer(pelican: Any) -> type[IncrementalWriter] | None:
    if "INCREMENTAL_TRACKER" not in pelican.settings:
        return None
    pelican.settings["INCREMENTAL_BUILD_TIME"] = build_time(pelican.settings)
    pelican.settings["INCREMENTAL_TRACKER"].begin_output()
    return IncrementalWriter


def prepare_articles(generator: Any) -> None:
    """``article_generator_init``: the reader cache loaded, then what it lacks read in workers (in that order:
    one receiver, since blinker does not promise the order of two)."""
    take_over(generator)
    preread_articles(generator)


def record_static(generator: Any) -> None:
    """Static files and the theme's assets are copied by Pelican; note them as produced."""
    tracker: Tracker | None = generator.settings.get("INCREMENTAL_TRACKER")
    if tracker is None:
        return
    for static in generator.context.get("staticfiles", []):
        tracker.keep(static.save_as, None)
    theme = Path(generator.theme)
    for folder in generator.settings["THEME_STATIC_PATHS"]:
        source = theme / folder
        if source.is_file():
            tracker.keep(f"{generator.settings['THEME_STATIC_DIR']}/{source.name}", None)
            continue
        for path in source.rglob("*"):
            if path.is_file():
                tracker.keep(f"{generator.settings['THEME_STATIC_DIR']}/{path.relative_to(source).as_posix()}", None)


# Pelican's taxonomy pages, by the generator attribute that lists them and the setting that names their file.
TAXONOMIES = (
    ("tags", "TAG_SAVE_AS", dict),
    ("categories", "CATEGORY_SAVE_AS", list),
    ("authors", "AUTHOR_SAVE_AS", list),
)


def skip_unwritten_taxonomies(generator: Any) -> None:
    """``article_generator_finalized``: forget the taxonomies whose pages the site does not write.

    Pelican's ``generate_authors`` (and its tag and category twins) first lists each author's articles with
    ``[a for a in dates if a in articles]``, a list scan per article, before the writer finds an empty
    ``AUTHOR_SAVE_AS`` and writes nothing: with one author for the whole city that is 2.7 s of a 20,000-post
    build spent on a page nobody gets. The template context keeps its own copy (``_update_context`` ran first).
    """
    if "INCREMENTAL_TRACKER" not in generator.settings:
        return
    for attribute, setting, empty in TAXONOMIES:
        if not generator.settings.get(setting):
            setattr(generator, attribute, empty())


def forget_rendered_content() -> None:
    """Empty the caches Pelican keeps on its content classes.

    ``Content.get_content`` and ``get_summary`` are memoized on the class, keyed by the object: every page
    and post ever built stays alive with its HTML and, through its settings, the build's whole city and
    record. In one build that is what Pelican intends; in a process that builds again and again (the
    publisher, ``invoke livereload``) each build kept all the earlier ones: at 1,000 posts the publisher
    grew by about 20 MB per publish, without end.
    """
    from pelican.contents import Content
    from pelican.utils import memoized

    for value in vars(Content).values():  # Pelican memoizes on Content only; Article and Page inherit
        if isinstance(value, memoized):
            value.cache.clear()


def finish(pelican: Any) -> None:
    """Runs last: remove what is no longer produced, save the record."""
    forget_rendered_content()
    tracker: Tracker | None = pelican.settings.get("INCREMENTAL_TRACKER")
    if tracker is None:
        return
    tracker.flush()
    tracker.wait_background()
    tracker.run_deferred()  # what nobody asked for earlier, after Pagefind rather than beside it
    removed = tracker.remove_stale(OWNED_ELSEWHERE)
    tracker.save()
    log.info(
        "incremental: %d pages rendered, %d kept (%d volatile, keys in %.1f s); %d files rewritten, %d removed, %d produced",
        tracker.stats["rendered"],
        tracker.stats["kept"],
        tracker.stats["volatile"],
        tracker.stats["key_seconds"],
        len(tracker.rewritten),
        len(removed),
        len(tracker.record.produced),
    )
    tracker.release()


def register() -> None:
    signals.initialized.connect(start)
    signals.get_writer.connect(get_writer)
    signals.article_generator_init.connect(prepare_articles)
    signals.page_generator_init.connect(take_over)
    signals.article_generator_finalized.connect(skip_unwritten_taxonomies)
    signals.static_generator_finalized.connect(record_static)
    signals.finalized.connect(finish)
