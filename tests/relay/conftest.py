"""Relay fixtures: a real store (SQLite file or the machine's PostgreSQL) and the real app."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from console_kit import Relay, create_accounts, login
from servers import relay_server
from services import require_postgres
from sqlalchemy import text
from starlette.testclient import TestClient

import citykit
from relay.app import create_app
from relay.models import metadata
from relay.settings import Settings, load_settings
from relay.store import Store


@pytest.fixture(scope="session")
def stations_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``api/stations.json`` from a real build of the little test city."""
    root = tmp_path_factory.mktemp("city")
    content = citykit.make_city(root)
    citykit.build(content, root / "output")
    path = root / "output" / "api" / "stations.json"
    assert json.loads(path.read_text(encoding="utf-8"))["stations"]
    return path


def fresh_postgres_store() -> Store:
    store = Store(require_postgres())
    with store.engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    store.migrate()
    return store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same tests run on an SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        made = Store(f"sqlite:///{tmp_path / 'relay.sqlite3'}")
        made.migrate()
    else:
        made = fresh_postgres_store()
    yield made
    made.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    made = Store(f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    made.migrate()
    yield made
    made.close()


@pytest.fixture
def make_settings(tmp_path: Path, stations_json: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "stations": str(stations_json),
            "secret_key": "test-secret",
            "rate_limit_client": "1000/minute",
            "rate_limit_station": "1000/minute",
            "site_url": "https://site.test",
            "public_url": "https://relay.test",
        }
        values.update(overrides)
        return load_settings(environ={}, **values)

    return make


@pytest.fixture
def make_client(make_settings: Callable[..., Settings], sqlite_store: Store) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(store: Store | None = None, client_address: str = "203.0.113.7", **overrides: Any) -> TestClient:
        app = create_app(make_settings(**overrides), store=store or sqlite_store)
        client = TestClient(app, base_url="https://relay.test", client=(client_address, 50000), follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def console(make_client: Callable[..., TestClient], sqlite_store: Store) -> Callable[..., TestClient]:
    """A client of the app on ``sqlite_store``, logged in as the account named (console_kit's accounts)."""
    create_accounts(sqlite_store)

    def make(username: str | None = None, **overrides: object) -> TestClient:
        client = make_client(**overrides)
        if username:
            response = login(client, username)
            assert response.status_code == 303, response.text  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def relay(tmp_path: Path, stations_json: Path) -> Iterator[Relay]:
    """``relay serve`` under uvicorn on a fresh SQLite file with console_kit's accounts."""
    (tmp_path / "data").mkdir()
    store = Store(f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    store.migrate()
    create_accounts(store)
    env = {
        "RELAY_DATA_DIR": str(tmp_path / "data"),
        "RELAY_STATIONS": str(stations_json),
        "RELAY_SECRET_KEY": "served-relay",
        "RELAY_COOKIE_SECURE": "false",
    }
    try:
        with relay_server(env, tmp_path / "relay.log") as (url, _process):
            started = Relay(url, store)
            try:
                yield started
            finally:
                for client in started.clients:
                    client.close()
    finally:
        store.close()
