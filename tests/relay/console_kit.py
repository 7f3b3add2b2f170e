"""Console test helpers: accounts, logins, items in given states."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import httpx
from sqlalchemy import text
from starlette.testclient import TestClient

from relay.auth import hash_password
from relay.casework import Actor, Change, Planner, approval_form, carry_out
from relay.mask import find_flags
from relay.models import Kind, Role, Status
from relay.settings import load_settings
from relay.stations import Stations
from relay.store import NewItem, Store

PASSWORD = "correct-horse-battery"
ACCOUNTS = {
    "admin": (Role.ADMIN, []),
    "moderator": (Role.MODERATOR, []),
    "moderator2": (Role.MODERATOR, []),
    "dongshan": (Role.STATION, ["dongshan"]),
    "li": (Role.OFFICER, ["dongshan"]),
    "zhou": (Role.OFFICER, ["dongshan"]),
}
OFFICER_NAMES = {"li": "李明", "zhou": "周强"}


def create_accounts(store: Store) -> None:
    hashed = hash_password(PASSWORD)
    for name, (role, stations) in ACCOUNTS.items():
        store.create_account(
            name,
            hashed,
            role,
            stations,
            dt.datetime.now(dt.UTC),
            email=f"{name}@console.example",
            display_name=OFFICER_NAMES.get(name),
        )


def login(client: TestClient, username: str, password: str = PASSWORD, next_url: str = "") -> object:
    page = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post(
        "/console/login", data={"username": username, "password": password, "csrf": token.group(1), "next": next_url}
    )


def csrf_of(client: TestClient, url: str = "/console/queue") -> str:
    page = client.get(url, follow_redirects=True)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def idle_for(store: Store, minutes: int) -> None:
    """Every session was last seen ``minutes`` ago."""
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)).replace(tzinfo=None)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE sessions SET last_seen_at = :past"), {"past": past})


def hidden_fields(page: str, form_action: str) -> dict[str, str]:
    """The hidden fields of the form on ``page`` that posts to ``form_action``, as a browser would send them."""
    form = re.search(rf'<form method="post" action="{re.escape(form_action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form, page[:3000]
    return {
        k: html.unescape(v)
        for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1))
    }


def textarea(page: str, field_id: str) -> str | None:
    """The text of the textarea with ``field_id`` on ``page``, as a browser shows it; None when there is none."""
    found = re.search(rf'<textarea id="{field_id}"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)) if found else None


def entry_token_of(client: TestClient) -> str:
    """The one-time token of a fresh entry form (one form, one item)."""
    found = re.search(
        r'name="entry_token" value="([^"]+)"', client.get("/console/items/new", follow_redirects=True).text
    )
    assert found
    return found.group(1)


def version_of(client: TestClient, item_id: int) -> str:
    page = client.get(f"/console/items/{item_id}")
    found = re.search(r'name="version" value="(\d+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


def shown_form(client: TestClient, item_id: int, action: str) -> dict[str, str]:
    """The hidden fields of one action's form on the item page, as a browser shows it now (and sends it later)."""
    page = client.get(f"/console/items/{item_id}").text
    form = re.search(rf'<form [^>]*id="form-{action}">(.*?)</form>', page, re.S)
    assert form, page[:2000]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))


def add_item(
    store: Store,
    station: str = "dongshan",
    kind: Kind = Kind.QUESTION,
    text: str = "请问身份证丢了怎么补办？我叫王建国，电话13912345678。",
    received: dt.datetime | None = None,
    **extra: object,
) -> int:
    received = received or dt.datetime.now(dt.UTC)
    fields = {**PLANNER.deadlines_for(kind, extra.get("received_at") or received), **extra}  # type: ignore[arg-type]
    receipt = store.submit(NewItem(station=station, kind=kind, text=text, **fields), received, dt.timedelta(minutes=10))  # type: ignore[arg-type]
    item = store.item_by_code(receipt.code)
    assert item is not None
    return item.id


def prefilled_replies(client: TestClient, item_id: int) -> dict[str, str]:
    """The public reply texts the approve form offers, as a browser would send them."""
    page = client.get(f"/console/items/{item_id}").text
    found = re.findall(
        r'<textarea id="f-approve-(public_reply_\d+)" name="public_reply_\d+" rows="4">(.*?)</textarea>', page, re.S
    )
    return {name: html.unescape(text) for name, text in found}


