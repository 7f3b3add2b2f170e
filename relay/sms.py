"""SMS drivers for the outbox: an HTTP gateway, or a log file for the demo.

A driver's ``send`` returns only when the gateway has accepted the message and
raises ``GatewayError`` otherwise, so the worker keeps the message and retries.
Numbers are mainland mobile numbers (``relay.contact.mobile_number``); log
lines and the demo file show them masked (``139****5678``), never in full.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import httpx

from .settings import Settings

log = logging.getLogger("relay.sms")

SUCCESS_CODE = "OK"


class GatewayError(Exception):
    """The gateway did not accept the message (down, slow, an error status or an unexpected answer)."""


def mask_number(number: str) -> str:
    """``13912345678`` → ``139****5678``."""
    return f"{number[:3]}****{number[-4:]}" if len(number) >= 8 else "****"


class Driver(Protocol):
    def send(self, message_id: int, number: str, text: str) -> None:
        """Hand one SMS to the gateway; return only once it accepted, else raise ``GatewayError``."""


class LogDriver:
    """The demo's gateway: appends each SMS to a file, the number masked."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message_id: int, number: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = " ".join(text.split())
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.path.open("a", encoding="utf-8") as file:
            file.write(f"{stamp}\toutbox {message_id}\t{mask_number(number)}\t{line}\n")
        log.info("outbox %d: SMS to %s written to %s", message_id, mask_number(number), self.path.name)


class HttpDriver:
    """A gateway that takes ``POST`` JSON ``{"to", "text", "message_id"}`` and answers 2xx ``{"code": "OK"}``.

    ``message_id`` stays the same on every retry, so a gateway can drop a
    message it already sent (a timeout after the gateway accepted it resends it).
    """

    def __init__(self, client: httpx.Client, url: str, key: str) -> None:
        self.client, self.url, self.key = client, url, key

    def send(self, message_id: int, number: str, text: str) -> None:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        payload = {"to": number, "text": text, "message_id": f"relay-outbox-{message_id}"}
        try:
            response = self.client.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as error:  # refused, reset, timed out, TLS...
            raise GatewayError(f"{type(error).__name__}: {error}") from None
        if not response.is_success:
            raise GatewayError(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise GatewayError(f"HTTP {response.status_code} without a JSON answer") from None
        if not isinstance(answer, dict) or answer.get("code") != SUCCESS_CODE:
            raise GatewayError(f"HTTP {response.status_code} without code {SUCCESS_CODE!r}")


@contextmanager
def open_driver(settings: Settings) -> Iterator[Driver | None]:
    """The configured driver for one round of sending (None when SMS is off)."""
    if settings.sms_driver == "http":
        timeout = httpx.Timeout(settings.sms_timeout)
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            yield HttpDriver(client, settings.sms_url, settings.sms_key)
    elif settings.sms_driver == "log":
        yield LogDriver(settings.data_dir / "sms.log")
    else:
        yield None
