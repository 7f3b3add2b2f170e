"""The console over HTTP: the queue, one item, the actions on it, ratings and the audit log.

Handlers only parse and render; ``relay.casework`` decides and ``Store.apply`` writes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .auth import Console, console_page, current_console
from .casework import CITY_ROLES, OPEN, FieldErrors, current_deadline, describe_time_left, suggested_public_texts
from .errors import Conflict, NotFound
from .forms import clean_text
from .models import Kind, RatingStatus, Role, Status
from .public import now, render
from .store import ConsoleItem

log = logging.getLogger("relay.console")
TABS = [("open", "待办"), *((s.value, s.console_label) for s in Status)]
ID = re.compile(r"[0-9]{1,9}")
RATINGS_PER_PAGE = 200


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
            raise NotFound()
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
        raise NotFound()
    item = await run_in_threadpool(request.app.state.relay.store.console_item, int(raw))
    if item is None or not console.can_see(item.station):
        raise NotFound()  # another station's item does not exist for this account
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
    errors: Mapping[str, str],
    status_code: int = 200,
) -> Response:
    relay = request.app.state.relay
    history = await run_in_threadpool(relay.store.history, item.id)
    audit = (
        await run_in_threadpool(relay.store.audit_entries, 50, item.id) if console.account.role is Role.ADMIN else []
    )
    deadline = current_deadline(item.status, item.first_reply_due_at, item.final_reply_due_at)
    left, overdue = describe_time_left(deadline, now())
    question, public_replies = suggested_public_texts(item)
    return render(
        request,
        "console/item.html",
        status_code,
        console=console,
        item=item,
        station=relay.stations.get(item.station),
        stations=relay.stations,
        history=history,
        replies=item.replies,
        audit=audit,
        actions={a.name: a for a in relay.planner.actions_for(console.actor, item)},
        deadline=deadline,
        left=left,
        overdue=overdue,
        masked=values.get("public_text") or question,
        masked_replies={
            reply_id: values.get(f"public_reply_{reply_id}") or text for reply_id, text in public_replies.items()
        },
        values=values,
        errors=errors,
    )


@console_page()
async def act(request: Request, console: Console) -> Response:
    """Parse the form, plan the action, apply it, and show the result."""
    relay = request.app.state.relay
    item = await load_item(request, console)
    action = request.path_params["action"]
    form = await request.form()
    values = {key: clean_text(value) for key, value in form.items() if isinstance(value, str)}
    if values.get("version") != str(item.version):
        raise Conflict(item.id)  # the form was shown before someone else acted
    planned = relay.planner.plan(action, item, values, console.actor, now())
    if isinstance(planned, FieldErrors):
        return await show_item(request, console, item, values, planned.errors, status_code=422)
    await run_in_threadpool(relay.store.apply, item, planned)
    log.info("%s on item %d by %s", action, item.id, console.account.role.value)
    return RedirectResponse(f"/console/items/{item.id}?done={action}", status_code=303)


async def conflict_page(request: Request, refusal: Conflict) -> Response:
    """Someone else acted first: show what happened instead of applying twice."""
    relay = request.app.state.relay
    console = await current_console(request)
    current = await run_in_threadpool(relay.store.console_item, refusal.item_id)
    if console is None or current is None or not console.can_see(current.station):
        return render(request, "message.html", 409, heading=refusal.heading, paragraphs=[refusal.message])
    history = await run_in_threadpool(relay.store.history, current.id)
    last = history[-1] if history else None
    return render(request, "console/conflict.html", 409, console=console, item=current, last=last)


@console_page()
async def item_photo(request: Request, console: Console) -> Response:
    item = await load_item(request, console)
    found = await run_in_threadpool(request.app.state.relay.store.photo, item.photo_id) if item.photo_id else None
    if found is None:
        raise NotFound()
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
