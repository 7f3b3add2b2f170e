"""Casework through the console over real HTTP: clocks, working days, staff entry, officers, extensions,
督办, callbacks and transfers out, each checked in the pages people see and in the store."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from console_kit import act, add_item, carry, csrf_of, entry_token_of, hidden_fields, textarea
from starlette.testclient import TestClient

from relay.export import build_export
from relay.models import Channel, Kind, Status
from relay.store import Store
from relay.timefmt import BEIJING, local_time

HAZARD = {"station": "dongshan", "kind": "hazard", "text": "石桥街菜场门口井盖缺了一块，很危险。", "location": "石桥街"}


def receipt_of(response: object) -> str:
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    return response.headers["location"].split("/receipt/")[1].split("?")[0]  # type: ignore[attr-defined]


def item_id_of(store: Store, code: str) -> int:
    item = store.item_by_code(code)
    assert item is not None
    return item.id


def outbox(store: Store) -> list[tuple[str, str, str]]:
    return [(m.recipient, m.subject, m.body) for m in store.outbox.due(dt.datetime(2100, 1, 1, tzinfo=dt.UTC), 500)]


def test_a_hazard_has_its_clock_on_the_receipt_and_in_the_queue(
    client: TestClient, console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    code = receipt_of(client.post("/ask", data=HAZARD))
    receipt = client.get(f"/receipt/{code}").text
    assert "前确认收到并安排核查（2 小时内）" in receipt and "前答复（24 小时内）" in receipt
    item = sqlite_store.item_by_code(code)
    assert item is not None and item.ack_due_at is not None and item.first_reply_due_at is not None
    assert item.ack_due_at - item.received_at == dt.timedelta(hours=2)
    queue = console("moderator").get("/console/queue").text
    row = queue.split(code)[0].rsplit("<tr", 1)[1]
    assert "确认期限" in row and ("剩余 1 小时 59 分" in row or "剩余 2 小时" in row)
    suggestion = receipt_of(
        client.post("/ask", data={**HAZARD, "kind": "suggestion", "text": "建议在石桥街增设路灯。"})
    )
    assert "（5 个工作日内）" in client.get(f"/receipt/{suggestion}").text
    assert "无期限" not in console("moderator").get("/console/queue").text


def test_a_final_deadline_skips_national_day_and_lands_on_the_make_up_saturday(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    received = dt.datetime(2026, 9, 28, 10, 0, tzinfo=BEIJING)  # a Monday
    item_id = add_item(sqlite_store, kind=Kind.HELP, text="12345 转来：小区门口长期占道经营。", received=received)
    moderator = console("moderator")
    assert (
        act(moderator, item_id, "reply", reply="已受理，民警将实地查看。", case_type="hotline_12345").status_code == 303
    )  # type: ignore[attr-defined]
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.final_reply_due_at is not None
    # 5 working days: 29 and 30 September, then (1–7 October off) 8, 9 and Saturday 10 October, a 调休 working day
    assert item.final_reply_due_at.astimezone(BEIJING) == dt.datetime(2026, 10, 10, 23, 59, 59, tzinfo=BEIJING)
    assert "2026年10月10日 23:59" in moderator.get(f"/console/items/{item_id}").text


def test_a_phone_item_entered_by_a_station_counts_under_its_channel(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    station = console("dongshan", sms_driver="log")
    form = {
        "csrf": csrf_of(station, "/console/items/new"),
        "entry_token": entry_token_of(station),
        "channel": "phone",
        "received": "",
        "station": "dongshan",
        "kind": "question",
        "text": "电话咨询：老人走失后多久可以报警？",
        "contact": "13912340000",
    }
    refused = station.post("/console/items/new", data=form)
    assert refused.status_code == 422 and "收到的时间" in refused.text
    too_long = station.post("/console/items/new", data={**form, "contact": "a" * 250 + "@example.com"})
    assert too_long.status_code == 422 and "电子邮箱" in too_long.text  # the store keeps 254 characters
    received = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).astimezone(BEIJING)
    other_station = station.post(
        "/console/items/new", data={**form, "received": received.strftime("%Y-%m-%d %H:%M"), "station": "xihu"}
    )
    assert other_station.status_code == 422  # a station account enters items only for its own stations
    typed_on_a_phone = "１３９－１２３４－００００"  # stored as 13912340000, as the public form stores it
    entered = station.post(
        "/console/items/new",
        data={**form, "received": received.strftime("%Y-%m-%d %H:%M"), "contact": typed_on_a_phone},
    )
    assert entered.status_code == 303, entered.text
    item_id = int(re.search(r"/console/items/(\d+)", entered.headers["location"]).group(1))  # type: ignore[union-attr]
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.channel is Channel.PHONE and item.entered_by == "dongshan"
    assert item.received_at == received.replace(second=0, microsecond=0).astimezone(dt.UTC)
    assert item.first_reply_due_at == item.received_at + dt.timedelta(hours=24)  # counted from receipt, not entry
    assert "电话" in station.get(f"/console/items/{item_id}").text
    sms = [m for m in outbox(sqlite_store) if m[0] == "13912340000"]
    assert sms and item.receipt_code in sms[0][2] and "老人" not in sms[0][2]  # the code and link, never the text
    assert act(station, item_id, "reply", reply="走失后立即报警，不需要等 24 小时。").status_code == 303  # type: ignore[attr-defined]
    figures = build_export(sqlite_store, dt.datetime.now(dt.UTC))["figures"]
    month = received.strftime("%Y-%m")
    assert figures["dongshan"]["month"][month]["received_by_channel"] == {"phone": 1}
    assert figures["_city"]["month"][month]["first_reply"] == {"due": 1, "on_time": 1, "rate": 1.0}


def test_an_officer_claims_asks_for_time_and_the_moderator_grants_it(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store, received=dt.datetime.now(dt.UTC) - dt.timedelta(hours=20))
    officer, moderator, station = console("li"), console("moderator"), console("dongshan")
    assert "我来办理" in officer.get(f"/console/items/{item_id}").text
    assert act(officer, item_id, "claim").status_code == 303  # type: ignore[attr-defined]
    mine = officer.get("/console/queue?who=mine").text
    assert "咨询 " in mine and sqlite_store.console_item(item_id).assigned_to == "li"  # type: ignore[union-attr]
    assert "李明" in moderator.get("/console/queue").text
    assert act(station, item_id, "assign", officer="zhou").status_code == 303  # type: ignore[attr-defined]
    assert "周强" in moderator.get(f"/console/items/{item_id}").text
    assert "没有符合条件的事项" in officer.get("/console/queue?who=mine").text
    before = sqlite_store.console_item(item_id)
    assert before is not None and before.first_reply_due_at is not None
    assert act(console("zhou"), item_id, "request_extension", days="3", reason="需要调取监控").status_code == 303  # type: ignore[attr-defined]
    page = moderator.get(f"/console/items/{item_id}").text
    assert "申请延期 3 个工作日：需要调取监控" in page and "同意延期" in page
    assert act(moderator, item_id, "grant_extension").status_code == 303  # type: ignore[attr-defined]
    after = sqlite_store.console_item(item_id)
    assert after is not None and after.first_reply_due_at is not None
    assert after.first_reply_due_at - before.first_reply_due_at >= dt.timedelta(days=3)
    assert after.extensions[0].granted is True and after.extensions[0].decided_by == "moderator"
    assert "已同意" in moderator.get(f"/console/items/{item_id}").text


def test_an_officer_may_look_at_a_colleagues_item_but_not_handle_it(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store)
    carry(sqlite_store, item_id, "accept")
    carry(sqlite_store, item_id, "assign", officer="zhou")
    li = console("li")
    page = li.get(f"/console/items/{item_id}").text
    assert "此事项由 周强 负责办理，您可以查看，不能办理。" in page
    assert 'id="f-reply-reply"' not in page and f'action="/console/items/{item_id}/' not in page  # no action forms
    assert "我来办理" not in page
    before = sqlite_store.console_item(item_id)
    audit_before = sqlite_store.audit_entries(50, item_id)
    assert before is not None and before.assigned_to == "zhou"
    # a reply sent by hand, with a good CSRF token and the item's current version: refused as 无法完成操作
    sent = {"csrf": csrf_of(li), "version": str(before.version), "reply": "已处理。"}
    refused = li.post(f"/console/items/{item_id}/reply", data=sent)
    forbidden = li.post(f"/console/items/{item_id}/spam", data={**sent, "confirm": "yes"})  # not an officer's action
    assert refused.status_code == forbidden.status_code == 403
    assert "无法完成操作" in refused.text and "您的账号不能执行这个操作。" in refused.text
    for action, form in (("push_back", {"reason": "不属于本所"}), ("request_extension", {"days": "3", "reason": "x"})):
        assert li.post(f"/console/items/{item_id}/{action}", data={**sent, **form}).status_code == 403, action
    after = sqlite_store.console_item(item_id)
    assert after is not None
    assert (after.status, after.replies, after.version, after.assigned_to, after.extensions) == (
        before.status,
        (),
        before.version,
        "zhou",
        (),
    )
    assert sqlite_store.audit_entries(50, item_id) == audit_before  # nothing done, nothing logged
    # the officer responsible sees the reply form and replies
    zhou = console("zhou")
    assert 'id="f-reply-reply"' in zhou.get(f"/console/items/{item_id}").text
    assert act(zhou, item_id, "reply", reply="已受理，民警将与您联系。").status_code == 303  # type: ignore[attr-defined]


def test_an_officer_claims_an_unassigned_item_before_replying_to_it(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store)
    carry(sqlite_store, item_id, "accept")
    li = console("li")
    page = li.get(f"/console/items/{item_id}").text
    assert "我来办理" in page and 'id="f-reply-reply"' not in page and "负责办理，您可以查看" not in page
    item = sqlite_store.console_item(item_id)
    assert item is not None
    sent = {"csrf": csrf_of(li), "version": str(item.version), "reply": "已处理。"}
    assert li.post(f"/console/items/{item_id}/reply", data=sent).status_code == 403
    unchanged = sqlite_store.console_item(item_id)
    assert unchanged is not None and unchanged.replies == () and unchanged.assigned_to is None
    assert act(li, item_id, "claim").status_code == 303  # type: ignore[attr-defined]
    assert 'id="f-reply-reply"' in li.get(f"/console/items/{item_id}").text
    assert act(li, item_id, "reply", reply="已受理，民警将与您联系。").status_code == 303  # type: ignore[attr-defined]


def test_a_reply_typed_while_the_item_went_to_a_colleague_is_handed_back(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """An officer types a reply; meanwhile the station gives the item to a colleague. The reply is no longer
    theirs to send: the page says what changed and gives the typed text back to copy (409), not a bare 403
    that loses it; nothing is saved."""
    item_id = add_item(sqlite_store)
    carry(sqlite_store, item_id, "accept")
    carry(sqlite_store, item_id, "assign", officer="li")
    li = console("li")
    shown = sqlite_store.console_item(item_id)
    assert shown is not None and 'id="f-reply-reply"' in li.get(f"/console/items/{item_id}").text
    carry(sqlite_store, item_id, "assign", officer="zhou")  # while li types
    typed = "您好，经民警核实，您反映的情况已处理，请放心。"
    sent = li.post(
        f"/console/items/{item_id}/reply",
        data={"csrf": csrf_of(li), "version": str(shown.version), "seen": str(shown.last_change), "reply": typed},
    )
    assert sent.status_code == 409, sent.text[:500]
    assert typed in sent.text and "周强" in sent.text
    assert "责任民警：李明 → 周强" in sent.text, sent.text  # who has it now, not only that it was assigned
    after = sqlite_store.console_item(item_id)
    assert after is not None and after.replies == () and after.assigned_to == "zhou"


def test_after_the_last_item_of_the_queue_the_page_does_not_say_the_queue_is_empty(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """Answering the item at the end of one's queue leads back to the queue, where the others still wait: the
    page said 队列中没有其他待办事项了 above a list of them."""
    now = dt.datetime.now(dt.UTC)
    first = add_item(sqlite_store, received=now - dt.timedelta(hours=20))  # due first: the head of the queue
    last = add_item(sqlite_store, received=now - dt.timedelta(hours=1), text="请问护照怎么办？")
    for item_id in (first, last):
        carry(sqlite_store, item_id, "accept")
        carry(sqlite_store, item_id, "assign", officer="li")
    li = console("li")
    done = act(li, last, "reply", reply="请带身份证到出入境窗口办理。", case_type="consult")  # type: ignore[attr-defined]
    assert done.status_code == 303, done.text[:300]
    page = li.get(done.headers["location"]).text
    assert "已完成：答复" in page and f"/console/items/{first}" in page
    assert "队列中没有其他待办事项了" not in page
    # and when nothing is left, it says so
    done = act(li, first, "reply", reply="请带身份证到户籍窗口补办。", case_type="consult")  # type: ignore[attr-defined]
    assert "队列中没有其他待办事项了" in li.get(done.headers["location"]).text


def test_an_officer_on_their_own_items_sees_that_unassigned_items_and_hazards_wait(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """An officer's queue opens on 我负责的; a hazard nobody has taken, due to be acknowledged within two hours,
    was nowhere on it. The page says how many of the station's items wait for an officer, how many of them are
    hazards to acknowledge, and links to them."""
    li = console("li")
    assert "尚未指定民警" not in li.get("/console/queue").text
    hazard = add_item(sqlite_store, kind=Kind.HAZARD, text="小区门口井盖缺失，晚上很危险。")
    question = add_item(sqlite_store)
    carry(sqlite_store, question, "accept")
    page = li.get("/console/queue").text
    assert "本所有 2 件事项尚未指定民警，<strong>其中 1 件隐患待确认收到</strong>" in page, page[:3000]
    link = re.search(r'<a href="([^"]+)">查看未指定的事项</a>', page)
    assert link is not None
    unassigned = li.get(link.group(1).replace("&amp;", "&")).text
    assert f"/console/items/{hazard}" in unassigned and f"/console/items/{question}" in unassigned
    assert "尚未指定民警" not in console("dongshan").get("/console/queue").text  # the station sees them listed


def test_the_queue_shows_which_items_wait_for_an_extension_decision(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """An officer's request for more time showed only on the item: the moderator, who decides it, could not see
    in the queue which items wait for that decision."""
    item_id = add_item(sqlite_store)
    carry(sqlite_store, item_id, "accept")
    carry(sqlite_store, item_id, "assign", officer="li")
    moderator = console("moderator")
    assert "延期待审批" not in moderator.get("/console/queue").text
    assert act(console("li"), item_id, "request_extension", days="2", reason="需要调取监控").status_code == 303  # type: ignore[attr-defined]
    row = re.search(
        rf"<tr[^>]*>(?:(?!</tr>).)*?/console/items/{item_id}\b(?:(?!</tr>).)*</tr>",
        moderator.get("/console/queue").text,
        re.S,
    )
    assert row is not None and "延期待审批" in row.group(0), row
    assert act(moderator, item_id, "grant_extension").status_code == 303  # type: ignore[attr-defined]
    assert "延期待审批" not in moderator.get("/console/queue").text


def test_escalation_emails_the_chief_and_the_district_and_comes_first(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    now = dt.datetime.now(dt.UTC)
    older = add_item(sqlite_store, text="更早的问题：请问怎么办理居住证？", received=now - dt.timedelta(hours=23))
    item_id = add_item(
        sqlite_store, text="群众反映：小区门口夜间有人聚集喝酒吵闹。", received=now - dt.timedelta(hours=3)
    )
    late = add_item(sqlite_store, text="早先督办、已超过督办期限的事项。", received=now - dt.timedelta(hours=4))
    carry(sqlite_store, late, "escalate", now - dt.timedelta(hours=2), level="1", note="请尽快", due_hours="1")
    moderator = console("moderator")
    before = len(outbox(sqlite_store))
    response = act(moderator, item_id, "escalate", level="3", note="群众多次反映，请所长亲自过问", due_hours="1")
    assert response.status_code == 303  # type: ignore[attr-defined]
    sent = outbox(sqlite_store)[before:]
    assert sorted(m[0] for m in sent) == ["dongcheng@pcs.yunlan.example", "dongshan@pcs.yunlan.example"]
    assert all("挂牌督办" in m[1] and "夜间" not in m[2] for m in sent)
    queue = moderator.get("/console/queue").text
    assert "挂牌督办" in queue and "一般督办·超期" in queue
    # the overdue 督办 first, then by the deadline being chased (the older item's reply is due sooner)
    order = [queue.index(f'/console/items/{n}"') for n in (late, older, item_id)]
    assert order == sorted(order)
    escalated = moderator.get("/console/queue?status=escalated").text
    assert f"/console/items/{item_id}?from=" in escalated and f"/console/items/{older}?" not in escalated


def test_a_one_star_rating_opens_a_callback_the_moderator_records(
    client: TestClient, console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    code = receipt_of(client.post("/ask", data={**HAZARD, "contact": "resident@example.com"}))
    item_id = item_id_of(sqlite_store, code)
    moderator = console("moderator")
    assert act(moderator, item_id, "reply", reply="已安排维修。").status_code == 303  # type: ignore[attr-defined]
    assert client.post(f"/track/{code}/rate", data={"stars": "1"}).status_code == 303
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.open_callback is not None and item.open_callback.reason == "low_rating"
    assert any(m[0] == "resident@example.com" and "回访" in m[1] for m in outbox(sqlite_store))
    page = moderator.get(f"/console/items/{item_id}").text
    assert "低分评价" in page and "待回访" in page and "记录回访结果" in page
    assert (
        act(
            moderator, item_id, "record_callback", reached="yes", satisfied="no", corrected="yes", note="井盖仍未修好"
        ).status_code
        == 303
    )  # type: ignore[attr-defined]
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.status is Status.AWAITING_REPLY and item.callbacks[0].corrected is True
    assert "回访：回访不满意，重新办理（整改）" in moderator.get(f"/console/items/{item_id}").text
    audit = [(e.actor, e.action) for e in sqlite_store.audit_entries(20, item_id)]
    assert ("moderator", "record_callback") in audit and ("public", "open_callback") in audit


def test_a_complaint_opens_a_callback_even_with_good_stars(
    client: TestClient, console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    code = receipt_of(client.post("/ask", data={**HAZARD, "kind": "question", "text": "请问怎么补办户口簿？"}))
    item_id = item_id_of(sqlite_store, code)
    act(console("moderator"), item_id, "reply", reply="带身份证到户籍窗口。")
    assert client.post(f"/track/{code}/rate", data={"stars": "4", "complaint": "yes"}).status_code == 303
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.open_callback is not None and item.open_callback.reason == "complaint"


def test_a_transfer_out_shows_on_tracking_and_leaves_the_station_count(
    client: TestClient, console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    code = receipt_of(
        client.post("/ask", data={**HAZARD, "text": "我叫王建国，电话13912345678，工地围挡倒在人行道上。"})
    )
    item_id = item_id_of(sqlite_store, code)
    moderator = console("moderator")
    refused = act(moderator, item_id, "transfer_out", unit="zhujian")
    assert refused.status_code == 422 and "接收人" in refused.text  # type: ignore[attr-defined]
    before = len(outbox(sqlite_store))
    assert act(moderator, item_id, "transfer_out", unit="zhujian", receiver="值班员 杨工").status_code == 303  # type: ignore[attr-defined]
    (mail,) = outbox(sqlite_store)[before:]
    assert mail[0] == "zhujian@gov.yunlan.example" and f"/track/{code}" in mail[2]
    assert "13912345678" not in mail[2] and "王建国" not in mail[2] and "围挡" in mail[2]
    tracking = client.get(f"/track/{code}").text
    assert "已转交云澜市住房和城乡建设局办理" in tracking
    assert "接收人：值班员 杨工" in moderator.get(f"/console/items/{item_id}").text
    figures = build_export(sqlite_store, dt.datetime.now(dt.UTC))["figures"]
    month = dt.datetime.now(BEIJING).strftime("%Y-%m")
    assert (
        month not in figures.get("dongshan", {}).get("month", {})
        or figures["dongshan"]["month"][month]["received"] == 0
    )
    assert act(moderator, item_id, "reopen", confirm="yes").status_code == 303  # type: ignore[attr-defined]
    assert "已转交云澜市住房和城乡建设局办理" not in client.get(f"/track/{code}").text


def test_a_station_pushes_back_an_item_that_is_not_theirs(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    item_id = add_item(sqlite_store)
    moderator, station = console("moderator"), console("dongshan")
    act(moderator, item_id, "accept")
    assert act(station, item_id, "push_back").status_code == 422  # type: ignore[attr-defined]
    assert act(station, item_id, "push_back", reason="属于南关派出所辖区").status_code == 303  # type: ignore[attr-defined]
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.status is Status.NEW
    assert "派出所退回：属于南关派出所辖区" in moderator.get(f"/console/items/{item_id}").text


def test_the_relay_ask_form_promises_what_the_clock_table_says(client: TestClient) -> None:
    from relay.casework.clocks import Clocks

    page = client.get("/ask").text
    assert "非紧急事项：" + "；".join(Clocks.load().promises()) + "。" in page
    assert "24 小时内答复。" not in page.replace("隐患举报 2 小时内确认，24 小时内答复", "")


def test_the_queue_says_loudly_when_next_years_holidays_are_missing(console: Callable[..., TestClient]) -> None:
    from relay.casework.calendar import WorkingCalendar
    from relay.console import calendar_gaps

    calendar = WorkingCalendar.load()
    assert calendar_gaps(calendar, dt.datetime(2026, 6, 1, tzinfo=dt.UTC)) == []
    assert calendar_gaps(calendar, dt.datetime(2026, 11, 20, tzinfo=dt.UTC)) == [2027]  # deadlines may reach 2027
    expected = calendar_gaps(calendar, dt.datetime.now(dt.UTC))
    page = console("admin").get("/console/queue").text
    assert ("节假日数据缺失" in page) == bool(expected)
    for username in ("moderator", "dongshan", "li"):  # an operator's task: only admins are told
        assert "节假日数据缺失" not in console(username).get("/console/queue").text
        assert "holidays.toml" not in console(username).get("/console/queue").text


def test_admins_write_reply_templates_that_staff_start_from(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    admin, station = console("admin"), console("dongshan")
    form = {
        "csrf": csrf_of(admin, "/console/templates"),
        "kind": "question",
        "title": "证件指引",
        "text": "请携带身份证到户籍窗口办理。",
    }
    assert admin.post("/console/templates", data={**form, "text": ""}).status_code == 422
    assert admin.post("/console/templates", data=form).status_code == 303
    assert station.post("/console/templates", data={**form, "csrf": csrf_of(station)}).status_code == 403
    (template,) = sqlite_store.reply_templates()
    item_id = add_item(sqlite_store)
    page = station.get(f"/console/items/{item_id}").text
    assert f'name="insert_template" value="{template.id}"' in page and "证件指引" in page
    assert "?template=" not in page  # not a link: following it would drop what was typed
    # without JavaScript, choosing a 常用答复 sends the typed draft back with the template after it, and sends nothing
    typed = "您好，<b>王先生</b> & 家人："
    form = hidden_fields(page, f"/console/items/{item_id}/reply") | {
        "reply": typed,
        "insert_template": str(template.id),
    }
    chosen = station.post(f"/console/items/{item_id}/reply", data=form)
    assert chosen.status_code == 200
    assert textarea(chosen.text, "f-reply-reply") == f"{typed}\n请携带身份证到户籍窗口办理。"
    assert "<b>王先生</b>" not in chosen.text and "error-summary" not in chosen.text
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.status is Status.NEW and not item.replies
    empty = hidden_fields(page, f"/console/items/{item_id}/reply") | {"reply": "", "insert_template": str(template.id)}
    started = station.post(f"/console/items/{item_id}/reply", data=empty).text
    assert textarea(started, "f-reply-reply") == "请携带身份证到户籍窗口办理。"
    help_item = add_item(sqlite_store, kind=Kind.HELP)
    assert "证件指引" not in station.get(f"/console/items/{help_item}").text  # templates of its own kind only
    assert (
        admin.post(
            f"/console/templates/{template.id}/delete", data={"csrf": csrf_of(admin), "confirm": "yes"}
        ).status_code
        == 303
    )
    assert sqlite_store.reply_templates() == []
    assert [e.action for e in sqlite_store.audit_entries(5)][:2] == ["template_deleted", "template_added"]


def test_approval_waits_until_each_flag_is_confirmed(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    import html

    text = "我叫周海涛，东山路88号二楼的那户人家天天装修吵闹到半夜，电话13912345678，请管一管。"
    item_id = add_item(sqlite_store, text=text, name="周海涛", contact_phone="13912345678", consent=True)
    moderator = console("moderator")
    act(moderator, item_id, "reply", reply="已联系物业和装修方，夜间停止施工。")
    page = moderator.get(f"/console/items/{item_id}").text
    prefilled = html.unescape(
        re.search(r'<textarea id="f-approve-public_text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    )  # type: ignore[union-attr]
    assert "周海涛" not in prefilled and "13912345678" not in prefilled
    assert "<mark" in page and "88号" in page  # the masked spans are highlighted, the flag shown
    flag = re.search(r'name="(flag_[^"]+)" value="yes"', page)
    assert flag is not None
    unchanged = act(moderator, item_id, "approve", public_text=prefilled)  # the pre-filled text, no flag ticked
    assert unchanged.status_code == 422 and "没有核对" in unchanged.text and "88号" in unchanged.text  # type: ignore[attr-defined]
    assert sqlite_store.console_item(item_id).status is Status.ANSWERED  # type: ignore[union-attr]
    confirmed = act(moderator, item_id, "approve", public_text=prefilled, **{flag.group(1): "yes"})
    assert confirmed.status_code == 303  # type: ignore[attr-defined]
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.status is Status.PUBLISHED and item.public_text == prefilled


def test_the_same_text_from_someone_else_is_shown_as_a_possible_duplicate(
    client: TestClient, console: Callable[..., TestClient], sqlite_store: Store, make_client: Callable[..., TestClient]
) -> None:
    first = receipt_of(client.post("/ask", data=HAZARD))
    other = make_client(client_address="198.51.100.9")
    second = receipt_of(other.post("/ask", data=HAZARD))
    assert first != second  # never another person's receipt
    page = console("moderator").get(f"/console/items/{item_id_of(sqlite_store, second)}").text
    assert "可能重复" in page and first in page


def test_an_item_answered_on_time_and_reopened_is_not_late_at_once(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    now = dt.datetime.now(dt.UTC)
    received = now - dt.timedelta(days=3)
    reopened_id = add_item(sqlite_store, text="重新打开：办理护照需要多久？", received=received)
    carry(sqlite_store, reopened_id, "reply", received + dt.timedelta(hours=1), reply="一般 7 个工作日。")
    late_id = add_item(sqlite_store, text="真正超时的问题：驾驶证怎么换？", received=now - dt.timedelta(hours=30))
    moderator = console("moderator")
    assert act(moderator, reopened_id, "reopen", confirm="yes").status_code == 303  # type: ignore[attr-defined]
    page = moderator.get(f"/console/items/{reopened_id}").text
    shown = re.sub(r"<[^>]+>", " ", page)
    assert "重新办理期限" in shown and "剩余 23 小时" in shown and not re.search(r"已超时 \d", shown)
    queue = moderator.get("/console/queue").text
    assert queue.index("真正超时的问题") < queue.index("重新打开：办理护照")  # the late item stays on top
    assert late_id and "重新办理期限" in queue
    assert [row.id for row in sqlite_store.overdue_items(now)] == [late_id]  # relay overdue
    reminded = sqlite_store.open_deadlines(now + dt.timedelta(days=2))  # relay remind
    assert [d.deadline for d in reminded if d.item.id == reopened_id] == ["rework_due_at"]
    # the figures still judge the first handling against its own deadline: answered in an hour, on time
    month = received.astimezone(BEIJING).strftime("%Y-%m")
    figures = build_export(sqlite_store, now)["figures"]["dongshan"]["month"][month]
    assert figures["first_reply"]["on_time"] >= 1


def test_the_tracking_page_of_a_reopened_item_shows_its_fresh_deadline(
    console: Callable[..., TestClient], client: TestClient, sqlite_store: Store
) -> None:
    """The citizen sees the deadline the station is held to now, not the first one, long past."""
    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    item_id = add_item(sqlite_store, text="重新打开：办理护照需要多久？", received=received)
    carry(sqlite_store, item_id, "reply", received + dt.timedelta(hours=1), reply="一般 7 个工作日。")
    assert act(console("moderator"), item_id, "reopen", confirm="yes").status_code == 303  # type: ignore[attr-defined]
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.rework_due_at is not None and item.first_reply_due_at is not None
    shown = re.sub(r"<[^>]+>", " ", client.get(f"/track/{item.receipt_code}").text)
    assert f"重新办理，{local_time(item.rework_due_at)} 前" in shown
    assert local_time(item.first_reply_due_at) not in shown  # two days past


def test_a_correction_after_a_callback_is_the_final_reply_against_a_fresh_deadline(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    item_id = add_item(sqlite_store, kind=Kind.HELP, text="来电求助：手机被盗请求帮助。", received=received)
    carry(
        sqlite_store,
        item_id,
        "reply",
        received + dt.timedelta(hours=2),
        reply="已受理。",
        case_type="criminal_filing_review",
    )
    carry(sqlite_store, item_id, "reply", received + dt.timedelta(days=1), reply="已立案，结果已告知。")
    moderator = console("moderator")
    act(moderator, item_id, "open_callback", reason="complaint")
    corrected = act(
        moderator, item_id, "record_callback", reached="yes", satisfied="no", corrected="yes", note="需补充说明"
    )
    assert corrected.status_code == 303  # type: ignore[attr-defined]
    page = moderator.get(f"/console/items/{item_id}").text
    assert re.search(r'<label for="f-reply-reply">最终答复</label>', page)  # not a second 初步答复
    assert "重新办理期限" in page and not re.search(r"已超时 \d", page)
    assert act(moderator, item_id, "reply", reply="整改后答复：已补充调查。").status_code == 303  # type: ignore[attr-defined]
    item = sqlite_store.console_item(item_id)
    assert item is not None and item.status is Status.ANSWERED
    assert [r.kind.value for r in item.replies] == ["first", "final", "final"]
