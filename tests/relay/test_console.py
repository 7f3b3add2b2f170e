"""The moderation console through real HTTP: every action, every role, sessions, CSRF, concurrency."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable

import pytest
from console_kit import PASSWORD, act, add_item, csrf_of, login, prefilled_replies, shown_form, textarea, version_of
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.routing import Route
from starlette.testclient import TestClient

from relay.models import Kind, RatingStatus, Status
from relay.store import Store
from relay.timefmt import BEIJING


def item_status(store: Store, item_id: int) -> Status:
    item = store.console_item(item_id)
    assert item is not None
    return item.status


# -- accounts and sessions ------------------------------------------------------


def test_login_and_logout(console: Callable[..., TestClient]) -> None:
    client = console()
    assert client.get("/console/queue").headers["location"] == "/console/login?next=/console/queue"
    response = login(client, "moderator", next_url="/console/ratings")
    assert response.status_code == 303 and response.headers["location"] == "/console/ratings"  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/console"):
        assert flag.lower() in cookie.lower(), flag
    assert client.get("/console/queue").status_code == 200
    assert client.post("/console/logout", data={"csrf": csrf_of(client)}).status_code == 303
    assert client.get("/console/queue").status_code == 303


def test_replayed_cookie_after_logout_is_refused(
    console: Callable[..., TestClient], make_client: Callable[..., TestClient]
) -> None:
    client = console("moderator")
    stolen = client.cookies.get("relay_console")
    client.post("/console/logout", data={"csrf": csrf_of(client)})
    thief = make_client()
    thief.cookies.set("relay_console", stolen, domain="relay.test", path="/console")
    assert thief.get("/console/queue").status_code == 303
    refused = thief.post("/console/logout", data={"csrf": "x"})
    assert refused.status_code == 401 and "后台登录" in refused.text  # the login form, nothing done


def test_wrong_password_and_unknown_user_look_the_same(console: Callable[..., TestClient]) -> None:
    client = console()
    wrong = login(client, "moderator", "not-the-password")
    unknown = login(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401  # type: ignore[attr-defined]
    assert "用户名或密码不正确" in wrong.text  # type: ignore[attr-defined]


def test_login_is_throttled_per_account(console: Callable[..., TestClient]) -> None:
    client = console()
    for _ in range(5):
        assert login(client, "moderator", "wrong-password").status_code == 401  # type: ignore[attr-defined]
    throttled = login(client, "moderator")  # even the right password waits
    assert throttled.status_code == 429 and "登录失败（用户名或密码不正确）的次数过多" in throttled.text  # type: ignore[attr-defined]
    assert login(client, "moderator2").status_code == 303  # type: ignore[attr-defined]


def test_login_is_throttled_per_client(console: Callable[..., TestClient]) -> None:
    client = console(login_limit_client="3/15minutes")
    for name in ("a1", "a2", "a3"):
        login(client, name, "wrong-password")
    assert login(client, "moderator").status_code == 429  # type: ignore[attr-defined]


def test_login_without_its_token_is_refused(console: Callable[..., TestClient]) -> None:
    client = console()
    response = client.post("/console/login", data={"username": "moderator", "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 403


def test_password_change_revokes_every_session(
    console: Callable[..., TestClient], make_client: Callable[..., TestClient]
) -> None:
    laptop, phone = console("moderator"), console("moderator")
    short = laptop.post(
        "/console/password", data={"csrf": csrf_of(laptop), "current": PASSWORD, "new": "short", "again": "short"}
    )
    assert short.status_code == 422 and "至少 10 个字符" in short.text
    done = laptop.post(
        "/console/password",
        data={
            "csrf": csrf_of(laptop),
            "current": PASSWORD,
            "new": "a-new-long-password",
            "again": "a-new-long-password",
        },
    )
    assert done.status_code == 303
    assert laptop.get("/console/queue").status_code == 303
    assert phone.get("/console/queue").status_code == 303
    assert login(make_client(), "moderator", "a-new-long-password").status_code == 303  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("column", "age"), [("last_seen_at", dt.timedelta(minutes=31)), ("created_at", dt.timedelta(hours=13))]
)
def test_idle_and_absolute_timeouts(
    console: Callable[..., TestClient], sqlite_store: Store, column: str, age: dt.timedelta
) -> None:
    client = console("moderator")
    past = (dt.datetime.now(dt.UTC) - age).replace(tzinfo=None)
    with sqlite_store.engine.begin() as conn:
        conn.execute(text(f"UPDATE sessions SET {column} = :past"), {"past": past})
    assert client.get("/console/queue").status_code == 303


def test_disabled_account_loses_its_sessions(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    station = console("dongshan")
    admin = console("admin")
    account = sqlite_store.account("dongshan")
    assert account is not None
    assert (
        admin.post(
            f"/console/accounts/{account.id}/disable",
            data={"csrf": csrf_of(admin, "/console/accounts"), "confirm": "yes"},
        ).status_code
        == 303
    )
    assert station.get("/console/queue").status_code == 303
    assert login(console(), "dongshan").status_code == 401  # type: ignore[attr-defined]


# -- every route is guarded -------------------------------------------------------


def console_routes(client: TestClient) -> list[tuple[str, str]]:
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/console") and route.path != "/console/login":
            path = route.path.replace("{item_id}", "1").replace("{action}", "reply").replace("{user_id}", "1")
            found += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def test_every_console_route_without_a_session_redirects_or_refuses(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    add_item(sqlite_store)
    client = console()
    routes = console_routes(client)
    assert len(routes) >= 14
    for method, path in routes:
        response = client.request(
            method, path, data={"csrf": "x", "version": "1", "reply": "x"} if method == "POST" else None
        )
        if method == "GET" and path != "/console":
            assert response.status_code == 303 and response.headers["location"].startswith("/console/login"), (
                method,
                path,
            )
        elif method == "GET":
            assert response.status_code == 303, path
        else:
            assert response.status_code in (401, 403), (method, path, response.status_code)
        assert "请问身份证" not in response.text and "13912345678" not in response.text


def test_every_state_changing_route_refuses_get_and_a_missing_csrf_token(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store)
    client = console("admin")
    posts = [path for method, path in console_routes(client) if method == "POST"]
    posts += [
        f"/console/items/{item_id}/{action}"
        for action in ("accept", "reply", "approve", "reject", "spam", "transfer", "escalate", "deadline", "reopen")
    ]
    for path in posts:
        path = path.replace("/items/1/", f"/items/{item_id}/")
        if not any(m == "GET" and p == path for m, p in console_routes(client)):
            assert client.get(path).status_code == 405, path
        assert client.post(path, data={"version": "1"}).status_code == 403, path
        assert client.post(path, data={"csrf": "forged", "version": "1"}).status_code == 403, path
    assert item_status(sqlite_store, item_id) is Status.NEW


# -- station accounts see only their station -----------------------------------------


def test_station_account_cannot_read_or_act_on_another_station(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    own = add_item(sqlite_store, "dongshan", text="东山的问题：户口迁移怎么办？")
    other = add_item(
        sqlite_store,
        "xihu",
        kind=Kind.HAZARD,
        text="西湖的问题：井盖丢了",
        location="西湖路",
        photo=(b"\xff\xd8x", "image/jpeg", 1, 1),
    )
    client = console("dongshan")
    queue = client.get("/console/queue").text
    assert "东山的问题" in queue and "西湖的问题" not in queue
    for url in (f"/console/items/{other}", f"/console/items/{other}/photo", "/console/queue?station=xihu"):
        response = client.get(url)
        assert response.status_code == 404 and "西湖的问题" not in response.text, url
    assert "西湖的问题" not in client.get("/console/queue?district=西湖区").text
    csrf = csrf_of(client)
    for action in ("reply", "accept", "approve", "reject", "spam", "transfer", "escalate", "reopen"):
        response = client.post(
            f"/console/items/{other}/{action}",
            data={"csrf": csrf, "version": "1", "reply": "越权答复", "station": "dongshan"},
        )
        assert response.status_code == 404, action
    assert item_status(sqlite_store, other) is Status.NEW and sqlite_store.replies(other) == []
    assert client.get(f"/console/items/{own}").status_code == 200
    assert client.get("/console/audit").status_code == 403 and client.get("/console/accounts").status_code == 403


def test_station_account_may_reply_but_not_moderate(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    item_id = add_item(sqlite_store)
    client = console("dongshan")
    assert act(client, item_id, "spam").status_code == 403  # type: ignore[attr-defined]
    assert act(client, item_id, "reply", reply="您好，请携带户口簿到户籍窗口补办。").status_code == 303  # type: ignore[attr-defined]
    assert item_status(sqlite_store, item_id) is Status.ANSWERED


# -- the actions -----------------------------------------------------------------------


def test_question_from_receipt_to_publication(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    item_id = add_item(sqlite_store, contact_email="wang@example.com", name="王建国", consent=True)
    client = console("moderator")
    assert act(client, item_id, "accept").status_code == 303  # type: ignore[attr-defined]
    assert item_status(sqlite_store, item_id) is Status.AWAITING_REPLY
    assert act(client, item_id, "reply", reply="").status_code == 422  # type: ignore[attr-defined]
    assert act(client, item_id, "reply", reply="请携带户口簿和照片到户籍窗口办理。").status_code == 303  # type: ignore[attr-defined]
    assert item_status(sqlite_store, item_id) is Status.ANSWERED
    page = client.get(f"/console/items/{item_id}").text
    assert "我叫王*" in page and "139****5678" in page  # the pre-filled public text is masked
    assert act(client, item_id, "approve", public_text="请问身份证丢了怎么补办？我叫王*。").status_code == 303  # type: ignore[attr-defined]
    item = sqlite_store.console_item(item_id)
    assert (
        item is not None and item.status is Status.PUBLISHED and item.public_text == "请问身份证丢了怎么补办？我叫王*。"
    )
    assert [m.recipient for m in sqlite_store.outbox.due(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))] == [
        "wang@example.com"
    ]
    assert act(client, item_id, "reopen", confirm="yes").status_code == 303  # type: ignore[attr-defined]
    reopened = sqlite_store.console_item(item_id)
    assert reopened is not None and reopened.status is Status.AWAITING_REPLY and reopened.published_at is None


def test_approval_needs_consent(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    item_id = add_item(sqlite_store, consent=False)
    client = console("moderator")
    act(client, item_id, "reply", reply="已答复。")
    page = client.get(f"/console/items/{item_id}").text
    assert "批准公开" not in page and "提交人没有同意公开" in page and 'id="form-close_private"' in page
    data = {"csrf": csrf_of(client), "version": version_of(client, item_id), "public_text": "问题"}
    assert client.post(f"/console/items/{item_id}/approve", data=data).status_code == 409
    assert act(client, item_id, "close_private").status_code == 303  # type: ignore[attr-defined]
    assert item_status(sqlite_store, item_id) is Status.ANSWERED_PRIVATE
    assert "close_private" in [e.action for e in sqlite_store.audit_entries(item_id=item_id)]
    assert sqlite_store.published_items() == []  # never in the public export
    assert "已答复不公开" in client.get("/console/queue?status=answered_private").text
    # a callback (a low rating, a complaint) is still opened and recorded on it
    assert act(client, item_id, "open_callback", reason="complaint").status_code == 303  # type: ignore[attr-defined]
    recorded = act(client, item_id, "record_callback", reached="yes", satisfied="yes")
    assert recorded.status_code == 303 and item_status(sqlite_store, item_id) is Status.ANSWERED_PRIVATE  # type: ignore[attr-defined]


def test_help_request_has_a_first_and_a_final_reply(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    item_id = add_item(sqlite_store, kind=Kind.HELP, text="我的电动车在小区被偷了，请帮忙查一下监控。")
    client = console("moderator")
    refused = act(client, item_id, "reply", reply="已登记，民警今天联系您。", case_type="")
    assert refused.status_code == 422 and "请选择案件类型" in refused.text  # type: ignore[attr-defined]
    done = act(client, item_id, "reply", reply="已登记，民警今天联系您。", case_type="public_order_case")
    assert done.status_code == 303  # type: ignore[attr-defined]
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.status is Status.AWAITING_FINAL_REPLY and item.case_type == "public_order_case"
    assert item.final_reply_due_at is not None  # 治安案件: 30 days, the start day not counted, to the end of the day
    assert dt.timedelta(days=30) < item.final_reply_due_at - item.received_at < dt.timedelta(days=34)
    page = client.get(f"/console/items/{item_id}").text
    assert "治安案件办理（30日" in page and "最终答复期限" in page
    assert act(client, item_id, "deadline", case_type="general_help").status_code == 303  # type: ignore[attr-defined]
    assert act(client, item_id, "reply", reply="车辆已找回，请到所里认领。").status_code == 303  # type: ignore[attr-defined]
    assert item_status(sqlite_store, item_id) is Status.ANSWERED
    assert [r.kind.value for r in sqlite_store.replies(item_id)] == ["first", "final"]


def test_reject_spam_transfer_escalate(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    client = console("moderator")
    rejected = add_item(sqlite_store, text="请帮我查一下别人的开房记录。")
    assert act(client, rejected, "reject", reason="").status_code == 422  # type: ignore[attr-defined]
    assert act(client, rejected, "reject", reason="涉及他人隐私，不属于公开咨询范围。").status_code == 303  # type: ignore[attr-defined]
    assert item_status(sqlite_store, rejected) is Status.REJECTED
    spam = add_item(sqlite_store, text="代办各类证件，加微信。")
    assert act(client, spam, "spam", confirm="yes").status_code == 303  # type: ignore[attr-defined]
    assert item_status(sqlite_store, spam) is Status.SPAM
    moved = add_item(sqlite_store, text="西湖路的路灯坏了，请转给西湖派出所。", contact_email="a@example.com")
    before = sqlite_store.console_item(moved)
    assert act(client, moved, "transfer", station="dongshan").status_code == 422  # type: ignore[attr-defined]
    assert act(client, moved, "transfer", station="xihu").status_code == 303  # type: ignore[attr-defined]
    after = sqlite_store.console_item(moved)
    assert before and after and after.station == "xihu" and after.first_reply_due_at == before.first_reply_due_at
    assert "转至西湖派出所" in client.get(f"/console/items/{moved}").text
    assert act(client, moved, "escalate", note="请西湖派出所今天内答复。").status_code == 303  # type: ignore[attr-defined]
    escalated = sqlite_store.console_item(moved)
    assert escalated and escalated.escalated_at is not None
    assert "督办" in client.get("/console/queue").text


def test_spam_reopen_deactivate_and_template_delete_need_their_box_ticked(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """A misclick does nothing: each destructive form has a box to tick, and the server checks it (no JavaScript)."""
    item_id = add_item(sqlite_store)
    admin = console("admin")
    page = admin.get(f"/console/items/{item_id}").text
    assert re.search(
        r'id="form-spam">.*?<input type="checkbox" id="f-spam-confirm" name="confirm" value="yes">', page, re.S
    )
    refused = act(admin, item_id, "spam")
    assert refused.status_code == 422 and "请勾选确认后再提交" in refused.text  # type: ignore[attr-defined]
    assert 'href="#f-spam-confirm"' in refused.text  # type: ignore[attr-defined]
    assert item_status(sqlite_store, item_id) is Status.NEW
    assert act(admin, item_id, "spam", confirm="yes").status_code == 303  # type: ignore[attr-defined]
    assert item_status(sqlite_store, item_id) is Status.SPAM
    assert 'id="f-reopen-confirm"' in admin.get(f"/console/items/{item_id}").text
    assert act(admin, item_id, "reopen").status_code == 422  # type: ignore[attr-defined]
    assert item_status(sqlite_store, item_id) is Status.SPAM
    assert act(admin, item_id, "reopen", confirm="yes").status_code == 303  # type: ignore[attr-defined]
    assert item_status(sqlite_store, item_id) is Status.AWAITING_REPLY

    account = sqlite_store.account("dongshan")
    assert account is not None
    csrf = csrf_of(admin, "/console/accounts")
    refused = admin.post(f"/console/accounts/{account.id}/disable", data={"csrf": csrf})
    assert refused.status_code == 422 and "请勾选确认后再停用" in refused.text
    assert not sqlite_store.account("dongshan").disabled  # type: ignore[union-attr]
    assert (
        admin.post(f"/console/accounts/{account.id}/disable", data={"csrf": csrf, "confirm": "yes"}).status_code == 303
    )
    assert sqlite_store.account("dongshan").disabled  # type: ignore[union-attr]
    assert admin.post(f"/console/accounts/{account.id}/enable", data={"csrf": csrf}).status_code == 303  # no box

    csrf = csrf_of(admin, "/console/templates")
    admin.post(
        "/console/templates", data={"csrf": csrf, "kind": "question", "title": "<i>补办</i>", "text": "请到窗口办理。"}
    )
    template = sqlite_store.reply_templates()[0]
    page = admin.get("/console/templates").text
    assert f'id="confirm-{template.id}"' in page and "确认删除“&lt;i&gt;补办&lt;/i&gt;”" in page
    refused = admin.post(f"/console/templates/{template.id}/delete", data={"csrf": csrf})
    assert refused.status_code == 422 and "请勾选确认后再提交" in refused.text
    assert len(sqlite_store.reply_templates()) == 1
    assert admin.post("/console/templates/999/delete", data={"csrf": csrf}).status_code == 404
    done = admin.post(f"/console/templates/{template.id}/delete", data={"csrf": csrf, "confirm": "yes"})
    assert done.status_code == 303 and sqlite_store.reply_templates() == []


def test_every_action_is_in_the_audit_log_which_nobody_can_edit(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store)
    moderator = console("moderator")
    act(moderator, item_id, "accept")
    act(moderator, item_id, "escalate", note="加快")
    admin = console("admin")
    page = admin.get("/console/audit").text
    for expected in ("受理并转派出所答复", "督办", "登录", "moderator", "状态：新收到 → 待答复"):
        assert expected in page, expected
    entries = sqlite_store.audit_entries(item_id=item_id)
    assert [e.action for e in entries] == ["escalate", "accept"]
    assert entries[1].before == '{"status": "new"}' and entries[1].after == '{"status": "awaiting_reply"}'
    assert moderator.get("/console/audit").status_code == 403
    for statement in ("UPDATE audit_log SET actor = 'someone-else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), sqlite_store.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(sqlite_store.audit_entries(item_id=item_id)) == 2


def test_the_audit_log_reads_in_the_console_words_and_beijing_time(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """Each record says the action as its button does, statuses by their labels, times in Beijing time: no
    action codes, field names, JSON, null or UTC; the raw record stays, folded away, for an admin."""
    item_id = add_item(sqlite_store)
    moderator = console("moderator")
    act(moderator, item_id, "accept")
    act(moderator, item_id, "escalate", note="请<b>今天</b>内答复")
    admin = console("admin")
    for page in (admin.get(f"/console/items/{item_id}").text, admin.get("/console/audit").text):
        shown = re.sub(r"<details>.*?</details>", "", page.split("审计", 1)[1], flags=re.S)
        words = re.sub(r"<[^>]+>", " ", shown)
        assert "受理并转派出所答复" in words and "状态：新收到 → 待答复" in words
        assert "一般督办：请&lt;b&gt;今天&lt;/b&gt;内答复" in words  # the note escaped, as every submitted text
        assert "督办意见：无 → 请&lt;b&gt;今天&lt;/b&gt;内答复" in words
        for raw in ("accept", "escalate", "awaiting_reply", "NewEscalation", "null", "{", "+00:00", "+08:00", "T0"):
            assert raw not in words, raw
        moment = sqlite_store.audit_entries(item_id=item_id)[0].at.astimezone(BEIJING)
        assert moment.strftime("%Y年%m月%d日 %H:%M") in words
        assert "<details><summary>原始记录</summary>" in page and "NewEscalation" in page  # still there, folded


def test_audit_log_is_append_only_on_postgresql(store: Store) -> None:
    store.record(dt.datetime.now(dt.UTC), "tester", "login", "tester")
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x'"))
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_stale_form_shows_what_happened_instead_of_acting_twice(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store)
    first, second = console("moderator"), console("moderator2")
    stale = {
        "csrf": csrf_of(second, f"/console/items/{item_id}"),
        "version": version_of(second, item_id),
        "reply": "第二位审核员的答复",
    }
    assert act(first, item_id, "reply", reply="第一位审核员的答复").status_code == 303  # type: ignore[attr-defined]
    response = second.post(f"/console/items/{item_id}/reply", data=stale)
    assert response.status_code == 409
    assert "没有提交" in response.text and "moderator" in response.text
    assert [r.text for r in sqlite_store.replies(item_id)] == ["第一位审核员的答复"]


def test_a_reply_typed_while_someone_escalates_and_assigns_is_still_sent(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store)
    moderator, station = console("moderator"), console("dongshan")
    act(moderator, item_id, "accept")
    typing = shown_form(station, item_id, "reply")  # the station starts typing its reply
    assert act(moderator, item_id, "escalate", note="群众再次来电催问", level="1").status_code == 303  # type: ignore[attr-defined]
    assert act(station, item_id, "assign", officer="li").status_code == 303  # type: ignore[attr-defined]
    sent = station.post(
        f"/console/items/{item_id}/reply", data={**typing, "reply": "您好，请携带户口簿到户籍窗口补办。"}
    )
    assert sent.status_code == 303, sent.text
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.status is Status.ANSWERED and item.assigned_to == "li"
    assert [r.text for r in item.replies] == ["您好，请携带户口簿到户籍窗口补办。"]
    assert item.escalations[0].resolved_at is not None  # the reply closes the 督办 it answered


def test_a_reply_that_another_reply_overtook_comes_back_with_its_text_and_what_happened(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store, kind=Kind.HELP, text="我的电动车在小区被偷了，请帮忙查一下监控。")
    first, second = console("moderator"), console("moderator2")
    typing = shown_form(second, item_id, "reply")
    typed = "您好，已调取小区监控，正在排查。<请留意电话>"
    assert act(first, item_id, "reply", reply="已登记，民警今天联系您。", case_type="general_help").status_code == 303  # type: ignore[attr-defined]
    response = second.post(
        f"/console/items/{item_id}/reply", data={**typing, "reply": typed, "case_type": "general_help"}
    )
    assert response.status_code == 409
    page = response.text
    assert "“答复”没有提交" in page and "moderator" in page and "其他人" not in page
    # the reply form of the item as it is now (its final reply), holding what was typed, with the new version
    assert textarea(page, "f-reply-reply") == typed
    assert re.search(r'<label for="f-reply-reply">最终答复</label>', page)
    again = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.split('id="form-reply"')[1]))
    assert again["version"] == str(sqlite_store.console_item(item_id).version)  # type: ignore[union-attr]
    assert [r.text for r in sqlite_store.replies(item_id)] == ["已登记，民警今天联系您。"]
    # once the item is answered, a reply typed meanwhile is shown to copy, in a box of its own
    closing = shown_form(second, item_id, "reply")
    act(first, item_id, "reply", reply="车辆已找回。")
    late = second.post(f"/console/items/{item_id}/reply", data={**closing, "reply": "最后的补充说明"}).text
    assert 'id="f-reply-reply"' not in late and textarea(late, "kept-reply") == "最后的补充说明"


def test_a_double_submit_says_the_first_was_saved(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    item_id = add_item(sqlite_store)
    station = console("dongshan")
    form = {**shown_form(station, item_id, "reply"), "reply": "带购车发票和合格证到车管所办理。"}
    assert station.post(f"/console/items/{item_id}/reply", data=form).status_code == 303
    again = station.post(f"/console/items/{item_id}/reply", data=form)
    assert again.status_code == 409
    assert "您刚才已经提交过“答复”" in again.text and "已保存" in again.text and "其他人" not in again.text
    assert "带购车发票" not in (textarea(again.text, "kept-reply") or "")  # not offered to send a third time
    assert len(sqlite_store.replies(item_id)) == 1


@pytest.mark.parametrize("action", ["reply", "approve"])
def test_concurrent_actions_resolve_to_one(
    console: Callable[..., TestClient], sqlite_store: Store, action: str
) -> None:
    item_id = add_item(sqlite_store, consent=True)
    if action == "approve":
        act(console("moderator"), item_id, "reply", reply="已答复")
    clients = [console("moderator"), console("moderator2"), console("admin")]
    forms = [
        {
            "csrf": csrf_of(c, f"/console/items/{item_id}"),
            "version": version_of(c, item_id),
            "reply": f"答复{n}",
            "public_text": f"公开{n}",
            **prefilled_replies(c, item_id),
        }
        for n, c in enumerate(clients)
    ]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def go(client: TestClient, form: dict[str, str]) -> None:
        barrier.wait()
        statuses.append(client.post(f"/console/items/{item_id}/{action}", data=form).status_code)

    threads = [threading.Thread(target=go, args=pair) for pair in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 409, 409]
    expected_replies = 1
    assert len(sqlite_store.replies(item_id)) == expected_replies
    assert len([e for e in sqlite_store.audit_entries(item_id=item_id) if e.action == action]) == 1


# -- the queue and the clock -------------------------------------------------------------


def test_queue_lists_overdue_first_with_time_left(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    fresh = add_item(sqlite_store, text="新问题：护照怎么办？", received=now - dt.timedelta(hours=1))
    late = add_item(sqlite_store, text="超时问题：居住证怎么办？", received=now - dt.timedelta(hours=30))
    add_item(sqlite_store, kind=Kind.SUGGESTION, text="建议：多装路灯。", received=now - dt.timedelta(hours=50))
    page = console("moderator").get("/console/queue").text
    assert page.index("超时问题") < page.index("新问题") < page.index("建议：多装路灯")
    assert 'class="overdue"' in page and "已超时 6 小时" in page and "剩余 22 小时" in page
    rows = sqlite_store.overdue_items(now)
    assert [r.id for r in rows] == [late] and fresh not in [r.id for r in rows]


def test_queue_filters_and_counts(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    add_item(sqlite_store, "dongshan", text="东山咨询：怎么开证明？")
    add_item(sqlite_store, "xihu", kind=Kind.HAZARD, text="西湖隐患：电线裸露", location="西湖路3号")
    client = console("moderator")
    assert "西湖隐患" not in client.get("/console/queue?station=dongshan").text
    assert "东山咨询" not in client.get("/console/queue?kind=hazard").text
    assert "东山咨询" in client.get("/console/queue?district=东城区").text
    page = client.get("/console/queue").text
    assert '待办 <span class="count">2</span>' in page


def test_ratings_are_approved_in_bulk(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    for n in range(3):
        sqlite_store.add_rating("dongshan", 5 - n, f"评价{n}", f"client-{n}", now, 30)
    sqlite_store.add_rating("xihu", 4, "西湖评价", "client-x", now, 30)
    station = console("dongshan")
    assert station.get("/console/ratings").status_code == 403  # a station never judges its own chief's ratings
    assert (
        station.post(
            "/console/ratings", data={"csrf": csrf_of(station), "rating": "1", "decision": "reject"}
        ).status_code
        == 403
    )
    client = console("moderator")
    pending = sqlite_store.pending_ratings(None)
    ids = [str(r["id"]) for r in pending if r["station"] == "dongshan"]
    response = client.post(
        "/console/ratings", data={"csrf": csrf_of(client, "/console/ratings"), "rating": ids, "decision": "approve"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/ratings?done=3"
    assert [r["station"] for r in sqlite_store.pending_ratings(None)] == ["xihu"]
    assert sqlite_store.decide_ratings([int(i) for i in ids], RatingStatus.REJECTED, "x", now, None) == 0


def test_admin_creates_accounts_in_the_console(console: Callable[..., TestClient]) -> None:
    admin = console("admin")
    csrf = csrf_of(admin, "/console/accounts")
    bad = admin.post("/console/accounts", data={"csrf": csrf, "username": "X", "role": "station", "password": "short"})
    assert bad.status_code == 422 and "至少选择一个派出所" in bad.text
    good = admin.post(
        "/console/accounts",
        data={
            "csrf": csrf,
            "username": "xihu-chief",
            "role": "station",
            "stations": "xihu",
            "password": "a-long-password",
        },
    )
    assert good.status_code == 303
    assert login(console(), "xihu-chief", "a-long-password").status_code == 303  # type: ignore[attr-defined]
    assert console("moderator").get("/console/accounts").status_code == 403


# -- review findings, kept fixed ---------------------------------------------------------


def test_odd_ids_and_numbers_are_404_or_422_never_500(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    item_id = add_item(sqlite_store, kind=Kind.HELP)
    client = console("admin")
    for url in ("/console/items/99999999999999999999", "/console/items/2147483648/photo", "/console/items/１"):
        assert client.get(url).status_code == 404, url
    csrf = csrf_of(client)
    assert client.post("/console/accounts/99999999999999999999/disable", data={"csrf": csrf}).status_code == 404
    assert act(client, item_id, "reply", reply="好的", case_type="²").status_code == 422  # type: ignore[attr-defined]
    assert (
        act(
            client, item_id, "reply", reply="好的", case_type="general_help", final_due="2026-02-30", final_due_note="x"
        ).status_code
        == 422
    )  # type: ignore[attr-defined]
    # an id that is no number ticks nothing: the page asks to tick one (422)
    assert client.post("/console/ratings", data={"csrf": csrf, "rating": "²", "decision": "approve"}).status_code == 422
    assert login(console(), "moder\x00ator").status_code in (303, 401)  # control characters are dropped, never a 500  # type: ignore[attr-defined]


def test_help_deadline_counts_from_receipt_and_a_set_deadline_stays(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    item_id = add_item(sqlite_store, kind=Kind.HELP, text="求助：车被偷了", received=received)
    moderator, station = console("moderator"), console("dongshan")
    day = (received + dt.timedelta(days=20)).astimezone(BEIJING).date()
    no_reason = act(moderator, item_id, "deadline", case_type="general_help", final_due=day.isoformat())
    assert no_reason.status_code == 422 and "理由" in no_reason.text  # type: ignore[attr-defined]
    set_by_hand = act(
        moderator,
        item_id,
        "deadline",
        case_type="general_help",
        final_due=day.isoformat(),
        final_due_note="需会同街道调查",
    )
    assert set_by_hand.status_code == 303  # type: ignore[attr-defined]
    assert act(station, item_id, "reply", reply="已登记", case_type="passport").status_code == 303  # type: ignore[attr-defined]
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.final_reply_due_at is not None
    assert item.final_reply_due_at.astimezone(BEIJING).date() == day and item.final_due_note == "需会同街道调查"


def test_password_limits_and_guessing_the_current_one(console: Callable[..., TestClient]) -> None:
    client = console("moderator")
    long = "p" * 300
    response = client.post(
        "/console/password", data={"csrf": csrf_of(client), "current": PASSWORD, "new": long, "again": long}
    )
    assert response.status_code == 422
    assert login(console(), "moderator", long).status_code == 401  # type: ignore[attr-defined]
    statuses = [
        client.post(
            "/console/password",
            data={
                "csrf": csrf_of(client, "/console/password"),
                "current": f"guess-{n}",
                "new": "x" * 12,
                "again": "x" * 12,
            },
        ).status_code
        for n in range(6)
    ]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429


def test_unknown_http_methods_share_one_metrics_label(client_for_metrics: TestClient) -> None:
    for method in ("ZZ1", "ZZ2", "ZZ3"):
        client_for_metrics.request(method, "/ask")
    metrics = client_for_metrics.get("/metrics").text
    assert "ZZ1" not in metrics and 'method="other"' in metrics


@pytest.fixture
def client_for_metrics(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(client_address="127.0.0.1")


def test_database_errors_never_log_their_parameters(sqlite_store: Store) -> None:
    assert sqlite_store.engine.hide_parameters


def test_queue_filters_with_odd_values(console: Callable[..., TestClient]) -> None:
    client = console("moderator")
    assert client.get("/console/queue", params={"station": "x\x00y"}).status_code == 404
    assert (
        client.get("/console/queue", params={"status": "nonsense", "kind": "\x00", "district": "\x00"}).status_code
        == 200
    )


def test_approval_publishes_the_edited_reply_text(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    from relay.export import build_export

    item_id = add_item(sqlite_store, name="王建国", consent=True)
    client = console("moderator")
    act(client, item_id, "reply", reply="王建国您好，已电话联系您（13912345678）。")
    offered = prefilled_replies(client, item_id)
    assert list(offered.values()) == ["王**您好，已电话联系您（139****5678）。"]
    (name,) = offered
    assert act(client, item_id, "approve", public_text="问题", **{name: ""}).status_code == 422  # type: ignore[attr-defined]
    assert (
        act(
            client,
            item_id,
            "approve",
            public_text="请问身份证丢了怎么补办？",
            **{name: "您好，已电话联系您，请来所办理。"},
        ).status_code
        == 303
    )  # type: ignore[attr-defined]
    exported = build_export(sqlite_store, dt.datetime.now(dt.UTC))
    assert exported["items"][0]["replies"][0]["text"] == "您好，已电话联系您，请来所办理。"