def act(client: TestClient, item_id: int, action: str, **fields: str) -> object:
    data = {"csrf": csrf_of(client, f"/console/items/{item_id}"), "version": version_of(client, item_id)}
    if action == "approve":
        data.update(prefilled_replies(client, item_id))
    data.update(fields)
    return client.post(f"/console/items/{item_id}/{action}", data=data)


def ask_answer_and_approve(
    browser: Any, site_url: str, relay_url: str, question: str, answer: str
) -> tuple[Any, Any, str]:
    """In a real browser: ask on the station page of 东山派出所, then reply and approve as the moderator.
    Returns the citizen's page, the moderator's page and the receipt code."""
    public = browser.new_page()
    public.goto(f"{site_url}/stations/dongshan/")
    public.get_by_label("您的问题").fill(question)
    public.get_by_label("同意在隐去个人信息后公开我的问题和答复").check()
    public.get_by_role("button", name="提交", exact=True).click()
    public.wait_for_url("**/receipt/*")
    code = public.locator(".receipt-code").inner_text()
    moderator = browser.new_page()
    moderator.goto(f"{relay_url}/console/login")
    moderator.get_by_label("用户名").fill("moderator")
    moderator.get_by_label("密码").fill(PASSWORD)
    moderator.get_by_role("button", name="登录").click()
    moderator.get_by_role("link", name=f"咨询 {code}").click()
    moderator.get_by_label("答复", exact=True).fill(answer)
    moderator.get_by_role("button", name="提交答复").click()
    # the console moves on to the next item (or the queue); the confirmation links back to this one
    moderator.get_by_role("status").get_by_role("link", name=code).click()
    moderator.get_by_role("button", name="批准公开").click()
    return public, moderator, str(code)


MODERATOR = Actor("moderator", Role.MODERATOR)
PLANNER = Planner(Stations([]), load_settings(environ={}, secret_key="test", public_url="https://relay.test"))


def carry(
    store: Store, item_id: int, action: str, at: dt.datetime | None = None, actor: Actor = MODERATOR, **form: str
) -> Change:
    """Plan and apply ``action`` as the console does, without HTTP, with the form's pre-filled values."""
    item = store.console_item(item_id)
    assert item is not None
    if action == "approve":  # a moderator who ticks every flag of the texts sent
        form = approval_form(item) | form
        texts = [text for key, text in form.items() if key == "public_text" or key.startswith("public_reply_")]
        form = form | {f"flag_{flag.id}": "yes" for text in texts for flag in find_flags(text)}
    if action == "reply":
        form = {"case_type": "general_help"} | form
    planner = planner_of(store)
    return carry_out(store, planner, item_id, action, actor, at or dt.datetime.now(dt.UTC), form)


def planner_of(store: Store) -> Planner:
    """The test planner with this store's officers (the rest loaded once)."""
    return Planner(
        PLANNER.stations,
        PLANNER.settings,
        clocks=PLANNER.clocks,
        calendar=PLANNER.calendar,
        case_types=PLANNER.case_types,
        units=PLANNER.units,
        officers=store.officers_of,
    )


def answer_fully(store: Store, item_id: int, reply: str, at: dt.datetime | None = None) -> None:
    """Reply until the item is answered: once, or for a help request a first and a final reply."""
    carry(store, item_id, "reply", at, reply=reply)
    item = store.console_item(item_id)
    if item is not None and item.status is Status.AWAITING_FINAL_REPLY:
        carry(store, item_id, "reply", at, reply=reply)


class Relay:
    """A relay serving the SQLite file of ``store`` (the test writes to it while the relay runs), for tests that
    need a real server over HTTP (the ``relay`` fixture in conftest.py)."""

    def __init__(self, url: str, store: Store) -> None:
        self.url, self.store = url, store
        self.clients: list[httpx.Client] = []

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)
        self.clients.append(client)
        return client

    def console(self, username: str) -> httpx.Client:
        """A browser-like client logged in as ``username`` (this module's accounts)."""
        client = self.client()
        response = login(client, username)  # type: ignore[arg-type]
        assert response.status_code == 303, response.text  # type: ignore[attr-defined]
        return client
