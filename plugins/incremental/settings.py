"""The plugin's one dict setting, ``INCREMENTAL``."""

from __future__ import annotations

import os
from typing import Any

from citymodel.options import plugin_options

DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "cache": os.environ.get("CITY_CACHE", "cache"),  # the build record and Pelican's reader cache
    "clean": False,  # True forces a clean build (``invoke build --clean``)
    "workers": 0,  # processes for rendering and conversion; 0 means one per core
}


def options(settings: dict[str, Any]) -> dict[str, Any]:
    return plugin_options(settings, "INCREMENTAL", DEFAULTS, "incremental")
