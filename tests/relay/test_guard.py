"""Rate limits on the in-memory storage and on the machine's Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
from services import require_redis

from relay.guard import RateGuard, client_address, client_hash
from relay.settings import Settings


@pytest.fixture(params=["memory", "redis"])
def rate_url(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else require_redis()


def test_client_limit_then_station_limit(make_settings: Callable[..., Settings], rate_url: str) -> None:
    guard = RateGuard(
        make_settings(rate_limit_url=rate_url, rate_limit_client="3/minute", rate_limit_station="4/minute")
    )
    run = uuid.uuid4().hex  # a fresh key space on the shared Redis

    async def scenario() -> list[str | None]:
        outcomes = []
        for client in ("a", "a", "a", "a", "b", "c"):
            refusal = await guard.admit("ask", f"{run}-{client}", f"{run}-dongshan")
            outcomes.append(refusal.reason if refusal else None)
        await guard.close()
        return outcomes

    assert asyncio.run(scenario()) == [None, None, None, "client", None, "station"]


def test_a_right_password_gives_its_attempt_back(make_settings: Callable[..., Settings], rate_url: str) -> None:
    """Only failed logins count toward the address's and the account's limits, on Redis too (the give-back is
    a negative hit, which the memory storage and Redis's script must both take)."""
    guard = RateGuard(
        make_settings(rate_limit_url=rate_url, login_limit_client="3/15minutes", login_limit_account="3/15minutes")
    )
    run = uuid.uuid4().hex
    office = f"{run}-office"

    async def scenario() -> list[str | None]:
        outcomes = []
        for _ in range(3):  # a shift change: four colleagues from one address, each three times
            for name in ("li", "zhou", "wang", "zhao"):
                refusal = await guard.login_attempt(f"{run}-{name}", office)
                outcomes.append(refusal.reason if refusal else None)
                await guard.login_succeeded(f"{run}-{name}", office)
        for name in ("x1", "x2", "x3", "x4"):  # wrong passwords: these count
            refusal = await guard.login_attempt(f"{run}-{name}", office)
            outcomes.append(refusal.reason if refusal else None)
        await guard.close()
        return outcomes

    assert asyncio.run(scenario()) == [None] * 12 + [None, None, None, "client"]


def test_two_guards_share_one_redis(make_settings: Callable[..., Settings]) -> None:
    """Two relay processes each have a guard; on Redis they share one count."""
    url = require_redis()
    settings = make_settings(rate_limit_url=url, rate_limit_client="5/minute")
    first, second = RateGuard(settings), RateGuard(settings)
    client = uuid.uuid4().hex

    async def scenario() -> int:
        accepted = 0
        for turn in range(10):
            guard = first if turn % 2 else second
            if await guard.admit("ask", client, uuid.uuid4().hex) is None:
                accepted += 1
        await first.close()
        await second.close()
        return accepted

    assert asyncio.run(scenario()) == 5


def test_client_address_trusts_only_configured_proxies(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(trusted_proxies=("10.0.0.0/8", "::1"))
    headers = [(b"x-forwarded-for", b"198.51.100.1, 10.1.1.1")]
    assert client_address({"client": ("10.0.0.2", 1), "headers": headers}, settings) == "198.51.100.1"
    assert client_address({"client": ("192.0.2.50", 1), "headers": headers}, settings) == "192.0.2.50"
    assert (
        client_address({"client": ("::1", 1), "headers": [(b"x-forwarded-for", b"not-an-ip")]}, settings) == "not-an-ip"
    )


def test_client_hash_is_keyed() -> None:
    assert client_hash("192.0.2.1", "k1") != client_hash("192.0.2.1", "k2")
    assert "192.0.2.1" not in client_hash("192.0.2.1", "k1")
