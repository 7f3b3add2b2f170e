"""How ``relay serve`` runs uvicorn: httptools with a header timeout, and a quiet loop when descriptors run out.

uvicorn has no timeout for a client that opens a connection and sends its
headers slowly or never; without nginx in front, a few hundred such sockets
would hold the relay's descriptors. ``HeaderTimeoutProtocol`` closes a
connection whose request headers are not complete ``header_timeout`` seconds
after it opened (or after the first byte of a later keep-alive request).
The body has its own timeout, in ``guard.BodyTimeout``.

When descriptors do run out, asyncio reports every failed ``accept()`` with a
full traceback (hundreds of thousands of lines a minute);
``quiet_accept_errors`` keeps one line per interval with a count.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("relay.serving")
RESOURCE_MESSAGE = "out of system resource"


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections whose headers take longer than ``header_timeout``."""

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self.header_timer is None:
            self.header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _headers_too_slow(self) -> None:
        self.header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def http_protocol(header_timeout: float) -> Any:
    """The protocol factory for ``uvicorn.run(http=...)`` (a partial pickles for worker processes)."""
    return functools.partial(HeaderTimeoutProtocol, header_timeout=header_timeout)


def quiet_accept_errors(loop: asyncio.AbstractEventLoop, interval: float = 60.0) -> None:
    """Log running out of descriptors once per ``interval`` seconds; pass every other loop error on."""
    previous = loop.get_exception_handler()
    state = {"last": -interval, "suppressed": 0}

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exception = context.get("exception")
        if RESOURCE_MESSAGE not in str(context.get("message", "")) and not (
            isinstance(exception, OSError) and exception.errno in (24, 23)  # EMFILE, ENFILE
        ):
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - state["last"] < interval:
            state["suppressed"] += 1
            return
        log.error(
            "cannot accept connections: %s (%d more like this since the last report); raise LimitNOFILE",
            exception.strerror if isinstance(exception, OSError) else context.get("message"),
            state["suppressed"],
        )
        state["last"], state["suppressed"] = now, 0

    loop.set_exception_handler(handler)
