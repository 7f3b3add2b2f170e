"""Valid HTML: 0 errors from the W3C Nu HTML checker on every page of the built demo site (both editions)."""

from __future__ import annotations

from pathlib import Path

from vnu import vnu_errors


def test_every_built_page_is_valid_html(demo_output: Path) -> None:
    assert vnu_errors(demo_output) == []
