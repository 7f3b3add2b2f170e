"""Shared fixtures: a small valid city, and one real build of the demo content."""

from __future__ import annotations

from pathlib import Path

import pytest

import citykit


@pytest.fixture(autouse=True)
def fresh_log_limits() -> None:
    """Once Pelican is imported, every new logger drops a message it has logged before
    (pelican.log.LimitFilter, a process-wide memory); each test starts with it empty."""
    import sys

    log = sys.modules.get("pelican.log")
    if log is not None:
        log.LimitFilter._ignore.clear()
        log.LimitFilter._raised_messages.clear()
        log.LimitFilter._group_count.clear()


@pytest.fixture
def city_content(tmp_path: Path) -> Path:
    """A valid little city in ``tmp_path/content``."""
    return citykit.make_city(tmp_path)


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``export.json`` from the relay's demo data (``relay.demo``), seeded at the pinned build time."""
    import datetime as dt

    from relay.casework import Planner
    from relay.demo import seed
    from relay.export import write_export
    from relay.settings import load_settings
    from relay.stations import Stations
    from relay.store import Store

    folder = tmp_path_factory.mktemp("relay")
    store = Store(f"sqlite:///{folder / 'relay.sqlite3'}")
    moment = dt.datetime.fromisoformat(citykit.TODAY).replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    seed(store, Planner(Stations([]), load_settings(environ={}, secret_key="demo"), officers=store.officers_of), moment)
    write_export(store, folder / "export.json", moment)
    store.close()
    return folder / "export.json"


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory: pytest.TempPathFactory, demo_export: Path) -> Path:
    """The real demo content (``content/``) and the demo export, built once into a temporary folder."""
    output = tmp_path_factory.mktemp("demo") / "output"
    citykit.build(citykit.ROOT / "content", output, PUBLIC_ANSWERS={"export": str(demo_export), "min_ranked_items": 5})
    return output
