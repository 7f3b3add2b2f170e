"""The plugin's one dict setting, ``INCREMENTAL``."""

from __future__ import annotations

from typing import Any

from citymodel.options import plugin_options

DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "cache": "cache",  # the build record, Pelican's reader cache and the search records (CITY_CACHE in pelicanconf.py)
    "clean": False,  # True forces a clean build (``invoke build --clean``)
    "workers": 0,  # processes for rendering and conversion; 0 means one per core
    # True: Pelican's reader cache is saved when Tracker.run_deferred is called (the publisher calls it once the
    # previous build's city is let go) or at the build's end, rather than as soon as the posts are read.
    "save_reader_cache_later": False,
}


def options(settings: dict[str, Any]) -> dict[str, Any]:
    return plugin_options(settings, "INCREMENTAL", DEFAULTS, "incremental")
