"""Abuse guards: body size, client address, rate limits, honeypot.

Checks return a reason (or raise a named error), never a bare False.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .settings import Settings

HONEYPOT_FIELD = "website"


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyTooSlow(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=408)


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes``, and chunked bodies, before any parsing.

    Checks ``Content-Length`` first, then counts the bytes actually received.
    A chunked body is refused (411) outright: every browser sends a form with
    its length, and nginx does too, while a body in 1-byte chunks costs the
    HTTP parser seconds of CPU for a few megabytes that the count cannot see.
    ``refuse(status)`` is the ASGI app that answers.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, refuse: Callable[[int], ASGIApp]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await self.refuse(413)(scope, receive, send)
                return
            if name == b"transfer-encoding":
                await self.refuse(411)(scope, receive, send)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)


class BodyTimeout:
    """Answer 408 when a client sends nothing of its body for ``seconds`` (as nginx's ``client_body_timeout``)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def within_timeout() -> Message:
            try:
                async with asyncio.timeout(self.seconds):  # no task per call, unlike wait_for
                    return await receive()
            except TimeoutError:
                raise BodyTooSlow() from None

        await self.app(scope, within_timeout, send)


def client_address(scope: Scope, settings: Settings) -> str:
    """The client's address; forwarded headers count only from trusted proxies."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not settings.is_trusted_proxy(peer):
        return str(peer)
    forwarded = ",".join(
        value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"x-forwarded-for"
    )
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not settings.is_trusted_proxy(hop):
            return hop
    return hops[0] if hops else str(peer)


def client_hash(address: str, secret_key: str) -> str:
    """A keyed hash of the address: lets us count, never lets us read it back."""
    return hmac.new(secret_key.encode(), address.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Refusal:
    reason: str
    retry_after: int


class RateGuard:
    """Per-client and per-station limits, in memory or in Redis (``limits``, sliding window counters).

    Not the moving window: its in-memory storage trims every key's list of hits
    in a worker thread after each hit, holding the key's lock meanwhile, which
    cost a quarter of the relay's CPU per submission under steady load.
    """

    def __init__(self, settings: Settings) -> None:
        url = settings.rate_limit_url
        url = url if url.startswith("async+") else f"async+{url}"
        options = {"implementation": "redispy"} if url.startswith("async+redis") else {}
        storage = storage_from_string(url, **options)
        assert isinstance(storage, Storage)
        self.storage = storage
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.per_client: RateLimitItem = parse(settings.rate_limit_client)
        self.per_station: RateLimitItem = parse(settings.rate_limit_station)
        self.login_per_pair: RateLimitItem = parse(settings.login_limit_pair)
        self.login_per_account: RateLimitItem = parse(settings.login_limit_account)
        self.login_per_client: RateLimitItem = parse(settings.login_limit_client)
        self.tracking_per_client: RateLimitItem = parse(settings.rate_limit_track)

    async def admit(self, action: str, client: str, station: str) -> Refusal | None:
        """Count one submission; a Refusal says which limit was reached."""
        if not await self.limiter.hit(self.per_client, action, "client", client):
            return Refusal("client", self.per_client.get_expiry())
        if not await self.limiter.hit(self.per_station, action, "station", station):
            return Refusal("station", self.per_station.get_expiry())
        return None

    async def login_attempt(self, username: str, client: str) -> Refusal | None:
        """Count one password attempt *before* the password is checked; a Refusal means do not check it.

        Each ``hit`` is one atomic step in the storage (a lock in memory, a Lua
        script in Redis), so concurrent attempts cannot all pass a check made
        before any of them is counted.  Limits, in order: this account from this
        client (``pair``), this client for any account, and a higher ceiling for
        the account from everywhere, so that wrong passwords sent from elsewhere
        do not lock a moderator out.  A refused attempt is not counted against
        the later limits.  The limits are on *failed* attempts: an attempt with
        the right password is given back (``login_succeeded``), so that colleagues
        logging in from one office address at a shift change are not locked out.
        """
        if not await self.limiter.hit(self.login_per_pair, "login", "pair", username, client):
            return await self.refusal("pair", self.login_per_pair, username, client)
        if not await self.limiter.hit(self.login_per_client, "login", "client", client):
            return await self.refusal("client", self.login_per_client, client)
        if not await self.limiter.hit(self.login_per_account, "login", "account", username):
            return await self.refusal("account", self.login_per_account, username)
        return None

    async def refusal(self, reason: str, item: RateLimitItem, *identifiers: str) -> Refusal:
        """A refused login attempt, with the seconds until the limit lets one more attempt through."""
        stats = await self.limiter.get_window_stats(item, "login", reason, *identifiers)
        wait = math.ceil(stats.reset_time - time.time())
        return Refusal(reason, wait if 0 < wait <= item.get_expiry() else item.get_expiry())

    async def login_succeeded(self, username: str, client: str) -> None:
        """The right password from this client: its own attempts on this account start again, and this attempt
        is given back to the client's and the account's limits (a negative hit, atomic like the hit it undoes)."""
        await self.limiter.clear(self.login_per_pair, "login", "pair", username, client)
        await self.limiter.hit(self.login_per_client, "login", "client", client, cost=-1)
        await self.limiter.hit(self.login_per_account, "login", "account", username, cost=-1)

    async def admit_tracking(self, client: str) -> Refusal | None:
        """Count one look at a receipt or tracking page (stops guessing and scraping receipt codes)."""
        if not await self.limiter.hit(self.tracking_per_client, "track", "client", client):
            return Refusal("client", self.tracking_per_client.get_expiry())
        return None

    async def close(self) -> None:
        """Close the Redis connection pool (the memory storage has none)."""
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()
