"""Throttles that cannot be raced or turned against a moderator; /track limits; /metrics by address."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from console_kit import PASSWORD, carry, csrf_of, login
from servers import relay_server
from services import require_redis
from starlette.testclient import TestClient

from relay.auth import hash_password
from relay.models import Role
from relay.store import Store

WRONG = "wrong-password-0"


def concurrent_wrong_logins(url: str, username: str, attempts: int) -> Counter[int]:
    """``attempts`` wrong passwords for one account, all sent at once from one client."""

    async def run() -> Counter[int]:
        limits = httpx.Limits(max_connections=attempts)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
            page = await http.get("/console/login")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert token, page.text
            form = {"username": username, "password": WRONG, "csrf": token.group(1)}
            responses = await asyncio.gather(*(http.post("/console/login", data=form) for _ in range(attempts)))
        return Counter(response.status_code for response in responses)

    return asyncio.run(run())


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_concurrent_wrong_passwords_check_at_most_the_limit(tmp_path: Path, stations_json: Path, storage: str) -> None:
    """100 wrong passwords at once: at most limit (+1) of them reach the password check (401), the rest 429."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    store = Store(f"sqlite:///{data_dir / 'relay.sqlite3'}")
    store.migrate()
    username = f"mod-{uuid.uuid4().hex[:12]}"  # a fresh key on the shared Redis
    store.create_account(username, hash_password(PASSWORD), Role.MODERATOR, [], dt.datetime.now(dt.UTC))
    store.close()
    env = {
        "RELAY_DATA_DIR": str(data_dir),
        "RELAY_STATIONS": str(stations_json),
        "RELAY_SECRET_KEY": "throttle-test-secret",
        "RELAY_COOKIE_SECURE": "false",
        "RELAY_RATE_LIMIT_URL": "memory://" if storage == "memory" else require_redis(),
        "RELAY_LOGIN_LIMIT_PAIR": "5/15minutes",
        "RELAY_LOGIN_LIMIT_CLIENT": "1000/15minutes",
        "RELAY_LOGIN_LIMIT_ACCOUNT": "1000/15minutes",
    }
    with relay_server(env, tmp_path / "relay.log") as (url, _process):
        statuses = concurrent_wrong_logins(url, username, 100)
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[401] <= 6, statuses
    assert statuses[429] >= 94, statuses


def test_wrong_passwords_from_elsewhere_do_not_lock_the_moderator_out(console: Callable[..., TestClient]) -> None:
    attacker = console(client_address="198.51.100.66")
    for _ in range(12):
        assert login(attacker, "moderator", "wrong-password").status_code in (401, 429)  # type: ignore[attr-defined]
    assert login(attacker, "moderator").status_code == 429  # type: ignore[attr-defined]
    moderator = console(client_address="203.0.113.7")
    response = login(moderator, "moderator")
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]


