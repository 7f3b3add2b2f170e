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
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeGuard
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
from .guard import Refusal, client_address
from .models import Role
from .public import now, render
from .store import Account, SessionRow
from .timefmt import BEIJING

log = logging.getLogger("relay.auth")
COOKIE = "relay_console"
LOGIN_COOKIE = "relay_login"
HASHER = PasswordHasher()
DUMMY_HASH = HASHER.hash("not-a-real-password")
PASSWORD_MIN, PASSWORD_MAX = 10, 256
DRAFT = "draft:"  # the login form's fields that carry a form's text back to its page
RESUMABLE = re.compile(r"/console/items/(?:new|[0-9]{1,9}/[a-z_]{1,32})")
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


async def browser_session(request: Request) -> SessionRow | None:
    """The session this browser's cookie names, alive or not."""
    token = request.cookies.get(COOKIE)
    return await run_in_threadpool(request.app.state.relay.store.session, token_hash(token)) if token else None


async def current_console(request: Request, touch: bool = True) -> Console | None:
    """The account of this request's live session, or None. ``touch``: the request counts as the person being
    there, so the idle timeout starts again (not for the queue's background poll)."""
    return await live_console(request, await browser_session(request), touch)


async def live_console(request: Request, session: SessionRow | None, touch: bool) -> Console | None:
    """The account of ``session`` (``browser_session``) when it is alive, or None (``current_console``)."""
    relay = request.app.state.relay
    store, settings = relay.store, relay.settings
    moment = now()
    if session is None or session.revoked_at is not None:
        return None
    idle_limit = dt.timedelta(minutes=settings.session_idle_minutes)
    idle = moment - session.last_seen_at > idle_limit
    too_old = moment - session.created_at > dt.timedelta(hours=settings.session_max_hours)
    if idle or too_old:
        await run_in_threadpool(store.revoke_session, session.id, moment)
        return None
    account = await run_in_threadpool(store.account, None, session.user_id)
    if account is None or account.disabled:
        return None
    if touch and moment - session.last_seen_at > min(dt.timedelta(seconds=60), idle_limit / 4):
        await run_in_threadpool(store.touch_session, session.id, moment)
    return Console(account, session, pages_for(request.app, account.role))


def pages_for(app: Any, role: Role) -> frozenset[str]:
    """The GET routes ``role`` may open, as each route's own ``console_page(roles=…)`` says. Worked out for every
    role on first use and kept on the app: each app has its own routes."""
    pages: dict[Role, frozenset[str]] | None = getattr(app.state, "console_pages", None)
    if pages is None:
        pages = app.state.console_pages = {
            each: frozenset(
                route.path
                for route in app.routes
                if is_get_route(route) and each in getattr(route.endpoint, "roles", ())
            )
            for each in Role
        }
    return pages[role]


def is_get_route(route: object) -> TypeGuard[Route]:
    """Whether ``route`` is a plain route that serves GET (a page, not only a form's target)."""
    return isinstance(route, Route) and "GET" in (route.methods or ())


