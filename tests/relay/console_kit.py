"""Console test helpers: accounts, logins, items in given states."""

from __future__ import annotations

import datetime as dt
import html
import re

from starlette.testclient import TestClient

from relay.auth import hash_password
from relay.models import Kind, Role
from relay.store import NewItem, Store

PASSWORD = "correct-horse-battery"
ACCOUNTS = {
    "admin": (Role.ADMIN, []),
    "moderator": (Role.MODERATOR, []),
    "moderator2": (Role.MODERATOR, []),
    "dongshan": (Role.STATION, ["dongshan"]),
}


def create_accounts(store: Store) -> None:
    hashed = hash_password(PASSWORD)
    for name, (role, stations) in ACCOUNTS.items():
        store.create_user(name, hashed, role, stations, dt.datetime.now(dt.UTC), email=f"{name}@console.example")


def login(client: TestClient, username: str, password: str = PASSWORD, next_url: str = "") -> object:
    page = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post(
        "/console/login", data={"username": username, "password": password, "csrf": token.group(1), "next": next_url}
    )


def csrf_of(client: TestClient, url: str = "/console/queue") -> str:
    page = client.get(url)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def version_of(client: TestClient, item_id: int) -> str:
    page = client.get(f"/console/items/{item_id}")
    found = re.search(r'name="version" value="(\d+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


def add_item(
    store: Store,
    station: str = "dongshan",
    kind: Kind = Kind.QUESTION,
    text: str = "请问身份证丢了怎么补办？我叫王建国，电话13912345678。",
    received: dt.datetime | None = None,
    **extra: object,
) -> int:
    received = received or dt.datetime.now(dt.UTC)
    receipt = store.submit(
        NewItem(station=station, kind=kind, text=text, **extra), received, dt.timedelta(minutes=10), 24
    )  # type: ignore[arg-type]
    item = store.item_by_code(receipt.code)
    assert item is not None
    return item.id


def prefilled_replies(client: TestClient, item_id: int) -> dict[str, str]:
    """The public reply texts the approve form offers, as a browser would send them."""
    page = client.get(f"/console/items/{item_id}").text
    found = re.findall(
        r'<textarea id="field-(public_reply_\d+)" name="public_reply_\d+" rows="4">(.*?)</textarea>', page, re.S
    )
    return {name: html.unescape(text) for name, text in found}


def act(client: TestClient, item_id: int, action: str, **fields: str) -> object:
    data = {"csrf": csrf_of(client, f"/console/items/{item_id}"), "version": version_of(client, item_id)}
    if action == "approve":
        data.update(prefilled_replies(client, item_id))
    data.update(fields)
    return client.post(f"/console/items/{item_id}/{action}", data=data)