def test_the_per_account_ceiling_holds_across_addresses(
    console: Callable[..., TestClient], make_client: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """Many addresses together reach the account's ceiling; then even the right password waits."""
    console()  # creates the accounts
    app = make_client(login_limit_pair="5/15minutes", login_limit_account="8/15minutes").app
    results = []
    for address in ("198.51.100.1", "198.51.100.2"):
        with TestClient(app, base_url="https://relay.test", client=(address, 5000), follow_redirects=False) as client:
            results += [login(client, "moderator", "wrong").status_code for _ in range(5)]  # type: ignore[attr-defined]
    assert results.count(401) == 8 and results.count(429) == 2
    with TestClient(app, base_url="https://relay.test", client=("203.0.113.9", 5000), follow_redirects=False) as client:
        assert login(client, "moderator").status_code == 429  # type: ignore[attr-defined]
        assert login(client, "moderator2").status_code == 303  # type: ignore[attr-defined]


def test_a_successful_login_clears_its_own_pair_count(console: Callable[..., TestClient]) -> None:
    client = console()
    for _ in range(3):
        assert login(client, "moderator", "wrong").status_code == 401  # type: ignore[attr-defined]
    for _ in range(4):
        assert login(client, "moderator").status_code == 303  # type: ignore[attr-defined]
    for _ in range(5):
        assert login(client, "moderator", "wrong").status_code == 401  # type: ignore[attr-defined]
    assert login(client, "moderator").status_code == 429  # type: ignore[attr-defined]


def test_password_change_counts_the_attempt_before_checking(console: Callable[..., TestClient]) -> None:
    """Wrong current passwords on the change form share the pair limit, counted first."""
    client = console("moderator")
    token = csrf_of(client, "/console/password")
    statuses = [
        client.post(
            "/console/password",
            data={"csrf": token, "current": f"guess-{n}", "new": "x" * 12, "again": "x" * 12},
        ).status_code
        for n in range(7)
    ]
    # the login itself cleared the pair count; five guesses are checked, then 429
    assert statuses == [422] * 5 + [429] * 2
    right = client.post(
        "/console/password", data={"csrf": token, "current": PASSWORD, "new": "y" * 12, "again": "y" * 12}
    )
    assert right.status_code == 429


# -- /track -----------------------------------------------------------------------


def test_tracking_pages_are_rate_limited_per_client(
    make_client: Callable[..., TestClient], sqlite_store: Store
) -> None:
    client = make_client(rate_limit_track="5/minute")
    submitted = client.post("/ask", data={"station": "dongshan", "kind": "question", "text": "请问户口怎么迁移？"})
    code = submitted.headers["location"].rsplit("/", 1)[1].split("?")[0]
    urls = [f"/track/{code}", "/track?code=ZZZZZ-ZZZZZ", f"/receipt/{code}", f"/track/{code}", "/track/ABCDE-FGHJK"]
    assert [client.get(url).status_code for url in urls] == [200, 404, 200, 200, 404]
    refused = client.get(f"/track/{code}")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "查询过于频繁" in refused.text
    other = make_client(client_address="198.51.100.5", rate_limit_track="5/minute")
    assert other.get("/track").status_code == 200  # the empty lookup form is not counted


# -- photos of spam -----------------------------------------------------------------


def test_a_spam_items_photo_is_not_served(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    from images import phone_photo

    public = console()
    response = public.post(
        "/ask",
        data={"station": "dongshan", "kind": "hazard", "text": "路边井盖丢了，很危险", "location": "东山路口"},
        files={"photo": ("photo.jpg", phone_photo(), "image/jpeg")},
    )
    assert response.status_code == 303, response.text
    code = response.headers["location"].rsplit("/", 1)[1]
    assert public.get(f"/track/{code}/photo").status_code == 200
    item = sqlite_store.item_by_code(code)
    assert item is not None
    carry(sqlite_store, item.id, "spam", item.received_at)
    assert public.get(f"/track/{code}/photo").status_code == 404
    assert f"/track/{code}/photo" not in public.get(f"/track/{code}").text


# -- /metrics -------------------------------------------------------------------------


def test_metrics_only_for_listed_addresses(make_client: Callable[..., TestClient]) -> None:
    assert make_client(client_address="203.0.113.7").get("/metrics").status_code == 404
    assert make_client(client_address="127.0.0.1").get("/metrics").status_code == 200
    listed = make_client(client_address="10.1.2.3", metrics_addresses=("10.0.0.0/8",))
    assert "relay_submissions" in listed.get("/metrics").text
    behind_proxy = make_client(
        client_address="10.9.9.9", trusted_proxies=("10.9.9.9",), metrics_addresses=("10.9.9.9",)
    )
    assert behind_proxy.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 404


def test_bad_metrics_addresses_are_a_clear_settings_error(make_settings: Callable[..., object]) -> None:
    from relay.settings import SettingsError

    with pytest.raises(SettingsError, match="RELAY_METRICS_ADDRESSES"):
        make_settings(metrics_addresses=("not-an-address",))


def test_limits_and_metrics_addresses_from_the_environment() -> None:
    from relay.settings import SettingsError, load_settings

    settings = load_settings(
        environ={"RELAY_METRICS_ADDRESSES": "10.0.0.0/8, ::1", "RELAY_LOGIN_LIMIT_PAIR": "3 per 10 minutes"},
        secret_key="x",
    )
    assert settings.may_read_metrics("10.2.3.4") and settings.may_read_metrics("::1")
    assert not settings.may_read_metrics("127.0.0.1")
    for name in ("login_limit_pair", "login_limit_account", "login_limit_client", "rate_limit_track"):
        with pytest.raises(SettingsError, match=f"RELAY_{name.upper()}"):
            load_settings(environ={f"RELAY_{name.upper()}": "five a minute"}, secret_key="x")
