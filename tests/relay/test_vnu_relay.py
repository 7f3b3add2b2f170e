"""Valid HTML: 0 errors from the W3C Nu HTML checker on every relay page type, public and console, both editions."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from console_kit import act, add_item, csrf_of
from starlette.testclient import TestClient
from vnu import vnu_errors

from relay.models import Kind
from relay.store import Store


def test_every_relay_page_type_is_valid_html(
    client: TestClient, console: Callable[..., TestClient], sqlite_store: Store, tmp_path: Path
) -> None:
    sent = client.post(
        "/ask", data={"station": "dongshan", "kind": "hazard", "text": "路灯坏了很久了", "location": "东山路"}
    )
    code = sent.headers["location"].split("/receipt/")[1].split("?")[0]
    moderator = console("moderator")
    item_id = int(re.search(r"/console/items/(\d+)", moderator.get("/console/queue").text).group(1))  # type: ignore[union-attr]
    act(moderator, item_id, "reply", reply="已修复。")
    help_id = add_item(sqlite_store, kind=Kind.HELP)
    pages = {
        "ask": client.get("/ask"),
        "ask-station": client.get("/ask/dongshan"),
        "ask-errors": client.post("/ask", data={"station": "", "kind": "hazard", "text": ""}),
        "rate": client.get("/rate/dongshan"),
        "receipt": client.get(f"/receipt/{code}"),
        "track": client.get(f"/track/{code}"),
        "track-lookup": client.get("/track"),
        "hant-ask": client.get("/zh-hant/ask"),
        "hant-track": client.get(f"/zh-hant/track/{code}"),
        "not-found": client.get("/track/AAAAA-AAAAA"),
        "login": console().get("/console/login"),
        "queue": moderator.get("/console/queue"),
        "item": moderator.get(f"/console/items/{item_id}"),
        "help-item": moderator.get(f"/console/items/{help_id}"),
        "entry": moderator.get("/console/items/new", follow_redirects=True),
        "login-again": console().post(f"/console/items/{help_id}/reply", data={"csrf": "x", "reply": "答复"}),
        "handed-back": moderator.post(
            f"/console/items/{item_id}/reply",
            data={"csrf": csrf_of(moderator), "version": "1", "seen": "0", "reply": "晚到的答复"},
        ),
        "ratings": moderator.get("/console/ratings"),
        "accounts": console("admin").get("/console/accounts"),
        "audit": console("admin").get("/console/audit"),
        "templates": console("admin").get("/console/templates"),
        "password": moderator.get("/console/password"),
    }
    for name, response in pages.items():
        assert response.headers["content-type"].startswith("text/html"), name
        (tmp_path / f"{name}.html").write_text(response.text, encoding="utf-8")
    assert vnu_errors(tmp_path) == []
