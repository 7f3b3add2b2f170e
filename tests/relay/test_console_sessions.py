"""A session that ends while someone types: what they typed comes back, nothing is done without a fresh token,
and an unattended console still expires."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from console_kit import PASSWORD, add_item, csrf_of, entry_token_of, hidden_fields, idle_for, shown_form, textarea
from sqlalchemy import text
from starlette.testclient import TestClient

from relay.models import Status
from relay.store import Store

TYPED = "您好，补办身份证需要本人携带户口簿到户籍窗口办理。\n照片现场拍摄，不收费。"


def typing_when_the_session_ends(
    console: Callable[..., TestClient], store: Store, username: str
) -> tuple[int, TestClient, dict[str, str]]:
    """A new item whose reply form ``username`` opens, then leaves idle past the timeout (30 minutes): the item's
    id, the client, and the form's hidden fields as the page holds them."""
    item_id = add_item(store)
    client = console(username)
    typing = shown_form(client, item_id, "reply")
    idle_for(store, 31)
    return item_id, client, typing


def last_seen(store: Store) -> list[dt.datetime]:
    with store.engine.begin() as conn:
        return [row[0] for row in conn.execute(text("SELECT last_seen_at FROM sessions ORDER BY id"))]


def test_a_reply_sent_after_the_session_ended_comes_back_through_login(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id, station, typing = typing_when_the_session_ends(console, sqlite_store, "dongshan")
    expired = station.post(f"/console/items/{item_id}/reply", data={**typing, "reply": TYPED})
    assert expired.status_code == 401
    assert "登录已超时" in expired.text and "没有丢失" in expired.text
    carried = hidden_fields(expired.text, "/console/login")
    assert carried["draft:reply"] == TYPED and "draft:csrf" not in carried
    assert sqlite_store.replies(item_id) == []
    back = station.post("/console/login", data={**carried, "username": "dongshan", "password": PASSWORD})
    assert back.status_code == 200  # the item page, the reply put back, nothing sent yet
    assert "已重新登录" in back.text and textarea(back.text, "f-reply-reply") == TYPED
    assert sqlite_store.replies(item_id) == []
    again = hidden_fields(back.text, f"/console/items/{item_id}/reply")
    assert again["csrf"] != typing["csrf"]
    assert station.post(f"/console/items/{item_id}/reply", data={**again, "reply": TYPED}).status_code == 303
    assert [r.text for r in sqlite_store.replies(item_id)] == [TYPED]


def test_a_form_from_an_earlier_login_is_shown_again_not_carried_out(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """Back to a form of the expired session, after logging in again in another tab: the form comes back filled."""
    item_id, moderator, typing = typing_when_the_session_ends(console, sqlite_store, "moderator")
    fresh = moderator.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', fresh.text).group(1)  # type: ignore[union-attr]
    moderator.post("/console/login", data={"username": "moderator", "password": PASSWORD, "csrf": token})
    resent = moderator.post(f"/console/items/{item_id}/reply", data={**typing, "reply": TYPED})
    assert resent.status_code == 403 and "上次登录" in resent.text
    assert textarea(resent.text, "f-reply-reply") == TYPED and sqlite_store.replies(item_id) == []
    assert hidden_fields(resent.text, f"/console/items/{item_id}/reply")["csrf"] == csrf_of(moderator)
    forged = moderator.post(f"/console/items/{item_id}/reply", data={**typing, "csrf": "forged", "reply": TYPED})
    assert forged.status_code == 403 and TYPED[:10] not in forged.text


def test_a_draft_goes_back_only_to_the_account_that_typed_it(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id, station, typing = typing_when_the_session_ends(console, sqlite_store, "dongshan")
    carried = hidden_fields(
        station.post(f"/console/items/{item_id}/reply", data={**typing, "reply": TYPED}).text, "/console/login"
    )
    colleague = station.post("/console/login", data={**carried, "username": "li", "password": PASSWORD})
    assert colleague.status_code == 303 and colleague.headers["location"] == f"/console/items/{item_id}"
    assert TYPED[:10] not in station.get(f"/console/items/{item_id}").text


def test_a_post_without_this_browsers_session_carries_nothing(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store)
    stranger = console()  # no session cookie at all: a page elsewhere posting here
    refused = stranger.post(f"/console/items/{item_id}/reply", data={"csrf": "x", "version": "1", "reply": TYPED})
    assert refused.status_code == 401 and 'action="/console/login"' in refused.text
    assert TYPED[:10] not in refused.text and "draft:" not in refused.text
    assert hidden_fields(refused.text, "/console/login")["next"] == f"/console/items/{item_id}"
    assert sqlite_store.console_item(item_id).status is Status.NEW  # type: ignore[union-attr]


def test_typing_keeps_a_session_alive_and_the_queue_poll_does_not(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    moderator = console("moderator")
    token = csrf_of(moderator)
    idle_for(sqlite_store, 20)
    before = last_seen(sqlite_store)
    assert moderator.get("/console/queue/latest?after=0").status_code == 200
    assert last_seen(sqlite_store) == before  # a queue left open on a screen does not keep its session
    assert moderator.post("/console/session", data={"csrf": token}).status_code == 204
    assert last_seen(sqlite_store)[0] > before[0]  # someone typing does
    idle_for(sqlite_store, 31)
    assert moderator.post("/console/session", data={"csrf": token}).status_code == 401


def test_an_entry_form_sent_after_the_session_ended_comes_back_filled(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    station = console("dongshan")
    form = {"csrf": csrf_of(station, "/console/items/new"), "entry_token": entry_token_of(station)}
    form |= {"channel": "phone", "station": "dongshan"}
    form |= {"kind": "question", "text": "来电咨询：居住证到期了怎么续签？", "received": ""}
    idle_for(sqlite_store, 31)
    carried = hidden_fields(station.post("/console/items/new", data=form).text, "/console/login")
    back = station.post("/console/login", data={**carried, "username": "dongshan", "password": PASSWORD})
    assert back.status_code == 200 and "已重新登录" in back.text
    assert textarea(back.text, "field-text") == "来电咨询：居住证到期了怎么续签？"
    assert sqlite_store.count_items() == 0
