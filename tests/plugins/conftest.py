"""Plugin tests: the little city built for real with only the plugins under test."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import citykit

# The theme's pages read what these share (the model, guides, stations, answers and 考核),
# so a build that renders pages needs them all.
THEME_PLUGINS = ["citymodel", "publicanswers", "stationpages", "guides"]
# Renders no template: a build of plugins that write files of their own needs only citymodel.
NO_PAGES: dict[str, Any] = {"DIRECT_TEMPLATES": [], "ARTICLE_SAVE_AS": ""}


@contextlib.contextmanager
def no_earlier_plugins() -> Iterator[None]:
    """Pelican's signals outlive a build and every build connects its plugins again, so in one test
    process a build would also run the plugins of earlier builds. Inside, no receiver is connected;
    afterwards the earlier ones are back."""
    from blinker import ANY, Signal
    from pelican.plugins import signals

    saved = {sig: list(sig.receivers_for(ANY)) for sig in vars(signals).values() if isinstance(sig, Signal)}
    for sig, receivers in saved.items():
        for receiver in receivers:
            sig.disconnect(receiver)
    try:
        yield
    finally:
        for sig, receivers in saved.items():
            for receiver in list(sig.receivers_for(ANY)):
                sig.disconnect(receiver)
            for receiver in receivers:
                sig.connect(receiver)


@pytest.fixture
def build_site(tmp_path: Path, city_content: Path) -> Callable[..., Path]:
    """``build_site(plugins, pages=True, **settings)`` builds the little city into a new folder and returns it.

    ``pages=True`` adds the plugins the theme needs; ``pages=False`` renders no template.
    """
    numbers = itertools.count(1)

    def build(plugins: list[str], *, pages: bool = True, **overrides: Any) -> Path:
        output = tmp_path / f"output-{next(numbers)}"
        if pages:
            plugins = [*THEME_PLUGINS, *(p for p in plugins if p not in THEME_PLUGINS)]
        with no_earlier_plugins():
            citykit.build(city_content, output, PLUGINS=plugins, **({} if pages else NO_PAGES), **overrides)
        return output

    return build
