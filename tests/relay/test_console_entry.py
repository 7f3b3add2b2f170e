"""Items staff enter: one entry form makes one item, whatever the browser sends twice."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable

import pytest
from console_kit import create_accounts, login
from starlette.testclient import TestClient

from relay.store import Store
from relay.timefmt import BEIJING

CALL = {"channel": "phone", "station": "dongshan", "kind": "help", "name": "张大爷", "contact": "13912345678"}
CALL |= {"text": "群众来电：家中老人走失，请求帮助寻找。"}


def entry_form(client: TestClient) -> dict[str, str]:
    """The entry form's hidden fields and the time received, as the page shows them, with the call typed in."""
    page = client.get("/console/items/new", follow_redirects=True).text
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    received = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return {**hidden, **CALL, "received": received}


def entered(store: Store) -> list[str]:
    """Receipt codes of the items entered for the call, and the receipt SMS sent to its phone."""
    return [
        m.body for m in store.outbox.due(dt.datetime(2100, 1, 1, tzinfo=dt.UTC), 100) if m.recipient == CALL["contact"]
    ]


def item_of(response: object) -> int:
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    return int(re.search(r"/console/items/(\d+)", response.headers["location"]).group(1))  # type: ignore[attr-defined,union-attr]


def test_back_and_send_again_shows_the_item_already_entered(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    moderator = console("moderator", sms_driver="log")
    form = entry_form(moderator)
    first = moderator.post("/console/items/new", data=form)
    again = moderator.post("/console/items/new", data=form)  # Back, and 录入并受理 once more
    assert item_of(first) == item_of(again) and "done=entered" in first.headers["location"]
    page = moderator.get(again.headers["location"]).text
    assert "已经录入过" in page and "没有重复录入" in page
    assert sqlite_store.count_items() == 1 and len(entered(sqlite_store)) == 1  # one item, one receipt SMS
    other = moderator.post("/console/items/new", data={**entry_form(moderator), "text": "另一通电话：钱包丢了。"})
    assert item_of(other) != item_of(first)  # a new form is a new item


def test_two_sends_at_once_make_one_item(store: Store, make_client: Callable[..., TestClient]) -> None:
    """A double click: both requests reach the store together, on SQLite and on PostgreSQL."""
    create_accounts(store)
    clients = [make_client(store=store, sms_driver="log") for _ in range(2)]
    for client in clients:
        assert login(client, "moderator").status_code == 303  # type: ignore[attr-defined]
    token = entry_form(clients[0]).get("entry_token", "")
    forms = [{**entry_form(client), "entry_token": token} for client in clients]
    barrier = threading.Barrier(len(clients))
    answers: list[object] = []

    def send(client: TestClient, form: dict[str, str]) -> None:
        barrier.wait()
        answers.append(client.post("/console/items/new", data=form))

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({item_of(answer) for answer in answers}) == 1
    assert store.count_items() == 1 and len(entered(store)) == 1


@pytest.mark.parametrize("token", ["", "short", "x" * 65, "not a token!"])
def test_an_entry_without_its_form_token_is_not_entered(
    console: Callable[..., TestClient], sqlite_store: Store, token: str
) -> None:
    moderator = console("moderator")
    refused = moderator.post("/console/items/new", data={**entry_form(moderator), "entry_token": token})
    assert refused.status_code == 422 and "再提交一次" in refused.text
    assert CALL["text"] in refused.text  # what was typed stays in the form, with a new token
    assert sqlite_store.count_items() == 0
