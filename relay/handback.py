"""The form hand-back: a moderator or station gets their typed text back when a form cannot be applied.

A form sent after someone else acted on the item, after the session ended (logging in again), from a page of an
earlier login, or after the item was transferred to another station is not carried out: its author sees what
changed and the form again holding what was typed, or, when the item is no longer theirs, the text to copy.
``relay.casework.concurrency`` decides (whether a stale form still fits, which fields hold typed text, whether
the item was transferred away); this module reads the request and renders the pages, so it lives beside the
console's other HTTP modules rather than in ``relay.casework``, which knows nothing of requests or templates.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .auth import Console, current_console
from .casework import ACTIONS
from .casework.concurrency import transferred_away, typed_text
from .console_forms import ID, audit_names, describe_audit, entry_page, form_values, show_item
from .errors import Conflict
from .public import render
from .store import AuditEntry, ConsoleItem

log = logging.getLogger("relay.console")  # the console's log lines keep the name they had
ITEM_ACTION = re.compile(r"/console/items/([0-9]{1,9})/([a-z_]{1,32})")


async def conflict_page(request: Request, refusal: Conflict) -> Response:
    """The item changed before the action was carried out, as the planner or the store's guard found: hand the
    form back (``hand_back``). A stale form that ``act`` sees itself is handed back there."""
    relay = request.app.state.relay
    console = await current_console(request)
    current = await run_in_threadpool(relay.store.console_item, refusal.item_id)
    values = await form_values(request) if request.method == "POST" else {}
    if console is not None and current is not None and console.can_see(current.station):
        return await hand_back(request, console, current, request.path_params.get("action", ""), values, "changed", 409)
    moved = await transferred_page(request, console, request.url.path, values) if console is not None else None
    return moved or render(request, "message.html", 409, heading=refusal.heading, paragraphs=[refusal.message])


async def resume_form(
    request: Request, console: Console, path: str, values: dict[str, str], reason: str, status_code: int = 200
) -> Response | None:
    """The page of the form sent to ``path``, for ``console``, with ``values`` put back and nothing carried out:
    after logging in again (``reason`` login) or when the form came from a page of an earlier login (token).
    For an item transferred away from the account's station meanwhile, the typed text to copy (``transferred_page``).
    None when there is no such page for this account (the item is gone or another station's)."""
    if path == "/console/items/new":
        return entry_page(request, console, values, {}, status_code, notice=reason)
    found = ITEM_ACTION.fullmatch(path)
    if found is None:
        return None
    item = await run_in_threadpool(request.app.state.relay.store.console_item, int(found[1]))
    if item is None or not console.can_see(item.station):
        return await transferred_page(request, console, path, values)
    return await hand_back(request, console, item, found[2], values, reason, status_code)


async def transferred_page(request: Request, console: Console, path: str, values: dict[str, str]) -> Response | None:
    """For a form sent to ``path`` (an item's action) after the item was transferred away from this account's
    station since the form's page was shown: the typed text in ``values`` to copy, when and where the item went,
    and nothing else of the item. None when that is not what happened: the item does not exist for the account."""
    found = ITEM_ACTION.fullmatch(path)
    seen = values.get("seen", "")
    if found is None or console.stations is None or not ID.fullmatch(seen):
        return None
    relay = request.app.state.relay
    changes = await run_in_threadpool(relay.store.changes_since, int(found[1]), int(seen))
    moved = transferred_away(changes, console.stations)
    if moved is None:
        return None
    log.info("%s on item %s not carried out: the item was transferred to another station", found[2], found[1])
    return render(
        request,
        "console/transferred.html",
        409,
        console=console,
        moved=moved,
        station=relay.stations.get(moved.to_station),
        label=ACTIONS[found[2]].label if found[2] in ACTIONS else "操作",
        kept=typed_text(values),
    )


async def hand_back(
    request: Request,
    console: Console,
    item: ConsoleItem,
    action: str,
    values: dict[str, str],
    reason: str,
    status_code: int,
    changes: list[AuditEntry] | None = None,
) -> Response:
    """The item as it is now, what changed since the form's page was shown, and the action's form holding what was
    typed (or, when the item no longer takes the action, the typed text to copy). ``reason``: changed (someone
    acted first), login (the session ended), token (the page was from an earlier login); ``changes``: what changed
    since the form's page, when the caller has read it already. The same person sending again what they just did
    is told the first was saved, and gets no form to send it a third time."""
    if changes is None:
        changes = await changes_since_form(request, item, values, reason)
    last = changes[-1] if changes else None
    repeated = last is not None and last.action == action and last.actor == console.account.username
    names = await audit_names(request)
    notice = {
        "reason": reason,
        "action": action,
        "label": ACTIONS[action].label if action in ACTIONS else "操作",
        "repeated": last if repeated else None,
        # each with what it changed, in words: 指定责任民警（责任民警：李明 → 周强）, not only that it happened
        "changes": [(change, describe_audit(change, names)) for change in changes],
        "kept": [] if repeated else typed_text(values),
    }
    kept = {} if repeated else values
    return await show_item(request, console, item, kept, {}, status_code, "" if repeated else action, notice)


async def changes_since_form(
    request: Request, item: ConsoleItem, values: Mapping[str, str], reason: str
) -> list[AuditEntry]:
    """What was done to the item since the form's page was shown (its ``seen``); for a form that does not say,
    the item's last change when someone acted first (``reason`` changed), else nothing."""
    seen = values.get("seen", "")
    after = int(seen) if ID.fullmatch(seen) else item.last_change - (reason == "changed")
    found: list[AuditEntry] = await run_in_threadpool(request.app.state.relay.store.changes_since, item.id, after)
    return found
