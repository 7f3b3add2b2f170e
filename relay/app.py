"""Assembly: settings, store, guards, routes, middleware and error pages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import accounts, auth, console, handback, public
from .casework import Planner
from .edition import TraditionalEdition
from .errors import Conflict, Refusal, TooManyRequests
from .guard import BodySizeLimit, BodyTimeout, RateGuard
from .metrics import LatencyMiddleware, Metrics, metrics_endpoint
from .photos import PhotoDecoder
from .serving import quiet_accept_errors
from .settings import ROOT, Settings, load_settings
from .stations import Stations, load_stations
from .store import Store
from .timefmt import local_time, machine_time

log = logging.getLogger("relay")
TEMPLATES = ROOT / "relay" / "templates"
SITE_STATIC = ROOT / "theme" / "static"

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    ),
]


@dataclass
class Relay:
    """What every request handler needs, built once per app."""

    settings: Settings
    store: Store
    stations: Stations
    templates: Jinja2Templates
    rate_guard: RateGuard
    metrics: Metrics
    planner: Planner
    photos: PhotoDecoder


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in SECURITY_HEADERS if h[0] not in names
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


ERROR_PAGES = {
    400: ("请求有误", ["页面无法处理这次提交，请返回重试。"]),
    404: ("找不到该页面", ["您要找的页面或受理编号不存在。请核对后重试。"]),
    405: ("不支持的操作", ["请通过页面上的按钮操作。"]),
    408: ("提交超时", ["网络太慢，提交没有在规定时间内完成。请在网络较好时重新提交。"]),
    411: ("无法处理这次提交", ["请使用网页上的表单提交。"]),
    413: ("提交的内容太大", ["文字和照片加起来太大了。请压缩照片（不超过 5 MB）或删减文字后重新提交。"]),
    500: (
        "系统出错",
        ["很抱歉，系统暂时出错，您的提交可能未被受理。请稍后重试，或拨打派出所电话。", "紧急情况请拨打 110。"],
    ),
}


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    heading, paragraphs = ERROR_PAGES.get(status, ERROR_PAGES[400])
    if status == 500:
        # The type only: a database error's text could quote submitted data.
        log.error("unhandled %s on %s", type(exc).__name__, request.url.path)
    response = public.render(request, "message.html", status, heading=heading, paragraphs=paragraphs)
    if status in (408, 411, 413):
        response.headers["Connection"] = "close"  # the rest of the body is never read
    return response


async def refused(request: Request, exc: Exception) -> Response:
    """Every named refusal (not found, forbidden, conflict, too many requests) becomes its page here."""
    assert isinstance(exc, Refusal)
    if isinstance(exc, Conflict):
        return await handback.conflict_page(request, exc)
    response = public.render(request, "message.html", exc.status_code, heading=exc.heading, paragraphs=exc.paragraphs)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def refuse_body(status: int) -> ASGIApp:
    """The error page for ``status`` (411 or 413), sent before a byte of the body is read."""

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        response = await http_error(Request(scope, receive), HTTPException(status))
        await response(scope, receive, send)

    return refuse


async def healthz(request: Request) -> Response:
    """200 when the store answers a query, 503 (without the error's text) when it does not."""
    try:
        ok = await run_in_threadpool(request.app.state.relay.store.ping)
    except Exception as error:
        log.error("health check: the store did not answer (%s)", type(error).__name__)
        ok = False
    return JSONResponse({"status": "ok" if ok else "error"}, status_code=200 if ok else 503)


def create_app(
    settings: Settings | None = None, store: Store | None = None, stations: Stations | None = None
) -> Starlette:
    """The relay as an ASGI app; arguments override what settings would build."""
    settings = settings or load_settings()
    store = store or Store(settings.database)
    stations = stations or load_stations(settings.stations)
    templates = Jinja2Templates(
        env=Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    )
    templates.env.globals.update(
        site_url=settings.site_url.rstrip("/"),
        public_url=settings.public_url.rstrip("/"),
        local=local_time,
        machine=machine_time,
    )
    metrics = Metrics()
    metrics.watch_store(store)
    photos = PhotoDecoder(settings.photo_max_bytes, settings.photo_max_pixels, settings.photo_decodes)
    relay = Relay(
        settings,
        store,
        stations,
        templates,
        RateGuard(settings),
        metrics,
        photos=photos,
        planner=Planner(stations, settings, officers=store.officers_of),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        quiet_accept_errors(asyncio.get_running_loop())
        yield
        await relay.rate_guard.close()
        store.close()

    app = Starlette(
        routes=[
            *public.routes,
            *auth.routes,
            *console.routes,
            *accounts.routes,
            Route("/healthz", healthz),
            Route("/metrics", metrics_endpoint),
            Mount("/static", StaticFiles(directory=str(SITE_STATIC)), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(TraditionalEdition, config=settings.hant_opencc, site_url=settings.site_url),
            Middleware(LatencyMiddleware, metrics=metrics),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, refuse=refuse_body),
            Middleware(BodyTimeout, seconds=settings.body_timeout),
        ],
        exception_handlers={Refusal: refused, HTTPException: http_error, Exception: http_error},
        lifespan=lifespan,
    )
    app.state.relay = relay
    return app


def app_from_environment() -> Any:
    """Factory for ``uvicorn --factory relay.app:app_from_environment``."""
    return create_app()
