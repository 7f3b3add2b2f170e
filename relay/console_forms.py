"""The console's two form pages, the item page and the entry form, and reading what their forms send.

Both the console's handlers (``relay.console``) and the form hand-back (``relay.handback``) show these pages;
they live here, below both, so that the handlers can import the hand-back without a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from . import notices
from .auth import Console
from .casework import ACTIONS, Planner, current_deadline, describe_time_left, primary_action
from .casework.change import Officer
from .casework.clock import DEADLINE_LABELS, current_deadline_name
from .casework.entry import STAFF_CHANNELS
from .casework.publication import FLAG_FIELD, PublicText, review
from .forms import clean_text
from .models import Kind, Role
from .public import now, render
from .store import ConsoleItem

ID = re.compile(r"[0-9]{1,9}")
# What the approve form's preview says each masked piece was (relay.mask's categories).
MASKED_AS = {
    "phone": "电话号码",
    "id_card": "身份证号",
    "bank_card": "银行卡号",
    "plate": "车牌号",
    "email": "电子邮箱",
    "im": "微信号或QQ号",
    "address": "门牌地址",
    "name": "姓名",
    "known": "提交人的个人信息",
}
FILTER_NAMES = ("status", "station", "kind", "district", "channel", "who", "q")
QUEUE_PATH = "/console/queue"


def queue_address(chosen: Mapping[str, str]) -> str:
    """The queue's address with the filters ``chosen`` (only the queue's own filters; the empty ones, and the
    default tab, left out)."""
    kept = {
        name: chosen[name] for name in FILTER_NAMES if chosen.get(name) and (name, chosen[name]) != ("status", "open")
    }
    return f"{QUEUE_PATH}?{urlencode(kept)}" if kept else QUEUE_PATH


def queue_from(raw: str) -> dict[str, str] | None:
    """The queue's filters from a form's ``from`` field (the queue address the item was opened from), or None
    when it is not a queue address of this console: only the queue's own filters are kept, so that the
    address the console redirects to is always one it builds itself."""
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path != QUEUE_PATH or parts.fragment:
        return None
    return {name: value[:64] for name, value in parse_qsl(parts.query) if name in FILTER_NAMES}


def item_address(item_id: int, came_from: Mapping[str, str] | None, **params: str | int) -> str:
    """An item page's address, keeping the queue it was opened from (``?from=``) for its forms."""
    query = {**params, **({"from": queue_address(came_from)} if came_from is not None else {})}
    return f"/console/items/{item_id}" + (f"?{urlencode(query)}" if query else "")


async def show_item(
    request: Request,
    console: Console,
    item: ConsoleItem,
    values: dict[str, str],
    errors: Mapping[str, str],
    status_code: int = 200,
    failed: str = "",
    notice: Mapping[str, object] | None = None,
) -> Response:
    relay = request.app.state.relay
    planner = relay.planner
    history = await run_in_threadpool(relay.store.history, item.id)
    audit = (
        await run_in_threadpool(relay.store.audit_entries, 50, item.id) if console.account.role is Role.ADMIN else []
    )
    officers = await run_in_threadpool(relay.store.officers_of, item.station)
    duplicates = [
        found
        for found in [
            await run_in_threadpool(relay.store.console_item, other)
            for other in await run_in_threadpool(relay.store.possible_duplicates, item.id)
        ]
        if found is not None and console.can_see(found.station)
    ]
    actions = {a.name: a for a in planner.actions_for(console.actor, item)}
    templates = await run_in_threadpool(relay.store.reply_templates, item.kind) if "reply" in actions else []
    done = request.query_params.get("done", "")
    came_from = queue_from(values.get("from") or request.query_params.get("from", ""))
    public = planner.public_values(item)
    shown = review(item, values if failed == "approve" else {}, public) if "approve" in actions else []
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
        actions=actions,
        primary=primary_action(actions),
        templates=templates,
        done_label=ACTIONS[done].label if done in ACTIONS else "录入" if done == "entered" else "",
        entered_before=done == "entered_before",
        after=await previous_item(request, console),
        review=shown,
        values=values,
        errors=errors,
        error_links=error_links(failed, errors, shown, values),
        failed=failed,
        duplicates=duplicates,
        notice=notice or {},
        keepalive=keepalive_seconds(request),
        back="" if came_from is None else queue_address(came_from),
        masked_as=MASKED_AS,
        moment=now(),
        **clock_context(item),
        **choices(planner, item, officers),
    )


