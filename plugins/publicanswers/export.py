"""Reading the export: a path or a URL; the site builds fine without one."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from citymodel.options import plugin_options

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
DEFAULTS: dict[str, Any] = {"export": "", "min_ranked_items": 5}


class ExportError(RuntimeError):
    """The export cannot be used; the message says why and what to do."""

    exitcode = 1


def options(settings: dict[str, Any]) -> dict[str, Any]:
    return plugin_options(settings, "PUBLIC_ANSWERS", DEFAULTS, "publicanswers")


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
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
        raise ExportError(
            f"publicanswers: {source} has schema {data.get('schema') if isinstance(data, dict) else '?'}, this site reads schema {SCHEMA_VERSION}: update the relay or the site"
        )
    return data
