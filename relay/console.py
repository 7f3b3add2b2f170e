"""The console over HTTP: the queue, one item, the actions on it, ratings and the audit log.

Handlers only parse and render; ``relay.casework`` decides and ``Store.apply`` writes. The item page and the
entry form are rendered by ``relay.console_forms``; a form that cannot be applied is handed back by
``relay.handback``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import notices
from .auth import Console, console_page
from .casework import ACTIONS, CITY_ROLES, OPEN, REPLY_MAX, FieldErrors, current_deadline, describe_time_left
from .casework.change import Message
from .casework.clock import DEADLINE_LABELS, current_deadline_name
from .casework.clocks import Span
from .casework.concurrency import still_fits
from .console_forms import (
    CONFIRMED,
    FILTER_NAMES,
    ID,
    audit_names,
    describe_audit,
    entry_page,
    form_values,
    item_address,
    previous_item,
    queue_address,
    queue_from,
    show_item,
)
from .errors import NotFound
from .forms import clean_text
from .handback import hand_back, transferred_page
from .models import Channel, Kind, RatingStatus, Role, Status
from .public import now, render
from .store import ConsoleItem, Intake, NewItem, normalise_receipt_code
from .store.console import QueueFilter
from .timefmt import BEIJING

log = logging.getLogger("relay.console")
TABS = [("open", "待办"), ("escalated", "督办"), *((s.value, s.console_label) for s in Status)]
TAB_NAMES = {name for name, _ in TABS}
KIND_VALUES = {k.value for k in Kind}
CHANNEL_VALUES = {c.value for c in Channel}
WHO_VALUES = {"mine", "unassigned", "all"}  # the queue's 责任民警 filter; "all" is the whole station (全部)
ENTRY_TOKEN = re.compile(r"[A-Za-z0-9_-]{24,64}")
RATINGS_PER_PAGE = 200
RATINGS_FLAGGED_FROM = 3
ITEM_RATINGS_SHOWN = 50  # the latest one-time ratings (一事一评) listed under the ratings to approve
RATINGS_NONE_TICKED = "请至少勾选一条评价，再选择“批准所选”或“不予采用所选”"
CONFIRM_MISSING = "请勾选确认后再提交（防止误点）"


def confirmed(values: Mapping[str, str]) -> bool:
    """Whether a form's confirm box (``name="confirm" value="yes"``) was ticked."""
    return (
        values.get("confirm") == "yes"
    )  # this many ratings of one station from one address in one day are marked for the moderator


def calendar_gaps(calendar: object, moment: dt.datetime) -> list[int]:
    """Years the working-day calendar lacks that deadlines may reach now: said loudly on the queue."""
    today = moment.astimezone(BEIJING).date()
    soon = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    missing = {year for year in soon if not calendar.covers(year)}  # type: ignore[attr-defined]
    return sorted(missing | set(getattr(calendar, "missing_years", ())))


