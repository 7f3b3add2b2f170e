"""Console accounts: login, logout, password change, server-side sessions, CSRF.

Sessions live in the store (a random token in the cookie, its SHA-256 in the
database) so logout and password changes revoke them at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .casework import Actor
from .errors import Forbidden
from .forms import clean_text
from .guard import client_address
from .models import Role
from .public import now, render
from .store import Account, SessionRow

log = logging.getLogger("relay.auth")
COOKIE = "relay_console"
LOGIN_COOKIE = "relay_login"
HASHER = PasswordHasher()
DUMMY_HASH = HASHER.hash("not-a-real-password")
PASSWORD_MIN, PASSWORD_MAX = 10, 256
Handler = Callable[[Request, "Console"], Awaitable[Response]]
# The console's navigation, in order. A link shows only to the roles its route lets in (``console_page``).
NAV = (
    ("/console/queue", "待办队列"),
    ("/console/ratings", "评价审核"),
    ("/console/audit", "审计日志"),
    ("/console/templates", "答复模板"),
    ("/console/accounts", "账号"),
    ("/console/password", "修改密码"),
)


@dataclass(frozen=True)
class Console:
    """Who is acting, and what they may see."""

    account: Account
    session: SessionRow
    pages: frozenset[str] = frozenset()  # the console pages (GET paths) this account's role may open

    @property
    def nav(self) -> list[tuple[str, str]]:
        """The navigation links this account may follow, in order."""
        return [(path, label) for path, label in NAV if path in self.pages]

    def may_open(self, path: str) -> bool:
        return path in self.pages

    @property
    def csrf(self) -> str:
        return self.session.csrf_token

    @property
    def stations(self) -> list[str] | None:
        """The stations this account may see; None means all."""
        return list(self.account.stations) if self.account.role.station_bound else None

    def can_see(self, station: str) -> bool:
        return self.stations is None or station in self.stations

    @property
    def actor(self) -> Actor:
        """This account as the one who acts (``relay.casework``)."""
        stations = self.stations
        return Actor(self.account.username, self.account.role, None if stations is None else tuple(stations))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def current_console(request: Request) -> Console | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    relay = request.app.state.relay
    store, settings = relay.store, relay.settings
    session = await run_in_threadpool(store.session, token_hash(token))
    moment = now()
    if session is None or session.revoked_at is not None:
        return None
    idle = moment - session.last_seen_at > dt.timedelta(minutes=settings.session_idle_minutes)
    too_old = moment - session.created_at > dt.timedelta(hours=settings.session_max_hours)
    if idle or too_old:
        await run_in_threadpool(store.revoke_session, session.id, moment)
        return None
    account = await run_in_threadpool(store.account, None, session.user_id)
    if account is None or account.disabled:
        return None
    if moment - session.last_seen_at > dt.timedelta(seconds=60):
        await run_in_threadpool(store.touch_session, session.id, moment)
    return Console(account, session, pages_for(request.app, account.role))


def pages_for(app: Any, role: Role) -> frozenset[str]:
    """The GET routes ``role`` may open, as each route's own ``console_page(roles=…)`` says."""
    return frozenset(
        route.path
        for route in app.routes
        if isinstance(route, Route) and "GET" in (route.methods or ()) and role in getattr(route.endpoint, "roles", ())
    )