def console_page(
    roles: tuple[Role, ...] = tuple(Role), touch: bool = True
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a console endpoint: a session is required, POSTs need the CSRF token.

    A POST whose session has ended gets the login form, and a POST with the token of an earlier session of the
    same account gets its page back; either way with what its form held put back, never carried out."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            session = await browser_session(request)
            console = await live_console(request, session, touch)
            if console is None:
                if request.method == "GET":
                    return RedirectResponse(f"/console/login?next={quote(request.url.path)}", status_code=303)
                return await login_again(request, session)
            if console.account.role not in roles:
                raise Forbidden("您的账号没有这个权限。")
            if request.method == "POST":
                form = await request.form(max_fields=500)
                sent = str(form.get("csrf", ""))
                if not hmac.compare_digest(sent.encode(), console.csrf.encode()):
                    log.warning("refused POST without a valid CSRF token on %s", request.url.path)
                    restored = await from_earlier_login(request, console, form)
                    if restored is not None:
                        return restored
                    raise Forbidden("页面已过期或请求来源不明。请返回上一页，刷新后重试。")
            return await handler(request, console)

        endpoint.roles = roles  # type: ignore[attr-defined]  # read by pages_for: the nav shows what opens
        return endpoint

    return wrap


# -- a form sent after its session ended ------------------------------------------------------------------------
#
# What was typed must survive the idle timeout, and the CSRF protection must stay whole. The rule: a form's text
# is put back into its page only when the form proves it came from this browser's own console page, by carrying
# the CSRF token of the session this browser's cookie names (SameSite=Strict: no other site's page gets the
# cookie sent, and none can read the token), or of an earlier session of the account now logged in. It is only
# ever put back into the form, on a page with the new session's token, for the person to check and send again:
# nothing is carried out on an old token. After logging in again it goes back only to the account whose session
# the form came from.


async def login_again(request: Request, session: SessionRow | None) -> Response:
    """A POST whose session (``browser_session``) has ended (idle, too old, logged out): the login form, which
    carries what the form held (as ``draft:<field>``) through the login back to its page when the form came from
    this browser's session, and else leads back to the page the form was on."""
    form = await request.form(max_fields=500)
    sent = str(form.get("csrf", ""))
    ours = session is not None and hmac.compare_digest(sent.encode(), session.csrf_token.encode())
    draft = draft_of(form) if ours and resumable(request.url.path) else {}
    target = request.url.path if draft else page_of(request.app, request.url.path)
    return login_page(request, {}, {}, 401, target=target, draft=draft, expired=True)


async def from_earlier_login(request: Request, console: Console, form: Any) -> Response | None:
    """The form's page again, filled in, when the form carries the token of an earlier session of this account
    (Back to a page of the session that ended, after logging in again elsewhere); None otherwise."""
    sent = str(form.get("csrf", ""))
    store = request.app.state.relay.store
    if not sent or not resumable(request.url.path):
        return None
    if not await run_in_threadpool(store.has_session_token, console.account.id, sent):
        return None
    from .handback import resume_form  # the hand-back, which imports this module

    return await resume_form(request, console, request.url.path, draft_of(form), "token", 403)


def draft_of(form: Any) -> dict[str, str]:
    """The form's fields but its token: what to put back."""
    return {key: clean_text(value) for key, value in form.items() if isinstance(value, str) and key != "csrf"}


def resumable(path: str) -> bool:
    """Forms whose text is worth carrying back: an item's actions and the entry form."""
    return RESUMABLE.fullmatch(path) is not None


def page_of(app: Any, path: str) -> str:
    """The page a console form was on: the longest leading part of its path that a GET route serves."""
    parts = path.rstrip("/").split("/")
    while len(parts) > 2:
        candidate = "/".join(parts)
        for route in app.routes:
            if is_get_route(route) and route.path_regex.fullmatch(candidate):
                return safe_next(candidate)
        parts.pop()
    return "/console/queue"


@console_page()
async def keep_alive(request: Request, console: Console) -> Response:
    """The item and entry pages post here while someone types (``console.js``): the session stays alive."""
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    settings = request.app.state.relay.settings
    response.set_cookie(
        name, value, max_age=max_age, path="/console", secure=settings.secure_cookies, httponly=True, samesite="strict"
    )


async def login_form(request: Request) -> Response:
    return login_page(request, {}, {}, target=request.query_params.get("next", ""))


def login_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    *,
    target: str = "",
    draft: dict[str, str] | None = None,
    expired: bool = False,
    refused: str = "",
) -> Response:
    """The login form; ``target`` where to go after it, ``draft`` a form's fields to carry back there; ``refused``
    why no login is tried now (too many failed attempts), said for the whole page, not for one field."""
    login_token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "console/login.html",
        status_code,
        values=values,
        errors=errors,
        login_token=login_token,
        next=safe_next(target),
        draft=draft or {},
        expired=expired,
        refused=refused,
    )
    set_cookie(response, request, LOGIN_COOKIE, login_token, 3600)
    return response


