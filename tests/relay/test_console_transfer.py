"""A station's form sent after a moderator transferred its item to another station: what was typed comes back to
copy, with where and when the item went, and nothing of the item the station may no longer see."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from console_kit import OFFICER_NAMES, PASSWORD, act, add_item, carry, csrf_of, hidden_fields, idle_for, shown_form
from starlette.testclient import TestClient

from relay.models import Kind, Status
from relay.store import Store
from relay.timefmt import local_time

TYPED = "您好，补办身份证请携带户口簿到户籍窗口。<b>照片现场拍摄</b> & 不收费。"
PERSONAL = "请问身份证丢了怎么补办？我叫王建国，电话13912345678，住东山路8号。"


def kept(page: str, name: str) -> str | None:
    """The read-only box holding what was typed in the form's field ``name``."""
    found = re.search(rf'<textarea id="kept-{name}"[^>]*readonly[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)) if found else None


def transferred_while_typing(
    console: Callable[..., TestClient], store: Store, username: str, action: str, kind: Kind = Kind.QUESTION
) -> tuple[int, TestClient, dict[str, str]]:
    """An item of 东山派出所 whose ``action`` form ``username`` opens; then a moderator transfers it to 西湖派出所.
    Returns the item's id, the station's client and the form's hidden fields as its page holds them."""
    item_id = add_item(
        store, kind=kind, text=PERSONAL, name="王建国", contact_phone="13912345678", contact_email="wang@example.com"
    )
    if username in OFFICER_NAMES:  # an officer's forms are on the items assigned to them
        carry(store, item_id, "assign", officer=username)
    station = console(username)
    typing = shown_form(station, item_id, action)
    assert act(console("moderator"), item_id, "transfer", station="xihu").status_code == 303  # type: ignore[attr-defined]
    return item_id, station, typing


def transfer_time(store: Store, item_id: int) -> str:
    entry = next(e for e in store.audit_entries(item_id=item_id) if e.action == "transfer")
    return local_time(entry.at)


@pytest.mark.parametrize(
    ("username", "action", "kind", "fields", "label"),
    [
        ("dongshan", "reply", Kind.QUESTION, {"reply": TYPED}, "答复"),
        ("li", "reply", Kind.QUESTION, {"reply": TYPED}, "答复"),
        ("li", "request_extension", Kind.QUESTION, {"reason": TYPED, "days": "3"}, "申请延期"),
        ("dongshan", "push_back", Kind.QUESTION, {"reason": TYPED}, "退回（非本单位职责）"),
        ("dongshan", "acknowledge", Kind.HAZARD, {"note": TYPED}, "确认收到并安排核查"),
    ],
)
def test_a_form_sent_after_its_item_was_transferred_comes_back_to_copy(
    console: Callable[..., TestClient],
    sqlite_store: Store,
    username: str,
    action: str,
    kind: Kind,
    fields: dict[str, str],
    label: str,
) -> None:
    item_id, station, typing = transferred_while_typing(console, sqlite_store, username, action, kind)
    sent = station.post(f"/console/items/{item_id}/{action}", data={**typing, **fields})
    assert sent.status_code == 409, sent.text[:2000]
    page = sent.text
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.station == "xihu" and item.status is Status.NEW
    assert f"“{label}”没有提交" in page
    assert item.receipt_code in page and "西湖派出所" in page and transfer_time(sqlite_store, item_id) in page
    name = next(iter(fields))
    assert kept(page, name) == TYPED  # escaped in the page, the same text once read
    assert "<b>照片现场拍摄</b>" not in page
    assert 'href="/console/queue"' in page
    assert sqlite_store.replies(item_id) == [] and sqlite_store.console_item(item_id).version == item.version  # type: ignore[union-attr]


def test_the_page_of_a_transferred_item_shows_none_of_the_item(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(
        sqlite_store,
        kind=Kind.HAZARD,
        text=PERSONAL,
        name="王建国",
        contact_phone="13912345678",
        contact_email="wang@example.com",
        location="东山路8号门口",
    )
    station = console("dongshan")
    typing = shown_form(station, item_id, "reply")
    moderator = console("moderator")
    act(moderator, item_id, "escalate", note="群众来电催问：王建国", level="1")
    act(moderator, item_id, "transfer", station="xihu")
    page = station.post(f"/console/items/{item_id}/reply", data={**typing, "reply": "已安排民警核查。"}).text
    assert kept(page, "reply") == "已安排民警核查。"
    for private in ("王建国", "13912345678", "wang@example.com", "东山路8号", "身份证丢了", "moderator", "催问"):
        assert private not in page, private
    assert f"/console/items/{item_id}" not in page.replace(f"/console/items/{item_id}/", "")  # no link to the item


@pytest.fixture
def three_stations(tmp_path: Path, stations_json: Path) -> str:
    """The test city's stations and 南山派出所, whose items 东山派出所 never sees."""
    data = json.loads(stations_json.read_text(encoding="utf-8"))
    xihu = next(s for s in data["stations"] if s["slug"] == "xihu")
    data["stations"].append({**xihu, "slug": "nanshan", "name": "南山派出所", "email": ""})
    path = tmp_path / "three-stations.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_an_item_the_station_never_had_is_404_with_no_echo(
    console: Callable[..., TestClient], sqlite_store: Store, three_stations: str
) -> None:
    elsewhere = add_item(sqlite_store, "xihu", text="西湖的问题：井盖丢了，我叫赵六。")
    passed_by = add_item(sqlite_store, "xihu", text="西湖的另一个问题：路灯坏了。")
    moved_on = add_item(sqlite_store, "xihu", text="西湖的第三个问题：噪音扰民。")
    moderator = console("moderator", stations=three_stations)
    act(moderator, passed_by, "transfer", station="nanshan")  # between two other stations
    act(moderator, moved_on, "transfer", station="dongshan")
    act(moderator, moved_on, "transfer", station="xihu")  # back again: dongshan had it, but not since the form
    station = console("dongshan", stations=three_stations)
    csrf = csrf_of(station)
    receipts = [sqlite_store.console_item(i).receipt_code for i in (elsewhere, passed_by)]  # type: ignore[union-attr]
    for item_id, seen in ((elsewhere, "0"), (elsewhere, ""), (passed_by, "0"), (999999, "0")):
        guessed = station.post(
            f"/console/items/{item_id}/reply", data={"csrf": csrf, "version": "1", "seen": seen, "reply": TYPED}
        )
        assert guessed.status_code == 404, (item_id, seen)
        for secret in ("照片现场拍摄", "西湖", "南山", "赵六", *receipts, "转交"):
            assert secret not in guessed.text, secret
    later = max(e.id for e in sqlite_store.audit_entries(item_id=moved_on))
    after_it_left = station.post(
        f"/console/items/{moved_on}/reply", data={"csrf": csrf, "version": "9", "seen": str(later), "reply": TYPED}
    )
    assert after_it_left.status_code == 404 and "照片现场拍摄" not in after_it_left.text
    assert all(sqlite_store.replies(i) == [] for i in (elsewhere, passed_by, moved_on))


def test_a_forged_post_on_a_transferred_item_echoes_nothing(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id, station, typing = transferred_while_typing(console, sqlite_store, "dongshan", "reply")
    forged = station.post(f"/console/items/{item_id}/reply", data={**typing, "csrf": "forged", "reply": TYPED})
    assert forged.status_code == 403
    assert "照片现场拍摄" not in forged.text and "西湖派出所" not in forged.text


def test_a_reply_whose_session_ended_while_the_item_was_transferred_comes_back_after_login(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id, station, typing = transferred_while_typing(console, sqlite_store, "dongshan", "reply")
    idle_for(sqlite_store, 31)
    carried = hidden_fields(
        station.post(f"/console/items/{item_id}/reply", data={**typing, "reply": TYPED}).text, "/console/login"
    )
    back = station.post("/console/login", data={**carried, "username": "dongshan", "password": PASSWORD})
    assert back.status_code == 409 and "西湖派出所" in back.text
    assert kept(back.text, "reply") == TYPED and PERSONAL[:6] not in back.text
    assert sqlite_store.replies(item_id) == []
