"""Reading and checking the public forms; each problem names its field."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .contact import normalise_contact
from .models import Kind
from .settings import Settings
from .stations import Stations

STARS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
NAME_MAX = 40
LOCATION_MAX = 200
COMMENT_MAX = 500


@dataclass
class FormResult:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_text(raw: Any) -> str:
    """Plain text: normalised, control characters dropped, line breaks kept."""
    value = unicodedata.normalize("NFC", str(raw or "")).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


def check_station(values: dict[str, str], errors: dict[str, str], stations: Stations) -> None:
    if not values["station"]:
        errors["station"] = "请选择派出所"
    elif values["station"] not in stations:
        errors["station"] = "没有这个派出所，请从列表中选择"


def check_ask(form: Any, settings: Settings, stations: Stations) -> FormResult:
    result = FormResult()
    values, errors = result.values, result.errors
    for name in ("station", "kind", "text", "location", "name", "contact", "consent", "website"):
        values[name] = clean_text(form.get(name))
    check_station(values, errors, stations)
    if values["kind"] not in {k.value for k in Kind}:
        errors["kind"] = "请选择事项类型：咨询、求助、隐患举报或建议"
    length = len(values["text"])
    if length == 0:
        errors["text"] = "请填写您的问题或情况"
    elif length < settings.text_min:
        errors["text"] = f"内容太短，请至少写 {settings.text_min} 个字，说清楚事情"
    elif length > settings.text_max:
        errors["text"] = f"内容不能超过 {settings.text_max} 个字，现在是 {length} 个字"
    if values["kind"] == Kind.HAZARD and not values["location"]:
        errors["location"] = "举报隐患请填写具体地点"
    elif len(values["location"]) > LOCATION_MAX:
        errors["location"] = f"地点不能超过 {LOCATION_MAX} 个字"
    if len(values["name"]) > NAME_MAX:
        errors["name"] = f"称呼不能超过 {NAME_MAX} 个字"
    contact = normalise_contact(values["contact"])
    if contact is None:  # given back as typed, to be corrected
        errors["contact"] = "请填写 11 位手机号、固定电话（如 0417-2831101）或电子邮箱，也可以不填"
    else:
        values["contact"] = contact
    if values["website"]:
        errors["website"] = "请不要填写标着“请勿填写”的栏目"
    return result


def check_rating(form: Any, stations: Stations) -> FormResult:
    result = FormResult()
    values, errors = result.values, result.errors
    for name in ("station", "stars", "comment", "website"):
        values[name] = clean_text(form.get(name))
    check_station(values, errors, stations)
    if values["stars"] not in {str(s) for s in STARS}:
        errors["stars"] = "请选择满意程度：从非常满意到非常不满意"
    if len(values["comment"]) > COMMENT_MAX:
        errors["comment"] = f"意见建议不能超过 {COMMENT_MAX} 个字，现在是 {len(values['comment'])} 个字"
    if values["website"]:
        errors["website"] = "请不要填写标着“请勿填写”的栏目"
    return result