THROTTLED = {
    "pair": "这个账号从本网络登录失败（用户名或密码不正确）的次数过多",
    "client": "从本网络（同一网络地址，同一办公室的电脑可能共用）登录失败（用户名或密码不正确）的次数过多",
    "account": "这个账号登录失败（密码不正确）的次数过多，可能有人在猜测密码",
}


def throttle_message(refusal: Refusal) -> str:
    """Why no password is checked now, and from when to try again (Beijing time)."""
    minutes = max(1, -(-refusal.retry_after // 60))
    until = (now() + dt.timedelta(seconds=refusal.retry_after)).astimezone(BEIJING).strftime("%H:%M")
    why = THROTTLED.get(refusal.reason, THROTTLED["client"])
    return f"{why}，为防止猜测密码，暂停登录，暂停期间即使用户名和密码正确也不能登录。请在 {until} 以后再试（约 {minutes} 分钟后）。"


def safe_next(target: str) -> str:
    return target if target.startswith("/console/") and "//" not in target else "/console/queue"


async def login_submit(request: Request) -> Response:
    relay = request.app.state.relay
    form = await request.form(max_fields=500)
    username = clean_text(form.get("username", ""))[:64]
    password = str(form.get("password", ""))
    values = {"username": username}
    target = str(form.get("next", ""))
    draft = {key[len(DRAFT) :]: clean_text(value) for key, value in form.items() if key.startswith(DRAFT)}

    def again(error: str, status_code: int) -> Response:
        return login_page(request, values, {"username": error}, status_code, target=target, draft=draft)

    cookie_token = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie_token or not hmac.compare_digest(cookie_token.encode(), str(form.get("csrf", "")).encode()):
        return again("页面已过期，请重新输入后登录", 403)
    client = client_address(request.scope, relay.settings)
    refusal = await relay.rate_guard.login_attempt(username, client)
    if refusal is not None:
        log.warning("login throttled (%s)", refusal.reason)
        response = login_page(request, values, {}, 429, target=target, draft=draft, refused=throttle_message(refusal))
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    account = await run_in_threadpool(relay.store.account, username) if username else None
    valid = len(password) <= PASSWORD_MAX and await run_in_threadpool(
        verify_password, account.password_hash if account else DUMMY_HASH, password
    )
    if account is None or not valid or account.disabled:
        log.info("failed login")
        return again("用户名或密码不正确", 401)
    await relay.rate_guard.login_succeeded(username, client)
    carry = bool(draft) and resumable(target)
    earlier = await browser_session(request) if carry else None  # the session that ended, whose form the draft is
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    moment = now()
    session = await run_in_threadpool(relay.store.create_session, account.id, token_hash(token), csrf, moment)
    await run_in_threadpool(relay.store.record, moment, account.username, "login", account.username)
    restored: Response | None = None
    if earlier is not None and earlier.user_id == account.id:
        console = Console(account, session, pages_for(request.app, account.role))
        from .handback import resume_form  # the hand-back, which imports this module

        restored = await resume_form(request, console, target, draft, "login")
    answer = restored or RedirectResponse(page_of(request.app, target), status_code=303)
    set_cookie(answer, request, COOKIE, token, relay.settings.session_max_hours * 3600)
    answer.delete_cookie(LOGIN_COOKIE, path="/console")
    return answer


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
            request, "console/password.html", 429, console=console, errors={"current": throttle_message(refusal)}
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
    Route("/console/session", keep_alive, methods=["POST"]),
    Route("/console/password", password_form, methods=["GET"]),
    Route("/console/password", password_submit, methods=["POST"]),
]


def hash_password(password: str) -> str:
    return HASHER.hash(password)
