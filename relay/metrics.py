"""Prometheus metrics: submissions by kind and outcome, request latency, responses by status class,
and, read from the store at each scrape, overdue items, unsent messages and answers approved but not yet on the
site (``deploy/prometheus/`` alerts on them)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import NotFound
from .guard import client_address

KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.submissions = Counter(
            "relay_submissions", "Public submissions by kind and outcome", ["kind", "outcome"], registry=self.registry
        )
        self.latency = Histogram(
            "relay_request_seconds", "Request latency by route and method", ["route", "method"], registry=self.registry
        )
        self.responses = Counter(
            "relay_responses", "Responses by status class (2xx … 5xx)", ["status_class"], registry=self.registry
        )
        for status_class in ("2xx", "3xx", "4xx", "5xx"):
            self.responses.labels(status_class)

    def watch_store(self, store: Any) -> None:
        """Report the store's overdue items and unsent messages at each scrape."""
        self.registry.register(StoreCollector(store))

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class LatencyMiddleware:
    """Times every request under its route template (never the raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes becomes a 500 further out

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            self.metrics.responses.labels(f"{min(max(status // 100, 2), 5)}xx").inc()
            route = scope.get("route")
            name = getattr(route, "path", "unmatched")
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            self.metrics.latency.labels(name, method).observe(time.perf_counter() - started)


async def metrics_endpoint(request: Request) -> Response:
    """The metrics, for addresses in ``RELAY_METRICS_ADDRESSES`` only; anyone else gets 404."""
    relay = request.app.state.relay
    if not relay.settings.may_read_metrics(client_address(request.scope, relay.settings)):
        raise NotFound()
    metrics: Metrics = relay.metrics
    return await run_in_threadpool(metrics.render)  # the store gauges query the database


class StoreCollector:
    """``relay_overdue_items``, ``relay_outbox_pending`` and the answers approved but not yet on the site (the
    publisher's lag), counted when Prometheus scrapes."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def describe(self) -> list[Any]:
        return []  # nothing is queried when the collector is registered

    def collect(self) -> Iterator[GaugeMetricFamily]:
        overdue = len(self.store.overdue_items(dt.datetime.now(dt.UTC)))
        yield GaugeMetricFamily("relay_overdue_items", "Items past their reply deadline", value=overdue)
        pending = self.store.outbox.pending_count()
        yield GaugeMetricFamily("relay_outbox_pending", "E-mail and SMS messages not sent yet", value=pending)
        waiting, oldest = self.store.waiting_for_site(dt.datetime.now(dt.UTC))
        yield GaugeMetricFamily(
            "relay_answers_waiting_for_site", "Approved answers no site build has put online yet", value=waiting
        )
        yield GaugeMetricFamily(
            "relay_oldest_answer_waiting_for_site_seconds",
            "Seconds since the oldest answer not yet online was approved (0 when none waits)",
            value=oldest,
        )
