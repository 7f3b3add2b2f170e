"""The console's two form pages, the item page and the entry form, and reading what their forms send.

Both the console's handlers (``relay.console``) and the form hand-back (``relay.handback``) show these pages;
they live here, below both, so that the handlers can import the hand-back without a cycle.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from . import notices
from .auth import Console
from .casework import ACTIONS, OPEN, Planner, current_deadline, describe_time_left, primary_action
from .casework.change import Actor, Officer
from .casework.clock import DEADLINE_LABELS, current_deadline_name
from .casework.entry import STAFF_CHANNELS
from .casework.publication import FLAG_FIELD, PublicText, review
from .folding import detail_words
from .forms import clean_text
from .models import Kind, Role, Status
from .public import now, render
from .store import AuditEntry, ConsoleItem
from .timefmt import local_time

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
# Actions a misclick must not carry out (docs/relay.md, 确认): their forms have a box to tick, checked here.
CONFIRMED = {
    "spam": "确认这是垃圾信息：事项将关闭，不再答复",
    "reopen": "确认重新打开：已公开的答复会从网站撤下，事项重新等待答复",
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
    names = await audit_names(request) if audit else {}
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
        audit=[describe_audit(entry, names) for entry in audit],
        actions=actions,
        primary=primary_action(actions),
        colleagues_item=colleagues_item(console.actor, item),
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
        confirm_labels=CONFIRMED,
        moment=now(),
        **clock_context(item),
        **choices(planner, item, officers),
    )


def colleagues_item(actor: Actor, item: ConsoleItem) -> bool:
    """An open item another officer is responsible for, shown to an officer: theirs to read, not to handle (the
    planner offers an officer nothing on it, ``Action.permits``); the page says who handles it instead."""
    return actor.role is Role.OFFICER and item.status in OPEN and item.assigned_to not in (None, actor.username)


async def audit_names(request: Request) -> dict[str, Callable[[str], str]]:
    """How the audit log names the stations, units, case types and officers its entries record by code."""
    relay = request.app.state.relay
    officers = await run_in_threadpool(relay.store.officer_names)

    def station(slug: str) -> str:
        found = relay.stations.get(slug)
        return found.name if found else slug

    def unit(code: str) -> str:
        found = relay.planner.units.get(code)
        return found.name if found else code

    def case_type(code: str) -> str:
        return relay.planner.case_types.get(code).name if code in relay.planner.case_types else code

    return {
        "station": station,
        "stations": station,
        "transferred_to": unit,
        "case_type": case_type,
        "assigned_to": lambda name: officers.get(name, name),
    }


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


def audit_label(action: str) -> str:
    """An audit entry's action as people read it: a console action by its button's label, the others by theirs."""
    return ACTIONS[action].label if action in ACTIONS else AUDIT_LABELS.get(action, action)


# -- the audit log in words ------------------------------------------------------------------------------------
# Console actions are named by their buttons' labels (``ACTIONS``); these are the audit log's other entries.
AUDIT_LABELS = {
    "resubmission": "群众补充提交",
    "login": "登录",
    "logout": "退出登录",
    "password_changed": "修改密码",
    "account_created": "新建账号",
    "account_disabled": "停用账号",
    "account_enabled": "启用账号",
    "template_added": "新建答复模板",
    "template_deleted": "删除答复模板",
    "ratings_approved": "批准评价",
    "ratings_rejected": "不予采用评价",
}
# The item columns and other values an audit entry records (relay.casework.change FIELDS and DEADLINES).
AUDIT_FIELDS = {
    "status": "状态",
    "station": "派出所",
    "reject_reason": "不予受理理由",
    "escalated_at": "督办时间",
    "escalation_note": "督办意见",
    "published_at": "批准公开时间",
    "live_at": "网站公开时间",
    "assigned_to": "责任民警",
    "acknowledged_at": "确认收到时间",
    "case_type": "案件类型",
    "final_due_note": "另定最终答复期限的理由",
    "transferred_to": "转交单位",
    "transfer_receiver": "对方接收人",
    **DEADLINE_LABELS,
    "public_text": "公开的问题",
    "reply": "答复",
    "public_replies": "公开的答复",
    "kind": "类型",
    "text": "内容",
    "role": "角色",
    "stations": "派出所",
    "reason": "原因",
    "stars": "评价",
    "due_at": "期限",
    "added": "补充了",
    "consent": "同意公开",
}
RATING_STATES = {"pending": "待审核", "approved": "已批准", "rejected": "不予采用"}
CALLBACK_REASONS = {"low_rating": "低分评价", "complaint": "群众投诉", "moderator": "审核员安排"}
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


@dataclass(frozen=True)
class AuditLine:
    """One audit entry as the console shows it: who did what, and what changed, in words (``changes``); the
    raw record (``raw``) stays for an admin to open."""

    entry: AuditEntry
    actor: str
    label: str
    changes: list[str]
    raw: str


def describe_audit(entry: AuditEntry, names: Mapping[str, Callable[[str], str]] | None = None) -> AuditLine:
    """An audit entry in the console's words: the action's label as its button names it, statuses by their
    console labels, times in Beijing time (``local``), no field names or JSON; stations, units, case types and
    officers by their names (``names``: code to name, by the field that holds it, from ``audit_names``)."""
    names = names or {}
    label = audit_label(entry.action)
    before, after = _loaded(entry.before), _loaded(entry.after)
    status_words = RATING_STATES if entry.action.startswith("ratings_") else {s.value: s.console_label for s in Status}

    def word(key: str, value: Any) -> str:
        if value is None or value == "":
            return "无"
        if isinstance(value, bool):
            return "是" if value else "否"
        if key == "status" and isinstance(value, str):
            return status_words.get(value, value)
        if key in names:
            return "、".join(names[key](str(v)) for v in value) if isinstance(value, list) else names[key](str(value))
        if key == "kind" and value in {k.value for k in Kind}:
            return Kind(value).label
        if key == "role" and value in {r.value for r in Role}:
            return Role(value).label
        if key == "reason" and value in CALLBACK_REASONS:
            return CALLBACK_REASONS[value]
        if key == "stars":
            return f"{value} 星"
        if key == "added" and isinstance(value, list):
            return detail_words(value) or "、".join(map(str, value))
        if isinstance(value, str) and ISO_TIME.fullmatch(value):
            moment = dt.datetime.fromisoformat(value)
            return local_time(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))
        if isinstance(value, dict):
            return "；".join(word(key, v) for v in value.values())
        if isinstance(value, list):
            return "、".join(word(key, v) for v in value)
        return str(value)

    was = before if isinstance(before, dict) else {}
    became = after if isinstance(after, dict) else {}
    changes = []
    for key in sorted([*became] + [k for k in was if k not in became], key=lambda k: (k != "status", k == "records")):
        name = AUDIT_FIELDS.get(key, key)
        if key == "records":
            changes += [_record_words(r) for r in became.get("records", []) if isinstance(r, dict)]
        elif key in became and key in was:
            old, new = word(key, was[key]), word(key, became[key])
            changes.append(f"{name}：{old} → {new}" if old != new else f"{name}：{new}（不变）")
        elif key in became:
            changes.append(f"{name}：{word(key, became[key])}")
        else:
            changes.append(f"{name}：{word(key, was[key])}（已删除）")
    actor = "群众" if entry.actor == "public" else entry.actor
    raw = f"{entry.action} {entry.before or 'null'} → {entry.after or 'null'}"
    return AuditLine(entry, actor, label, changes, raw)


def _loaded(raw: str | None) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


def _record_words(record: dict[str, Any]) -> str:
    """A 督办, 回访 or extension the action opened or decided (``relay.casework.change`` records)."""
    kind = record.get("type")
    due = record.get("due_at")
    due_words = local_time(dt.datetime.fromisoformat(due)) if isinstance(due, str) and ISO_TIME.fullmatch(due) else ""
    if kind == "NewEscalation":
        level = notices.LEVELS.get(record.get("level", 0), "督办")
        return f"{level}：{record.get('reason', '')}，{due_words} 前办结"
    if kind == "NewCallback":
        return f"安排回访（{CALLBACK_REASONS.get(record.get('reason', ''), '审核员安排')}），{due_words} 前完成"
    if kind == "CallbackOutcome":
        parts = ["联系上" if record.get("reached") else "未联系上"]
        if record.get("reached"):
            parts.append("满意" if record.get("satisfied") else "不满意")
        if record.get("corrected"):
            parts.append("重新办理（整改）")
        return "回访结果：" + "，".join(parts) + (f"：{record['note']}" if record.get("note") else "")
    if kind == "NewExtension":
        return f"申请延期 {record.get('days')} 个工作日：{record.get('reason', '')}"
    if kind == "ExtensionDecision":
        decision = "同意延期" if record.get("granted") else "不同意延期"
        return decision + (f"：{record['note']}" if record.get("note") else "")
    return "记录：" + "，".join(f"{AUDIT_FIELDS.get(k, k)} {v}" for k, v in record.items() if k != "type")
