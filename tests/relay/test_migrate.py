"""Migrations run once, under a lock: processes started together on an empty database all come up."""

from __future__ import annotations

from pathlib import Path

import pytest
from servers import relay_servers
from services import empty_postgres_database

from relay.store import Store


def serve_env(tmp_path: Path, stations_json: Path, database_url: str) -> dict[str, str]:
    return {
        "RELAY_DATA_DIR": str(tmp_path / "data"),
        "RELAY_STATIONS": str(stations_json),
        "RELAY_SECRET_KEY": "migrate-test-secret",
        "RELAY_DATABASE_URL": database_url,
    }


@pytest.mark.parametrize("trial", range(3))
def test_two_processes_started_at_once_on_an_empty_postgresql_database_both_come_up(
    tmp_path: Path, stations_json: Path, trial: int
) -> None:
    with empty_postgres_database() as database_url:
        env = serve_env(tmp_path, stations_json, database_url)
        # Both start migrating at the same moment; neither waits for the other.
        with relay_servers(env, [tmp_path / "a.log", tmp_path / "b.log"]) as started:
            assert all(process.poll() is None for _url, process in started)
        store = Store(database_url)
        assert store.ping()
        store.close()


def test_two_processes_started_at_once_on_a_new_sqlite_file_both_come_up(tmp_path: Path, stations_json: Path) -> None:
    env = serve_env(tmp_path, stations_json, f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    with relay_servers(env, [tmp_path / "a.log", tmp_path / "b.log"]) as started:
        assert all(process.poll() is None for _url, process in started)