def local_minute(moment: dt.datetime) -> str:
    """``2026-10-01 09:30``: how the entry form shows and reads times (Beijing)."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def reminder_lead(span: Span) -> dt.timedelta:
    """The clock table's reminder lead (``[reminders] lead`` in relay/data/clocks.toml) as ``relay remind`` reads
    it: hours, else calendar days. The queue marks an open item 即将超期 within it, when its reminder goes out."""
    return dt.timedelta(hours=span.amount) if span.unit == "hours" else dt.timedelta(days=span.amount)


def due_soon(deadline: dt.datetime | None, moment: dt.datetime, lead: dt.timedelta) -> bool:
    """Whether an open item's current deadline falls within ``lead`` of ``moment`` (the same clock and deadline
    the queue's 已超时 uses; the working calendar is already in the deadline). A deadline already passed is within
    it too: the queue marks such an item 已超时 (``describe_time_left``) and not 即将超期."""
    return deadline is not None and deadline - moment <= lead


def who_of(console: Console, chosen: Mapping[str, str]) -> str:
    """The 责任民警 filter in force: as chosen, else the role's default. An officer's queue opens on their own
    items (我负责的, ``mine``) and shows the whole station when they choose 全部 (``all``); every other role opens
    on every item it can see."""
    return chosen["who"] or ("mine" if console.account.role is Role.OFFICER else "")


def stations_in_view(request: Request, console: Console, district: str) -> list[str] | None:
    relay = request.app.state.relay
    allowed = console.stations
    if not district:
        return allowed
    in_district = [s.slug for s in relay.stations.by_slug.values() if s.district == district]
    return [s for s in in_district if allowed is None or s in allowed]


def queue_filter(
    request: Request, console: Console, params: Mapping[str, str] | None = None
) -> tuple[QueueFilter, dict[str, str]]:
    """The queue's filters from the query string (or ``params``, a queue address's); odd values fall back to the
    default, an unknown station is 404. ``chosen["who"]`` stays empty when not chosen (``who_of`` gives the role's
    default), so that the default queue's address stays ``/console/queue``."""
    relay = request.app.state.relay
    params = request.query_params if params is None else params
    chosen = {name: params.get(name, "")[:64] for name in FILTER_NAMES}
    tab = chosen["status"] if chosen["status"] in TAB_NAMES else "open"
    chosen["status"] = tab
    officer = console.account.role is Role.OFFICER
    if chosen["who"] not in WHO_VALUES or (chosen["who"] == "all" and not officer):  # 全部 is others' default
        chosen["who"] = ""
    who = who_of(console, chosen)
    visible = stations_in_view(request, console, chosen["district"])
    station = chosen["station"]
    if station:
        if relay.stations.get(station) is None or not console.can_see(station):
            raise NotFound()
        visible = [station] if visible is None or station in visible else []
    search = clean_text(chosen["q"])
    by_code = bool(normalise_receipt_code(search))  # a receipt code names one item: found in any state and tab
    where = QueueFilter(
        statuses=tuple(Status) if by_code else tuple(OPEN) if tab in ("open", "escalated") else (Status(tab),),
        stations=None if visible is None else tuple(visible),
        kind=Kind(chosen["kind"]) if chosen["kind"] in KIND_VALUES else None,
        channel=Channel(chosen["channel"]) if chosen["channel"] in CHANNEL_VALUES else None,
        assigned_to=console.account.username if who == "mine" else None,
        unassigned=who == "unassigned",
        escalated=tab == "escalated" and not by_code,
        search=search,
    )
    return where, chosen


@console_page()
async def queue(request: Request, console: Console) -> Response:
    relay = request.app.state.relay
    where, chosen = queue_filter(request, console)
    moment = now()
    rows = await run_in_threadpool(relay.store.queue, where, moment)
    counts = await run_in_threadpool(relay.store.status_counts, console.stations)
    waiting = await unassigned_waiting(request, console, chosen)
    lead = reminder_lead(relay.planner.clocks.reminder_lead)
    entries = []
    for row in rows:
        deadline = current_deadline(row)
        left, overdue = describe_time_left(deadline, moment)
        soon = not overdue and due_soon(deadline, moment, lead)
        entries.append(
            {
                "row": row,
                "deadline": deadline,
                "deadline_label": DEADLINE_LABELS.get(current_deadline_name(row) or "", ""),
                "left": left,
                "overdue": overdue,
                "due_soon": soon,
                "escalation_overdue": row.escalation_due_at is not None and row.escalation_due_at < moment,
                "station": relay.stations.get(row.station),
            }
        )
    pending_ratings = (
        len(await run_in_threadpool(relay.store.pending_ratings, None)) if console.may_open("/console/ratings") else 0
    )
    return render(
        request,
        "console/queue.html",
        console=console,
        entries=entries,
        tab=chosen["status"],
        tabs=TABS,
        counts=counts,
        open_count=sum(counts[s] for s in OPEN),
        filters=chosen,
        kinds=list(Kind),
        channels=list(Channel),
        stations=relay.stations,
        pending_ratings=pending_ratings,
        escalated_count=await run_in_threadpool(relay.store.escalated_count, console.stations),
        done_label=ACTIONS[done].label if (done := request.query_params.get("done", "")) in ACTIONS else "",
        after=await previous_item(request, console),
        # The latest item the account can see, listed or not: an officer's own items, or a filtered or empty
        # list, would otherwise count older items they do not show as new.
        newest=await run_in_threadpool(relay.store.latest_item_id, console.stations),
        poll=request.query_params.get("poll", "60") if ID.fullmatch(request.query_params.get("poll", "")) else "60",
        calendar_gaps=calendar_gaps(relay.planner.calendar, moment),
        levels=notices.LEVELS,
        officer_names=await run_in_threadpool(relay.store.officer_names),
        came_from=queue_address(chosen),
        officer=console.account.role is Role.OFFICER,
        waiting=waiting,
        unassigned_address=queue_address(
            {"status": "open", "station": chosen["station"], "district": chosen["district"], "who": "unassigned"}
        ),
        who=who_of(console, chosen),
        narrowed=chosen["status"] != "open" or any(chosen[name] for name in ("kind", "channel", "q")),
        whole_station=queue_address(
            {"status": chosen["status"], "station": chosen["station"], "district": chosen["district"], "who": "all"}
        ),
    )


