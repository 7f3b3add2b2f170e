"""Settings for the published site: absolute URLs and a clean output folder."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("SITEURL", "https://yunlan-police.example")
OUTPUT_PATH = os.environ.get("CITY_PUBLISH_TARGET", "output")
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = False  # stale files are removed by the incremental build (plugins/incremental)
FEED_DOMAIN = SITEURL
RELAY_URL = os.environ.get("RELAY_URL", "https://relay.yunlan-police.example")
SITEMAPXML = {"base_url": SITEURL}