def console_page(
    roles: tuple[Role, ...] = tuple(Role),
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a console endpoint: a session is required, POSTs need the CSRF token."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            console = await current_console(request)
            if console is None:
                if request.method == "GET":
                    return RedirectResponse(f"/console/login?next={quote(request.url.path)}", status_code=303)
                raise Forbidden("请先登录。")
            if console.account.role not in roles:
                raise Forbidden("您的账号没有这个权限。")
            if request.method == "POST":
                form = await request.form(max_fields=500)
                sent = str(form.get("csrf", ""))
                if not hmac.compare_digest(sent.encode(), console.csrf.encode()):
                    log.warning("refused POST without a valid CSRF token on %s", request.url.path)
                    raise Forbidden("页面已过期或请求来源不明。请返回上一页，刷新后重试。")
            return await handler(request, console)

        endpoint.roles = roles  # type: ignore[attr-defined]  # read by pages_for: the nav shows what opens
        return endpoint

    return wrap


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    settings = request.app.state.relay.settings
    response.set_cookie(
        name, value, max_age=max_age, path="/console", secure=settings.secure_cookies, httponly=True, samesite="strict"
    )


async def login_form(request: Request) -> Response:
    return login_page(request, {}, {})


def login_page(request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Response:
    login_token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "console/login.html",
        status_code,
        values=values,
        errors=errors,
        login_token=login_token,
        next=safe_next(request.query_params.get("next", "")),
    )
    set_cookie(response, request, LOGIN_COOKIE, login_token, 3600)
    return response


def safe_next(target: str) -> str:
    return target if target.startswith("/console/") and "//" not in target else "/console/queue"


async def login_submit(request: Request) -> Response:
    relay = request.app.state.relay
    form = await request.form(max_fields=10)
    username = clean_text(form.get("username", ""))[:64]
    password = str(form.get("password", ""))
    values = {"username": username}
    cookie_token = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie_token or not hmac.compare_digest(cookie_token.encode(), str(form.get("csrf", "")).encode()):
        return login_page(request, values, {"username": "页面已过期，请重新输入后登录"}, 403)
    client = client_address(request.scope, relay.settings)
    refusal = await relay.rate_guard.login_attempt(username, client)
    if refusal is not None:
        log.warning("login throttled (%s)", refusal.reason)
        response = login_page(request, values, {"username": "尝试次数过多，请 15 分钟后再试"}, 429)
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    account = await run_in_threadpool(relay.store.account, username) if username else None
    valid = len(password) <= PASSWORD_MAX and await run_in_threadpool(
        verify_password, account.password_hash if account else DUMMY_HASH, password
    )
    if account is None or not valid or account.disabled:
        log.info("failed login")
        return login_page(request, values, {"username": "用户名或密码不正确"}, 401)
    await relay.rate_guard.login_succeeded(username, client)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    moment = now()
    await run_in_threadpool(relay.store.create_session, account.id, token_hash(token), csrf, moment)
    await run_in_threadpool(relay.store.record, moment, account.username, "login", account.username)
    response = RedirectResponse(safe_next(str(form.get("next", ""))), status_code=303)
    set_cookie(response, request, COOKIE, token, relay.settings.session_max_hours * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@console_page()
async def logout(request: Request, console: Console) -> Response:
    relay = request.app.state.relay
    moment = now()
    await run_in_threadpool(relay.store.revoke_session, console.session.id, moment)
    await run_in_threadpool(relay.store.record, moment, console.account.username, "logout", console.account.username)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@console_page()
async def password_form(request: Request, console: Console) -> Response:
    return render(request, "console/password.html", console=console)


@console_page()
async def password_submit(request: Request, console: Console) -> Response:
    relay = request.app.state.relay
    form = await request.form()
    current, new, again = (str(form.get(name, "")) for name in ("current", "new", "again"))
    errors = {}
    client = client_address(request.scope, relay.settings)
    refusal = await relay.rate_guard.login_attempt(console.account.username, client)
    if refusal is not None:
        response = render(
            request, "console/password.html", 429, console=console, errors={"current": "尝试次数过多，请 15 分钟后再试"}
        )
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    if await run_in_threadpool(verify_password, console.account.password_hash, current):
        await relay.rate_guard.login_succeeded(console.account.username, client)
    else:
        errors["current"] = "当前密码不正确"
    if not PASSWORD_MIN <= len(new) <= PASSWORD_MAX:
        errors["new"] = f"新密码为 {PASSWORD_MIN} 到 {PASSWORD_MAX} 个字符"
    elif new != again:
        errors["again"] = "两次输入的新密码不一致"
    if errors:
        return render(request, "console/password.html", 422, console=console, errors=errors)
    moment = now()
    await run_in_threadpool(relay.store.set_password, console.account.id, HASHER.hash(new))
    await run_in_threadpool(relay.store.revoke_sessions_of, console.account.id, moment)
    await run_in_threadpool(
        relay.store.record, moment, console.account.username, "password_changed", console.account.username
    )
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


routes = [
    Route("/console/login", login_form, methods=["GET"]),
    Route("/console/login", login_submit, methods=["POST"]),
    Route("/console/logout", logout, methods=["POST"]),
    Route("/console/password", password_form, methods=["GET"]),
    Route("/console/password", password_submit, methods=["POST"]),
]


def hash_password(password: str) -> str:
    return HASHER.hash(password)