async def unassigned_waiting(request: Request, console: Console, chosen: dict[str, str]) -> dict[str, int] | None:
    """For an officer looking at their own items (我负责的): how many of the station's open items no officer has
    taken yet, and how many of those are hazards not yet acknowledged (their clock is hours, not a day). None
    for everyone else: their queue lists those items."""
    if console.account.role is not Role.OFFICER or who_of(console, chosen) != "mine":
        return None
    stations = None if console.stations is None else tuple(console.stations)
    where = QueueFilter(statuses=tuple(OPEN), stations=stations, unassigned=True)
    rows = await run_in_threadpool(request.app.state.relay.store.queue, where, now())
    hazards = sum(1 for row in rows if row.kind is Kind.HAZARD and row.acknowledged_at is None)
    return {"items": len(rows), "hazards": hazards}


@console_page(touch=False)  # the queue's background poll: a queue left open on a screen still times out
async def queue_latest(request: Request, console: Console) -> Response:
    """How many open items this account can see arrived after ``?after=<id>`` (the queue's new-item notice)."""
    raw = request.query_params.get("after", "0")
    after = int(raw) if ID.fullmatch(raw) else 0
    where = QueueFilter(statuses=tuple(OPEN), stations=None if console.stations is None else tuple(console.stations))
    found = await run_in_threadpool(request.app.state.relay.store.newer_items, where, after)
    return JSONResponse({"new": found}, headers={"Cache-Control": "no-store"})


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


@console_page()
async def act(request: Request, console: Console) -> Response:
    """Parse the form, plan the action, apply it, and show the result."""
    relay = request.app.state.relay
    action = request.path_params["action"]
    values = await form_values(request)
    try:
        item = await load_item(request, console)
    except NotFound:
        moved = await transferred_page(request, console, request.url.path, values)
        if moved is None:
            raise
        return moved
    if action == "reply" and "insert_template" in values:  # a 常用答复 chosen without JavaScript: nothing is sent
        return await with_template(request, console, item, values)
    if values.get("version") != str(item.version):  # someone acted since the form was shown
        seen = values.get("seen", "")
        changes = await run_in_threadpool(relay.store.changes_since, item.id, int(seen)) if ID.fullmatch(seen) else None
        if not still_fits(action, None if changes is None else [change.action for change in changes]):
            return await hand_back(request, console, item, action, values, "changed", 409, changes)
        if action not in {offered.name for offered in relay.planner.actions_for(console.actor, item)}:
            # What changed took the action from this account (the item given to a colleague while an officer
            # typed a reply): what changed, and the typed text to copy, rather than a bare refusal that loses it.
            return await hand_back(request, console, item, action, values, "changed", 409, changes)
    planned = relay.planner.plan(action, item, values, console.actor, now())
    if isinstance(planned, FieldErrors):
        return await show_item(request, console, item, values, planned.errors, status_code=422, failed=action)
    if action in CONFIRMED and not confirmed(values):
        return await show_item(request, console, item, values, {"confirm": CONFIRM_MISSING}, 422, failed=action)
    came_from = queue_from(values.get("from", ""))
    where = None
    if came_from is not None and action != "claim":
        try:
            where = queue_filter(request, console, came_from)[0]
        except NotFound:  # a station filter the account may no longer see: the default queue
            came_from = {}
    if where is None:
        where = queue_filter(request, console, {})[0]
    before = [row.id for row in await run_in_threadpool(relay.store.queue, where, now())]
    await run_in_threadpool(relay.store.apply, item, planned)
    log.info("%s on item %d by %s", action, item.id, console.account.role.value)
    return RedirectResponse(await next_page(request, item, action, came_from, where, before), status_code=303)


async def with_template(request: Request, console: Console, item: ConsoleItem, values: dict[str, str]) -> Response:
    """The item page again, its reply box holding what was typed with the chosen 常用答复 after it: nothing is
    sent (the reply form's 常用答复 buttons, without JavaScript; with it, console.js inserts at the cursor)."""
    found = await run_in_threadpool(request.app.state.relay.store.reply_templates, item.kind)
    chosen = next((t for t in found if str(t.id) == values.pop("insert_template")), None)
    if chosen is not None:
        typed = values.get("reply", "").rstrip()
        values["reply"] = f"{typed}\n{chosen.text}" if typed else chosen.text
    return await show_item(request, console, item, values, {}, failed="reply")


