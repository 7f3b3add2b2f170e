"""Working through the console: where an action leads next, searching, what each role is shown."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable

from console_kit import act, add_item, carry, hidden_fields, login
from starlette.testclient import TestClient

from relay.models import Kind
from relay.store import Store


def link_to(page: str, item_id: int) -> str:
    """The address of the queue's link to ``item_id``, as a browser follows it."""
    found = re.search(rf'href="(/console/items/{item_id}(?:\?[^"]*)?)"', page)
    assert found, page[:3000]
    return html.unescape(found.group(1))


def test_after_an_action_the_console_goes_on_in_the_tab_and_filters_it_came_from(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    now = dt.datetime.now(dt.UTC)
    waiting = add_item(sqlite_store, text="等派出所答复：居住证怎么办？", received=now - dt.timedelta(hours=40))
    carry(sqlite_store, waiting, "accept")  # overdue, and only the station can answer it now
    first = add_item(sqlite_store, text="新问题一：护照怎么办？", received=now - dt.timedelta(hours=3))
    second = add_item(sqlite_store, text="新问题二：驾照怎么换？", received=now - dt.timedelta(hours=2))
    add_item(sqlite_store, "xihu", text="西湖的新问题", received=now - dt.timedelta(hours=1))
    moderator = console("moderator")
    queue = moderator.get("/console/queue?status=new&station=dongshan").text
    page = moderator.get(link_to(queue, first)).text
    form = hidden_fields(page, f"/console/items/{first}/accept")
    assert form["from"] == "/console/queue?status=new&station=dongshan"
    assert 'href="/console/queue?status=new&amp;station=dongshan">待办队列' in page

    done = moderator.post(f"/console/items/{first}/accept", data=form)
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith(f"/console/items/{second}?"), location  # not the overdue item of the station
    page = moderator.get(location).text
    assert "新问题二" in page and "已完成：受理并转派出所答复" in page
    form = hidden_fields(page, f"/console/items/{second}/accept")
    assert form["from"] == "/console/queue?status=new&station=dongshan"

    done = moderator.post(f"/console/items/{second}/accept", data=form)
    location = done.headers["location"]
    assert (
        location == f"/console/queue?status=new&station=dongshan&done=accept&after={second}"
    )  # 西湖 not in the filter
    assert "队列中没有其他待办事项了" in moderator.get(location).text


def test_the_next_item_skips_those_above_the_one_acted_on(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    now = dt.datetime.now(dt.UTC)
    top, middle, bottom = (
        add_item(sqlite_store, text=f"问题{n}", received=now - dt.timedelta(hours=h))
        for n, h in ((1, 5), (2, 4), (3, 3))
    )
    moderator = console("moderator")
    page = moderator.get(link_to(moderator.get("/console/queue?status=new").text, middle)).text
    done = moderator.post(
        f"/console/items/{middle}/reject",
        data=hidden_fields(page, f"/console/items/{middle}/reject") | {"reason": "重复"},
    )
    assert done.headers["location"].startswith(f"/console/items/{bottom}?"), (top, done.headers["location"])


def test_the_from_field_never_leads_out_of_the_console(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    moderator = console("moderator")
    for sent in (
        "https://evil.example/console/queue",
        "//evil.example/console/queue",
        "/console/audit",
        "javascript:alert(1)",
        "/console/queue?status=new&next=//evil.example",
    ):
        add_item(sqlite_store, text=f"另一个问题 {sent}")
        response = act(moderator, add_item(sqlite_store, text=f"问题 {sent}"), "accept", **{"from": sent})
        location = response.headers["location"]  # type: ignore[attr-defined]
        assert location.startswith("/console/") and "evil" not in location and "audit" not in location, location


def test_after_claiming_the_officer_stays_on_the_item(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    item_id = add_item(sqlite_store, text="民警认领的问题")
    add_item(sqlite_store, text="另一个问题", received=dt.datetime.now(dt.UTC) - dt.timedelta(hours=30))
    carry(sqlite_store, item_id, "accept")
    officer = console("li")  # an unassigned item: in the whole station's queue, not in 我负责的 (the officer's default)
    page = officer.get(link_to(officer.get("/console/queue?who=all").text, item_id)).text
    response = officer.post(
        f"/console/items/{item_id}/claim", data=hidden_fields(page, f"/console/items/{item_id}/claim")
    )
    location = response.headers["location"]
    assert location.startswith(f"/console/items/{item_id}?") and "done=claim" in location, location
    page = officer.get(location).text
    assert 'id="f-reply-reply"' in page and "已认领，此事项由您负责办理。" in page


def test_escaping_of_the_kept_queue_address(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    item_id = add_item(sqlite_store, text="问题")
    page = console("moderator").get(f"/console/items/{item_id}?from=/console/queue?q=%22%3E%3Cscript%3E").text
    assert "<script>" not in page.split("<body", 1)[1].replace(
        '<script src="/static/js/console.js" defer></script>', ""
    )
    assert Kind.QUESTION.label in page


def test_logins_with_the_right_password_do_not_count_toward_the_address_limit(
    console: Callable[..., TestClient],
) -> None:
    client = console(login_limit_client="3/15minutes", login_limit_account="3/15minutes")
    for _ in range(3):  # a shift change: everybody logs in from the office's one address
        for name in ("moderator", "moderator2", "dongshan", "li", "zhou"):
            assert login(client, name).status_code == 303  # type: ignore[attr-defined]
    for name in ("a1", "a2", "a3"):
        assert login(client, name, "wrong-password").status_code == 401  # type: ignore[attr-defined]
    refused = login(client, "moderator")
    assert refused.status_code == 429  # type: ignore[attr-defined]
    page = refused.text  # type: ignore[attr-defined]
    assert "从本网络" in page and "登录失败" in page and "以后再试" in page and "用户名或密码不正确</p>" not in page
    assert 'class="field-error"' not in page and 'class="error-summary" role="alert"' in page
    assert 0 < int(refused.headers["retry-after"]) <= 900  # type: ignore[attr-defined]


def test_failed_logins_lock_the_account_with_a_plain_reason(console: Callable[..., TestClient]) -> None:
    client = console(login_limit_account="2/15minutes")
    assert login(client, "moderator").status_code == 303  # type: ignore[attr-defined]
    for _ in range(2):
        assert login(client, "moderator", "wrong-password").status_code == 401  # type: ignore[attr-defined]
    refused = login(client, "moderator")
    assert refused.status_code == 429 and "这个账号登录失败" in refused.text  # type: ignore[attr-defined]
    assert 'id="error-username"' not in refused.text  # type: ignore[attr-defined]


def test_a_receipt_code_finds_its_item_in_any_state_within_the_accounts_stations(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    closed = add_item(sqlite_store, text="已经不予受理的事项")
    carry(sqlite_store, closed, "reject", reason="不属于公安机关职责")
    other = add_item(sqlite_store, "xihu", text="西湖已答复的事项")
    carry(sqlite_store, other, "reply", reply="已答复")
    closed_code = sqlite_store.console_item(closed).receipt_code  # type: ignore[union-attr]
    other_code = sqlite_store.console_item(other).receipt_code  # type: ignore[union-attr]
    moderator, station = console("moderator"), console("dongshan")
    for tab in ("", "open", "escalated", "answered"):
        page = moderator.get(f"/console/queue?status={tab}&q={closed_code.lower()}").text
        assert f"/console/items/{closed}" in page and "已经不予受理的事项" in page, tab
    assert "西湖已答复的事项" in moderator.get(f"/console/queue?q=受理编号：{other_code}").text
    assert "已经不予受理的事项" in station.get(f"/console/queue?q={closed_code}").text
    assert "西湖已答复的事项" not in station.get(f"/console/queue?q={other_code}").text  # another station's item
    assert "已经不予受理的事项" not in moderator.get("/console/queue?q=不予受理的事项").text  # words: the tab only


def test_the_accounts_page_names_stations_and_the_preview_says_what_was_masked_in_chinese(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    accounts = console("admin").get("/console/accounts").text
    row = re.search(r"<td>dongshan</td>.*?</tr>", accounts, re.S)
    assert row and "东山派出所" in row.group(0) and "<td>dongshan</td><td>" in row.group(0)
    assert ">dongshan</td>\n" not in accounts and "<td>dongshan</td>\n" not in accounts
    item_id = add_item(sqlite_store, consent=True)
    moderator = console("moderator")
    act(moderator, item_id, "reply", reply="请到户籍窗口办理，有问题打13912345678。")
    page = moderator.get(f"/console/items/{item_id}").text
    titles = set(re.findall(r'<mark title="([^"]*)">', page))
    assert titles and "电话号码" in titles and not any(re.search(r"[a-z]", title) for title in titles), titles


def test_the_item_page_says_when_a_duban_deadline_has_passed(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    now = dt.datetime.now(dt.UTC)
    late = add_item(sqlite_store, text="督办超期的事项")
    carry(sqlite_store, late, "escalate", now - dt.timedelta(hours=3), level="1", note="请尽快", due_hours="1")
    timely = add_item(sqlite_store, text="督办未到期的事项")
    carry(sqlite_store, timely, "escalate", now, level="1", note="请尽快", due_hours="24")
    moderator = console("moderator")
    page = moderator.get(f"/console/items/{late}").text
    assert "已超期</strong>，办理中" in page and "一般督办·超期" in page
    page = moderator.get(f"/console/items/{timely}").text
    assert "已超期" not in page and "·超期" not in page and "办理中" in page
