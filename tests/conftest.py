"""Shared fixtures: a small valid city, and one real build of the demo content."""

from __future__ import annotations

from pathlib import Path

import pytest

import citykit


@pytest.fixture
def city_content(tmp_path: Path) -> Path:
    """A valid little city in ``tmp_path/content``."""
    return citykit.make_city(tmp_path)


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real demo content (``content/``) built once into a temporary folder."""
    output = tmp_path_factory.mktemp("demo") / "output"
    citykit.build(citykit.ROOT / "content", output)
    return output