async def next_page(
    request: Request,
    item: ConsoleItem,
    action: str,
    came_from: dict[str, str] | None,
    where: QueueFilter,
    before: list[int],
) -> str:
    """After an action, the item that followed this one in the queue tab and filters it was opened from (the
    account's open queue when not known); the queue itself when none is left. After 我来办理 (claim), the same
    item, to answer it."""
    if action == "claim":
        return item_address(item.id, came_from, done=action)
    rows = await run_in_threadpool(request.app.state.relay.store.queue, where, now())
    passed = set(before[: before.index(item.id) + 1]) if item.id in before else {item.id}
    following = next((row for row in rows if row.id not in passed), None)
    if following is None:
        back = queue_address(came_from or {})
        return f"{back}{'&' if '?' in back else '?'}done={action}&after={item.id}"
    return item_address(following.id, came_from, done=action, after=item.id)


@console_page()
async def entry_form(request: Request, console: Console) -> Response:
    """A blank entry form. Its one-time token is in its address (``?form=``), so that Back to the form, or a
    reload, gives the same form again: sent twice, it still makes one item."""
    token = request.query_params.get("form", "")
    if not ENTRY_TOKEN.fullmatch(token):
        return RedirectResponse(f"/console/items/new?form={new_entry_token()}", status_code=303)
    entered = await run_in_threadpool(request.app.state.relay.store.entered_with, token)
    values = {"received": local_minute(now()), "entry_token": token}
    response = entry_page(request, console, values, {}, entered=entered)
    response.headers["Cache-Control"] = "no-store"  # Back asks again, and hears whether the form was sent
    return response


def new_entry_token() -> str:
    """The one-time token an entry form carries: the store enters one item per token (``Store.enter``)."""
    return secrets.token_urlsafe(24)


@console_page()
async def entry_submit(request: Request, console: Console) -> Response:
    """An item received by phone, at the counter, by letter, from 12345 or 110: into the same queue and clocks."""
    relay = request.app.state.relay
    values = await form_values(request)
    if not ENTRY_TOKEN.fullmatch(values.get("entry_token", "")):  # not sent from an entry form of this relay
        values["entry_token"] = new_entry_token()
        return entry_page(request, console, values, {}, 422, notice="again")
    moment = now()
    planned = relay.planner.plan_entry(values, console.actor, moment)
    if isinstance(planned, FieldErrors):
        return entry_page(request, console, values, planned.errors, 422)  # the same token: still one item
    new = NewItem(**planned)
    station = relay.stations.get(new.station)

    def notify(intake: Intake) -> tuple[object, ...]:
        to_station = (Message(*notices.new_item_for_station(intake, station, relay.settings)),) if station.email else ()
        return to_station + tuple(notices.receipt_notices(intake, relay.settings))

    item_id, created = await run_in_threadpool(relay.store.enter, values["entry_token"], new, moment, notify)
    if not created:
        log.info("entry form sent again: item %d already entered", item_id)
        return RedirectResponse(f"/console/items/{item_id}?done=entered_before", status_code=303)
    log.info("entered %s from %s for %s", new.kind.value, new.channel.value, new.station)
    return RedirectResponse(f"/console/items/{item_id}?done=entered", status_code=303)


@console_page()
async def item_photo(request: Request, console: Console) -> Response:
    item = await load_item(request, console)
    found = await run_in_threadpool(request.app.state.relay.store.photo, item.photo_id) if item.photo_id else None
    if found is None:
        raise NotFound()
    return Response(found[1], media_type=found[0], headers={"Cache-Control": "private, no-store"})


@console_page(roles=CITY_ROLES)
async def ratings_page(request: Request, console: Console) -> Response:
    return await show_ratings(request, console)


async def show_ratings(
    request: Request, console: Console, errors: Mapping[str, str] | None = None, status_code: int = 200
) -> Response:
    """The ratings to approve; with ``errors`` (none ticked), the page given back with its error summary."""
    relay = request.app.state.relay
    pending = await run_in_threadpool(relay.store.pending_ratings, console.stations)
    item_ratings = await run_in_threadpool(relay.store.recent_item_ratings, console.stations, ITEM_RATINGS_SHOWN)
    return render(
        request,
        "console/ratings.html",
        console=console,
        pending=pending[:RATINGS_PER_PAGE],
        item_ratings=item_ratings,
        flag_from=RATINGS_FLAGGED_FROM,
        more=max(len(pending) - RATINGS_PER_PAGE, 0),
        stations=relay.stations,
        done=None if errors else request.query_params.get("done"),
        errors=dict(errors or {}),
        status_code=status_code,
    )


