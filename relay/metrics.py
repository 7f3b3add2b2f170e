"""Prometheus metrics: submissions by kind and outcome, request latency."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

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
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", "unmatched")
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            self.metrics.latency.labels(name, method).observe(time.perf_counter() - started)


async def metrics_endpoint(request: Request) -> Response:
    """The metrics, for addresses in ``RELAY_METRICS_ADDRESSES`` only; anyone else gets 404."""
    relay = request.app.state.relay
    if not relay.settings.may_read_metrics(client_address(request.scope, relay.settings)):
        raise HTTPException(404)
    metrics: Metrics = relay.metrics
    return metrics.render()
