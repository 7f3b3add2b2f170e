"""Admins manage console accounts."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .auth import PASSWORD_MAX, PASSWORD_MIN, Console, console_page, hash_password
from .errors import NotFound
from .forms import clean_text
from .models import Role
from .public import now, render

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")


@console_page(roles=(Role.ADMIN,))
async def accounts_page(request: Request, console: Console) -> Response:
    return await show(request, console, {}, {})


async def show(
    request: Request, console: Console, values: dict[str, object], errors: dict[str, str], status_code: int = 200
) -> Response:
    relay = request.app.state.relay
    accounts = await run_in_threadpool(relay.store.accounts)
    return render(
        request,
        "console/accounts.html",
        status_code,
        console=console,
        accounts=accounts,
        roles=list(Role),
        stations=relay.stations,
        values=values,
        errors=errors,
    )


def account_errors(
    username: str,
    role: str,
    stations: list[str],
    password: str,
    email: str | None,
    display_name: str | None,
    known: Any,
) -> dict[str, str]:
    """The new-account form's problems, by field."""
    errors = {}
    if not USERNAME.match(username):
        errors["username"] = "用户名为 3 到 32 位小写字母、数字、点、横线或下划线"
    if role not in Role.__members__.values():
        errors["role"] = "请选择角色"
    elif Role(role).station_bound and not stations:
        errors["stations"] = "派出所账号和民警至少选择一个派出所"
    elif role == Role.OFFICER and not display_name:
        errors["display_name"] = "民警账号请填写姓名（办理事项上显示的责任民警）"
    if any(known.get(s) is None for s in stations):
        errors["stations"] = "派出所不存在"
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        errors["password"] = f"初始密码为 {PASSWORD_MIN} 到 {PASSWORD_MAX} 个字符"
    if email and ("@" not in email or "\n" in email or len(email) > 254):
        errors["email"] = "电子邮箱格式不正确"
    if display_name and len(display_name) > 32:
        errors["display_name"] = "姓名不能超过 32 个字"
    return errors


@console_page(roles=(Role.ADMIN,))
async def create(request: Request, console: Console) -> Response:
    relay = request.app.state.relay
    form = await request.form()
    username = clean_text(form.get("username", "")).lower()
    role = str(form.get("role", ""))
    stations = list(dict.fromkeys(str(s) for s in form.getlist("stations")))
    password = str(form.get("password", ""))
    email = clean_text(form.get("email", "")) or None
    display_name = clean_text(form.get("display_name", "")) or None
    errors = account_errors(username, role, stations, password, email, display_name, relay.stations)
    if errors:
        return await show(
            request,
            console,
            {
                "username": username,
                "role": role,
                "stations": stations,
                "email": email or "",
                "display_name": display_name or "",
            },
            errors,
            422,
        )
    moment = now()
    try:
        await run_in_threadpool(
            relay.store.create_account,
            username,
            hash_password(password),
            Role(role),
            stations if Role(role).station_bound else [],
            moment,
            email,
            display_name,
        )
    except IntegrityError:
        return await show(request, console, {"username": username, "role": role}, {"username": "用户名已存在"}, 422)
    await run_in_threadpool(
        relay.store.record,
        moment,
        console.account.username,
        "account_created",
        username,
        None,
        {"role": role, "stations": stations},
    )
    return RedirectResponse("/console/accounts", status_code=303)


@console_page(roles=(Role.ADMIN,))
async def set_disabled(request: Request, console: Console) -> Response:
    relay = request.app.state.relay
    raw = request.path_params["user_id"]
    account = await run_in_threadpool(relay.store.account, None, int(raw)) if re.fullmatch(r"[0-9]{1,9}", raw) else None
    if account is None:
        raise NotFound()
    disabled = request.url.path.endswith("/disable")
    if account.id == console.account.id and disabled:
        return await show(request, console, {}, {"username": "不能停用自己的账号"}, 422)
    form = await request.form()
    if disabled and form.get("confirm") != "yes":  # a misclick does not lock someone out (docs/relay.md, 确认)
        return await show(request, console, {}, {f"confirm-{account.id}": "请勾选确认后再停用（防止误点）"}, 422)
    moment = now()
    await run_in_threadpool(relay.store.set_disabled, account.id, disabled, moment)
    await run_in_threadpool(
        relay.store.record,
        moment,
        console.account.username,
        "account_disabled" if disabled else "account_enabled",
        account.username,
    )
    return RedirectResponse("/console/accounts", status_code=303)


routes = [
    Route("/console/accounts", accounts_page, methods=["GET"]),
    Route("/console/accounts", create, methods=["POST"]),
    Route("/console/accounts/{user_id}/disable", set_disabled, methods=["POST"]),
    Route("/console/accounts/{user_id}/enable", set_disabled, methods=["POST"]),
]