@console_page(roles=CITY_ROLES)
async def ratings_decide(request: Request, console: Console) -> Response:
    """Ratings are moderated at city level: a station never judges its own chief's ratings."""
    relay = request.app.state.relay
    form = await request.form(max_fields=500)
    ids = [int(v) for v in form.getlist("rating") if isinstance(v, str) and ID.fullmatch(v)]
    if not ids:  # nothing ticked: said so, nothing decided (it said 已处理 0 条评价。)
        return await show_ratings(request, console, {"rating": RATINGS_NONE_TICKED}, 422)
    decision = RatingStatus.APPROVED if form.get("decision") == "approve" else RatingStatus.REJECTED
    changed = await run_in_threadpool(
        relay.store.decide_ratings, ids, decision, console.account.username, now(), console.stations
    )
    return RedirectResponse(f"/console/ratings?done={changed}", status_code=303)


TITLE_MAX = 64


@console_page(roles=(Role.ADMIN,))
async def templates_page(request: Request, console: Console) -> Response:
    return await show_templates(request, console, {}, {})


async def show_templates(
    request: Request, console: Console, values: Mapping[str, str], errors: Mapping[str, str], status_code: int = 200
) -> Response:
    """The reply templates; ``errors`` on a template's 删除 is keyed ``confirm-<id>``."""
    found = await run_in_threadpool(request.app.state.relay.store.reply_templates)
    return render(
        request,
        "console/templates.html",
        status_code,
        console=console,
        templates=found,
        kinds=list(Kind),
        values=values,
        errors=errors,
    )


@console_page(roles=(Role.ADMIN,))
async def template_add(request: Request, console: Console) -> Response:
    form = await request.form()
    values = {name: clean_text(form.get(name, "")) for name in ("kind", "title", "text")}
    errors = {}
    if values["kind"] not in KIND_VALUES:
        errors["kind"] = "请选择事项类型"
    if not values["title"] or len(values["title"]) > TITLE_MAX:
        errors["title"] = f"请填写标题，不超过 {TITLE_MAX} 字"
    if not values["text"] or len(values["text"]) > REPLY_MAX:
        errors["text"] = f"请填写答复内容，不超过 {REPLY_MAX} 字"
    if errors:
        return await show_templates(request, console, values, errors, 422)
    await run_in_threadpool(
        request.app.state.relay.store.add_reply_template,
        Kind(values["kind"]),
        values["title"],
        values["text"],
        console.account.username,
        now(),
    )
    return RedirectResponse("/console/templates", status_code=303)


@console_page(roles=(Role.ADMIN,))
async def template_delete(request: Request, console: Console) -> Response:
    raw = request.path_params["template_id"]
    if not ID.fullmatch(raw):
        raise NotFound()
    store = request.app.state.relay.store
    if not confirmed(await form_values(request)):
        if int(raw) not in {t.id for t in await run_in_threadpool(store.reply_templates)}:
            raise NotFound()
        return await show_templates(request, console, {}, {f"confirm-{raw}": CONFIRM_MISSING}, 422)
    if not await run_in_threadpool(store.delete_reply_template, int(raw), console.account.username, now()):
        raise NotFound()
    return RedirectResponse("/console/templates", status_code=303)


@console_page(roles=(Role.ADMIN,))
async def audit_page(request: Request, console: Console) -> Response:
    entries = await run_in_threadpool(request.app.state.relay.store.audit_entries, 500)
    names = await audit_names(request)
    return render(request, "console/audit.html", console=console, entries=[describe_audit(e, names) for e in entries])


async def console_home(request: Request) -> Response:
    return RedirectResponse("/console/queue", status_code=303)


routes = [
    Route("/console", console_home, methods=["GET"]),
    Route("/console/queue", queue, methods=["GET"]),
    Route("/console/queue/latest", queue_latest, methods=["GET"]),
    Route("/console/items/new", entry_form, methods=["GET"]),
    Route("/console/items/new", entry_submit, methods=["POST"]),
    Route("/console/items/{item_id}", item_page, methods=["GET"]),
    Route("/console/items/{item_id}/photo", item_photo, methods=["GET"]),
    Route("/console/items/{item_id}/{action}", act, methods=["POST"]),
    Route("/console/ratings", ratings_page, methods=["GET"]),
    Route("/console/ratings", ratings_decide, methods=["POST"]),
    Route("/console/audit", audit_page, methods=["GET"]),
    Route("/console/templates", templates_page, methods=["GET"]),
    Route("/console/templates", template_add, methods=["POST"]),
    Route("/console/templates/{template_id}/delete", template_delete, methods=["POST"]),
]
