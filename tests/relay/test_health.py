"""/healthz asks the database: 200 while it answers, 503 (and no error text) when it does not."""

from __future__ import annotations

from collections.abc import Callable

from servers import free_port
from starlette.testclient import TestClient

from relay.app import create_app
from relay.settings import Settings
from relay.store import Store


def test_healthz_is_503_when_the_database_does_not_answer(make_settings: Callable[..., Settings]) -> None:
    unreachable = Store(f"postgresql+psycopg://relay@127.0.0.1:{free_port()}/relay?connect_timeout=2")
    with TestClient(create_app(make_settings(), store=unreachable)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}


def test_healthz_is_200_when_it_does(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