def keepalive_seconds(request: Request) -> int:
    """How often a page with typing in it tells the server someone is there: a quarter of the idle timeout, at
    least every 5 minutes and at most every 15 seconds."""
    idle = request.app.state.relay.settings.session_idle_minutes * 60
    return max(15, min(300, idle // 4))


def error_links(
    failed: str, errors: Mapping[str, str], shown: list[PublicText], values: Mapping[str, str]
) -> dict[str, str]:
    """Where each link of the item page's error summary leads: the field (``f-<action>-<name>``, as the forms
    name them), or for personal data not yet checked the first box still to tick."""
    links = {name: f"f-{failed}-{name}" for name in errors}
    unticked = [flag for text in shown for flag in text.flags if values.get(f"{FLAG_FIELD}{flag.id}") != "yes"]
    if "flags" in errors and unticked:
        links["flags"] = f"f-approve-{FLAG_FIELD}{unticked[0].id}"
    return links


def clock_context(item: ConsoleItem) -> dict[str, object]:
    """The deadline the item is chased against now, and how long is left."""
    deadline = current_deadline(item)
    left, overdue = describe_time_left(deadline, now())
    label = DEADLINE_LABELS.get(current_deadline_name(item) or "", "答复期限")
    return {"deadline": deadline, "deadline_label": label, "left": left, "overdue": overdue}


def choices(planner: Planner, item: ConsoleItem, officers: list[Officer]) -> dict[str, object]:
    """What the item page's forms offer: officers, case types, units, 督办 levels; and the names they show."""
    return {
        "officer_name": next((o.display_name for o in officers if o.username == item.assigned_to), item.assigned_to),
        "officer_options": [(o.username, o.display_name) for o in officers if o.username != item.assigned_to],
        "case_type": planner.case_types.get(item.case_type)
        if item.case_type and item.case_type in planner.case_types
        else None,
        "case_type_options": [(t.code, f"{t.name}（{t.describe_limit()}）") for t in planner.case_types.all()],
        "unit": planner.units.get(item.transferred_to) if item.transferred_to else None,
        "unit_options": [(u.code, u.name) for u in planner.units.external.values()],
        "levels": notices.LEVELS,
        "level_options": [(str(level), label) for level, label in notices.LEVELS.items()],
        "escalation_hours": str(planner.escalation_hours()),
    }


async def previous_item(request: Request, console: Console) -> ConsoleItem | None:
    """The item just acted on (``?after=``), to name it in the confirmation and link back to it."""
    raw = request.query_params.get("after", "")
    if not ID.fullmatch(raw):
        return None
    found = await run_in_threadpool(request.app.state.relay.store.console_item, int(raw))
    return found if found is not None and console.can_see(found.station) else None


def entry_page(
    request: Request,
    console: Console,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status_code: int = 200,
    notice: str = "",
    entered: int | None = None,
) -> Response:
    relay = request.app.state.relay
    return render(
        request,
        "console/entry.html",
        status_code,
        console=console,
        stations=relay.stations,
        kinds=list(Kind),
        channels=STAFF_CHANNELS,
        promises={kind.value: relay.planner.clocks.promise(kind) for kind in Kind},
        values=values,
        errors=errors,
        notice=notice,
        entered=entered,
        keepalive=keepalive_seconds(request),
    )


async def form_values(request: Request) -> dict[str, str]:
    """The submitted form's text fields, cleaned (Starlette keeps the parsed form, so this reads it once)."""
    form = await request.form(max_fields=500)
    return {key: clean_text(value) for key, value in form.items() if isinstance(value, str)}
