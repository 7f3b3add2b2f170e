"""Reading the export: a path or a URL; the site builds fine without one."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from citymodel.options import SettingsError, plugin_options

log = logging.getLogger(__name__)
SCHEMA_VERSION = 2
# The composite ranking's weights (docs/kaohe.md, "Ranking"): any non-negative numbers, used as shares of their sum.
RANKING_COMPONENTS = ("timeliness", "closure", "satisfaction", "duty", "stars")
DEFAULT_WEIGHTS = {"timeliness": 30, "closure": 20, "satisfaction": 20, "duty": 15, "stars": 15}
DEFAULTS: dict[str, Any] = {"export": "", "min_ranked_items": 5, "ranking_weights": DEFAULT_WEIGHTS}
REQUIRED_KEYS = ("generated_at", "items", "ratings", "star_ratings", "figures")


class ExportError(SettingsError):
    """The export cannot be used; the message says why and what to do.

    A kind of SettingsError (so of ContentError): ``invoke build`` prints the message and exits 1,
    and the publisher keeps the live site as it was.
    """


def options(settings: dict[str, Any]) -> dict[str, Any]:
    """``PUBLIC_ANSWERS`` over the defaults; SettingsError for a wrong key, type or weight."""
    chosen = plugin_options(settings, "PUBLIC_ANSWERS", DEFAULTS, "publicanswers")
    weights = chosen["ranking_weights"]
    wrong = sorted(set(weights) ^ set(RANKING_COMPONENTS))
    bad = [
        name
        for name, value in weights.items()
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0
    ]
    if wrong or bad or not sum(weights.values()):
        raise SettingsError(
            "publicanswers: PUBLIC_ANSWERS['ranking_weights'] must give each of "
            f"{', '.join(RANKING_COMPONENTS)} a number of 0 or more, not all 0"
            + (f"; unknown or missing: {', '.join(wrong)}" if wrong else "")
            + (f"; not a number of 0 or more: {', '.join(bad)}" if bad else "")
        )
    return chosen


def load(source: str) -> dict[str, Any] | None:
    """The export as a dict, or None when no export is configured."""
    if not source:
        log.info("publicanswers: no export configured; answers and 考核 figures are left out")
        return None
    try:
        if source.startswith(("http://", "https://")):
            import httpx

            data: Any = httpx.get(source, timeout=30).raise_for_status().json()
        else:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning("publicanswers: %s does not exist yet; run 'relay export' first; building without answers", source)
        return None
    except Exception as error:
        raise ExportError(f"publicanswers: cannot read {source}: {error}") from None
    version = data.get("schema") if isinstance(data, dict) else None
    if version == 1:
        raise ExportError(
            f"publicanswers: {source} is a version-1 export; this site reads version {SCHEMA_VERSION} "
            "(figures by the definitions in docs/kaohe.md, dated star ratings for each chief): "
            "write a new one with the current relay ('relay export'), or build without it (PUBLIC_ANSWERS['export'] = '')"
        )
    if version != SCHEMA_VERSION or not all(key in data for key in REQUIRED_KEYS):
        raise ExportError(
            f"publicanswers: {source} is not a version-{SCHEMA_VERSION} relay export (schema {version!r}, "
            f"needs {', '.join(REQUIRED_KEYS)}): write it with 'relay export' from a relay that matches this site"
        )
    return data
