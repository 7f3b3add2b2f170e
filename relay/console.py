"""The moderators' console: the queue, one item, and the actions on it."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from . import notices
from .auth import Console, console_page
from .forms import clean_text
from .mask import mask_personal_data
from .models import Kind, RatingStatus, ReplyKind, Role, Status
from .public import now, render
from .store import ConsoleItem
from .workflow import ACTIONS, CITY_ROLES, OPEN, allowed_actions, current_deadline, describe_time_left, reply_outcome

log = logging.getLogger("relay.console")
TABS = [("open", "待办"), *((s.value, s.console_label) for s in Status)]
REPLY_MAX = 4000
ID = re.compile(r"[0-9]{1,9}")
DAYS = re.compile(r"[0-9]{1,2}")
RATINGS_PER_PAGE = 200
NOTE_MAX = 1000


def stations_in_view(request: Request, console: Console, district: str) -> list[str] | None:
    relay = request.app.state.relay
    allowed = console.stations
    if not district:
        return allowed
    in_district = [s.slug for s in relay.stations.by_slug.values() if s.district == district]
    return [s for s in in_district if allowed is None or s in allowed]


@console_page()
async def queue(request: Request, console: Console) -> Response:
    relay = request.app.state.relay
    params = request.query_params
    tab = params.get("status", "open")
    statuses = list(OPEN) if tab == "open" else [Status(tab)] if tab in Status.__members__.values() else list(OPEN)
    station, kind, district = params.get("station", ""), params.get("kind", ""), params.get("district", "")
    visible = stations_in_view(request, console, district)
    if station:
        if relay.stations.get(station) is None or not console.can_see(station):
            raise HTTPException(404)
        visible = [station] if visible is None or station in visible else []
    rows = await run_in_threadpool(
        relay.store.queue, statuses, visible, Kind(kind) if kind in Kind.__members__.values() else None
    )
    counts = await run_in_threadpool(relay.store.status_counts, console.stations)
    moment = now()
    entries = []
    for row in rows:
        deadline = current_deadline(row.status, row.first_reply_due_at, row.final_reply_due_at)
        left, overdue = describe_time_left(deadline, moment)
        entries.append(
            {
                "row": row,
                "deadline": deadline,
                "left": left,
                "overdue": overdue,
                "station": relay.stations.get(row.station),
            }
        )
    pending_ratings = (
        len(await run_in_threadpool(relay.store.pending_ratings, None)) if console.account.role in CITY_ROLES else 0
    )
    return render(
        request,
        "console/queue.html",
        console=console,
        entries=entries,
        tab=tab,
        tabs=TABS,
        counts=counts,
        open_count=sum(counts[s] for s in OPEN),
        filters={"station": station, "kind": kind, "district": district},
        kinds=list(Kind),
        stations=relay.stations,
        pending_ratings=pending_ratings,
    )


async def load_item(request: Request, console: Console) -> ConsoleItem:
    raw = request.path_params["item_id"]
    if not ID.fullmatch(raw):
        raise HTTPException(404)
    item_id = int(raw)
    item = await run_in_threadpool(request.app.state.relay.store.console_item, item_id)
    if item is None or not console.can_see(item.station):
        raise HTTPException(404)  # another station's item does not exist for this account
    return item


@console_page()
async def item_page(request: Request, console: Console) -> Response:
    item = await load_item(request, console)
    return await show_item(request, console, item, {}, {})


async def show_item(
    request: Request,
    console: Console,
    item: ConsoleItem,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    relay = request.app.state.relay
    history = await run_in_threadpool(relay.store.history, item.id)
    replies = await run_in_threadpool(relay.store.replies, item.id)
    audit = (
        await run_in_threadpool(relay.store.audit_entries, 50, item.id) if console.account.role is Role.ADMIN else []
    )
    deadline = current_deadline(item.status, item.first_reply_due_at, item.final_reply_due_at)
    left, overdue = describe_time_left(deadline, now())
    known_names = [item.name] if item.name else []
    return render(
        request,
        "console/item.html",
        status_code,
        console=console,
        item=item,
        station=relay.stations.get(item.station),
        stations=relay.stations,
        history=history,
        replies=replies,
        audit=audit,
        actions={a.name: a for a in allowed_actions(console.account.role, item.status, item.kind)},
        deadline=deadline,
        left=left,
        overdue=overdue,
        masked=values.get("public_text") or item.public_text or mask_personal_data(item.text, known_names),
        masked_replies={
            r.id: values.get(f"public_reply_{r.id}") or r.public_text or mask_personal_data(r.text, known_names)
            for r in replies
        },
        values=values,
        errors=errors,
    )


@console_page()
async def act(request: Request, console: Console) -> Response:
    relay = request.app.state.relay
    item = await load_item(request, console)
    name = request.path_params["action"]
    action = ACTIONS.get(name)
    if action is None:
        raise HTTPException(404)
    form = await request.form()
    values = {key: clean_text(value) for key, value in form.items() if isinstance(value, str)}
    if values.get("version") != str(item.version):
        return await conflict(request, console, item)
    if action.name not in {a.name for a in allowed_actions(console.account.role, item.status, item.kind)}:
        if console.account.role in action.roles:
            return await conflict(request, console, item)
        return render(request, "message.html", 403, heading="无法完成操作", paragraphs=["您的账号不能执行这个操作。"])
    moment = now()
    existing = [r.id for r in await run_in_threadpool(relay.store.replies, item.id)] if action.name == "approve" else []
    built = build_change(request, console, item, action.name, values, moment, existing)
    if isinstance(built, dict):
        return await show_item(request, console, item, values, built, status_code=422)
    changes, note, reply, mails, public_replies = built
    done = await run_in_threadpool(
        relay.store.act,
        item,
        console.account.username,
        action.name,
        moment,
        changes,
        note,
        reply,
        mails,
        public_replies,
    )
    if not done:
        return await conflict(request, console, item)
    log.info("%s on item %d by %s", action.name, item.id, console.account.role.value)
    return RedirectResponse(f"/console/items/{item.id}?done={action.name}", status_code=303)


def build_change(
    request: Request,
    console: Console,
    item: ConsoleItem,
    action: str,
    values: dict[str, str],
    moment: dt.datetime,
    replies_of_item: list[int],
) -> Any:
    """(changes, history note, reply, e-mails, public replies) for ``action``, or a dict of field errors."""
    relay = request.app.state.relay
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    note: str | None = None
    reply: tuple[ReplyKind, str] | None = None
    mails: list[tuple[str, str, str]] = []
    public_replies: dict[int, str] = {}
    if action == "accept":
        changes["status"] = Status.AWAITING_REPLY
    elif action == "reply":
        text = values.get("reply", "")
        if not text:
            errors["reply"] = "请填写答复内容"
        elif len(text) > REPLY_MAX:
            errors["reply"] = f"答复不能超过 {REPLY_MAX} 字"
        kind, new_status = reply_outcome(item.kind, item.status)
        changes["status"] = new_status
        if new_status is Status.AWAITING_FINAL_REPLY:
            days = values.get("final_days", "")
            if item.final_reply_due_at is not None:
                pass  # a deadline the moderator set stays as it is
            elif not DAYS.fullmatch(days) or not 1 <= int(days) <= 60:
                errors["final_days"] = "求助事项请设定最终答复期限：受理后 1 到 60 天"
            else:
                changes["final_reply_due_at"] = item.received_at + dt.timedelta(days=int(days))
        reply = (ReplyKind(kind), text)
        if item.contact_email and not errors:
            mails.append(notices.reply_to_submitter(item, text, relay.settings))
    elif action == "approve":
        text = values.get("public_text", "")
        if not item.consent:
            errors["public_text"] = "提交人没有同意公开，不能批准公开"
        elif not text:
            errors["public_text"] = "请填写公开的问题内容"
        changes.update(status=Status.PUBLISHED, public_text=text, published_at=moment)
        for reply_id in replies_of_item:
            public_reply = values.get(f"public_reply_{reply_id}", "")
            if not public_reply:
                errors[f"public_reply_{reply_id}"] = "请填写公开的答复内容"
            public_replies[reply_id] = public_reply
    elif action == "reject":
        reason = values.get("reason", "")
        if not reason:
            errors["reason"] = "请填写不予受理的理由"
        changes.update(status=Status.REJECTED, reject_reason=reason)
        note = reason
    elif action == "spam":
        changes["status"] = Status.SPAM
    elif action == "transfer":
        target = values.get("station", "")
        if target == item.station or relay.stations.get(target) is None:
            errors["station"] = "请选择另一个派出所"
        else:
            changes["station"] = target
            note = f"转至{relay.stations.get(target).name}（答复期限不变）"
            station = relay.stations.get(target)
            if station.email:
                mails.append(notices.new_item_for_station(item, station, relay.settings, transferred=True))
    elif action == "escalate":
        text = values.get("note", "")
        if not text:
            errors["note"] = "请填写督办意见"
        changes.update(escalated_at=moment, escalation_note=text)
        note = f"督办：{text}"
    elif action == "deadline":
        days = values.get("final_days", "")
        if not DAYS.fullmatch(days) or not 1 <= int(days) <= 60:
            errors["final_days"] = "请填写 1 到 60 天"
        else:
            changes["final_reply_due_at"] = item.received_at + dt.timedelta(days=int(days))
            note = f"最终答复期限设为受理后 {days} 天"
    elif action == "reopen":
        changes.update(status=Status.AWAITING_REPLY, published_at=None, live_at=None)
        note = values.get("note") or "重新打开"
    if len(values.get("note", "")) > NOTE_MAX or len(values.get("reason", "")) > NOTE_MAX:
        errors["note" if "note" in values else "reason"] = f"不能超过 {NOTE_MAX} 字"
    return errors if errors else (changes, note, reply, mails, public_replies)


async def conflict(request: Request, console: Console, item: ConsoleItem) -> Response:
    """Someone else acted first: show what happened instead of applying twice."""
    relay = request.app.state.relay
    current = await run_in_threadpool(relay.store.console_item, item.id)
    history = await run_in_threadpool(relay.store.history, item.id)
    last = history[-1] if history else None
    return render(request, "console/conflict.html", 409, console=console, item=current or item, last=last)


@console_page()
async def item_photo(request: Request, console: Console) -> Response:
    item = await load_item(request, console)
    found = await run_in_threadpool(request.app.state.relay.store.photo, item.photo_id) if item.photo_id else None
    if found is None:
        raise HTTPException(404)
    return Response(found[1], media_type=found[0], headers={"Cache-Control": "private, no-store"})


@console_page(roles=CITY_ROLES)
async def ratings_page(request: Request, console: Console) -> Response:
    relay = request.app.state.relay
    pending = await run_in_threadpool(relay.store.pending_ratings, console.stations)
    return render(
        request,
        "console/ratings.html",
        console=console,
        pending=pending[:RATINGS_PER_PAGE],
        more=max(len(pending) - RATINGS_PER_PAGE, 0),
        stations=relay.stations,
        done=request.query_params.get("done"),
    )


@console_page(roles=CITY_ROLES)
async def ratings_decide(request: Request, console: Console) -> Response:
    """Ratings are moderated at city level: a station never judges its own chief's ratings."""
    relay = request.app.state.relay
    form = await request.form(max_fields=500)
    ids = [int(v) for v in form.getlist("rating") if isinstance(v, str) and ID.fullmatch(v)]
    decision = RatingStatus.APPROVED if form.get("decision") == "approve" else RatingStatus.REJECTED
    changed = await run_in_threadpool(
        relay.store.decide_ratings, ids, decision, console.account.username, now(), console.stations
    )
    return RedirectResponse(f"/console/ratings?done={changed}", status_code=303)


@console_page(roles=(Role.ADMIN,))
async def audit_page(request: Request, console: Console) -> Response:
    entries = await run_in_threadpool(request.app.state.relay.store.audit_entries, 500)
    return render(request, "console/audit.html", console=console, entries=entries)


async def console_home(request: Request) -> Response:
    return RedirectResponse("/console/queue", status_code=303)


routes = [
    Route("/console", console_home, methods=["GET"]),
    Route("/console/queue", queue, methods=["GET"]),
    Route("/console/items/{item_id}", item_page, methods=["GET"]),
    Route("/console/items/{item_id}/photo", item_photo, methods=["GET"]),
    Route("/console/items/{item_id}/{action}", act, methods=["POST"]),
    Route("/console/ratings", ratings_page, methods=["GET"]),
    Route("/console/ratings", ratings_decide, methods=["POST"]),
    Route("/console/audit", audit_page, methods=["GET"]),
]
