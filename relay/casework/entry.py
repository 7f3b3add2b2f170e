"""Items staff enter from other channels (phone, counter, letter, 12345, 110): read and check the entry form.

``plan_entry`` returns the ``NewItem`` to store, with its deadlines from the
clock table counted from the time the item was received (which may be before
it was entered), or ``FieldErrors``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from ..contact import normalise_contact, split_contact
from ..forms import LOCATION_MAX, NAME_MAX
from ..models import Channel, Kind
from ..timefmt import BEIJING
from .change import Actor

RECEIVED = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{1,2}:[0-9]{2})")
OLDEST_DAYS = 30
STAFF_CHANNELS = tuple(c for c in Channel if c is not Channel.WEB)


def parse_received(raw: str, now: dt.datetime) -> dt.datetime | None:
    """``2026-10-01 09:30`` (Beijing time) as an aware UTC time, or None."""
    found = RECEIVED.fullmatch(raw.strip())
    if not found:
        return None
    try:
        local = dt.datetime.fromisoformat(f"{found.group(1)}T{found.group(2).zfill(5)}")
    except ValueError:
        return None
    return local.replace(tzinfo=BEIJING).astimezone(dt.UTC)


def check_entry(
    form: Mapping[str, str], actor: Actor, now: dt.datetime, stations: Any, settings: Any
) -> dict[str, str]:
    """Field errors of the entry form (empty when it is good)."""
    value = lambda name: form.get(name, "").strip()  # noqa: E731
    errors: dict[str, str] = {}
    station = value("station")
    if stations.get(station) is None or not actor.can_see(station):
        errors["station"] = "请选择派出所"
    if value("kind") not in {k.value for k in Kind}:
        errors["kind"] = "请选择事项类型"
    if value("channel") not in {c.value for c in STAFF_CHANNELS}:
        errors["channel"] = "请选择来源：电话、窗口来访、来信、12345 热线转办或 110 转办"
    received = parse_received(value("received"), now)
    if received is None:
        errors["received"] = "请填写收到的时间，格式如 2026-10-01 09:30（北京时间）"
    elif received > now + dt.timedelta(minutes=1) or received < now - dt.timedelta(days=OLDEST_DAYS):
        errors["received"] = f"收到时间应在最近 {OLDEST_DAYS} 天内，且不晚于现在"
    text = value("text")
    if len(text) < settings.text_min:
        errors["text"] = f"请记录群众反映的内容，至少 {settings.text_min} 个字"
    elif len(text) > settings.text_max:
        errors["text"] = f"内容不能超过 {settings.text_max} 个字"
    if value("kind") == Kind.HAZARD and not value("location"):
        errors["location"] = "隐患举报请填写具体地点"
    elif len(value("location")) > LOCATION_MAX:
        errors["location"] = f"地点不能超过 {LOCATION_MAX} 个字"
    if len(value("name")) > NAME_MAX:
        errors["name"] = f"称呼不能超过 {NAME_MAX} 个字"
    if normalise_contact(value("contact")) is None:
        errors["contact"] = "请填写 11 位手机号、固定电话或电子邮箱；群众不愿留可以不填"
    return errors


def entry_values(form: Mapping[str, str], now: dt.datetime) -> dict[str, Any]:
    """The checked form as the fields of a ``NewItem`` (without deadlines)."""
    phone, email = split_contact(normalise_contact(form.get("contact", "")) or "")
    return {
        "station": form["station"].strip(),
        "kind": Kind(form["kind"].strip()),
        "channel": Channel(form["channel"].strip()),
        "received_at": parse_received(form["received"], now),
        "text": form["text"].strip(),
        "location": form.get("location", "").strip() or None,
        "name": form.get("name", "").strip() or None,
        "contact_phone": phone,
        "contact_email": email,
        "consent": form.get("consent") == "yes",
    }
