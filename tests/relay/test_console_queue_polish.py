"""The queue's 即将超期 marker, the ratings page's dates and receipt codes, and an officer's queue opening on
我负责的: against a real relay (``relay serve`` under uvicorn) over HTTP, on an SQLite file.

"Now" is the real clock: items get deadlines relative to it (as the other console tests do), nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from console_kit import Relay, add_item, answer_fully, carry

from relay.casework import Actor
from relay.models import Role

STATION = Actor("dongshan", Role.STATION)


def rows_of(page: str) -> dict[int, str]:
    """The queue's rows by item id: each row's opening tag and its cells."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body, page[:3000]
    rows = re.findall(r"<tr[^>]*>.*?</tr>", body.group(1), re.S)
    return {int(re.search(r'href="/console/items/(\d+)', row).group(1)): row for row in rows}  # type: ignore[union-attr]


def words(fragment: str) -> str:
    """The text a person reads: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# -- 即将超期 ------------------------------------------------------------------------------


def test_an_item_due_within_the_reminder_lead_says_soon_and_how_long_is_left(relay: Relay) -> None:
    store = relay.store
    now = dt.datetime.now(dt.UTC)
    soon = add_item(store, text="两小时后到期的问题", first_reply_due_at=now + dt.timedelta(hours=2, minutes=15))
    edge = add_item(store, text="差一点到四小时的问题", first_reply_due_at=now + dt.timedelta(hours=3, minutes=50))
    beyond = add_item(store, text="四小时多一点的问题", first_reply_due_at=now + dt.timedelta(hours=4, minutes=10))
    later = add_item(store, text="两天后到期的问题", first_reply_due_at=now + dt.timedelta(days=2))
    late = add_item(store, text="已经超时的问题", received=now - dt.timedelta(hours=30))
    for username in ("moderator", "dongshan", "li"):  # the officer: the whole station's items (who=all)
        page = relay.console(username).get("/console/queue?who=all").text
        rows = rows_of(page)
        assert list(rows) == [late, soon, edge, beyond, later], username  # overdue first, then by deadline
        assert re.search(r"即将超期 剩余 2 小时 1[45] 分", words(rows[soon])), rows[soon]
        assert re.search(r"即将超期 剩余 3 小时 [45]\d 分", words(rows[edge])), rows[edge]
        assert rows[soon].startswith('<tr class="due-soon">')
        for not_soon in (beyond, later):
            assert "即将超期" not in rows[not_soon] and "due-soon" not in rows[not_soon], rows[not_soon]
            assert "剩余 " in words(rows[not_soon])  # the usual time left, as before
        assert "已超时 6 小时" in words(rows[late]) and rows[late].startswith('<tr class="overdue">')
        assert "即将超期" not in rows[late]  # overdue keeps its own marker only


def test_a_closed_item_is_never_due_soon(relay: Relay) -> None:
    store = relay.store
    now = dt.datetime.now(dt.UTC)
    answered = add_item(store, text="已答复的问题", first_reply_due_at=now + dt.timedelta(hours=1))
    answer_fully(store, answered, "已答复")
    page = relay.console("moderator").get("/console/queue?status=answered").text
    row = rows_of(page)[answered]
    assert "已办结" in row and "即将超期" not in row


# -- ratings: when, and which item ---------------------------------------------------------


def test_the_ratings_page_dates_each_rating_and_links_an_items_receipt_code(relay: Relay) -> None:
    store = relay.store
    rated = dt.datetime(2026, 3, 5, 6, 30, tzinfo=dt.UTC)  # 14:30 in Beijing
    store.add_rating("dongshan", 4, "民警态度很好", "client-1", rated, 30)
    item_id = add_item(store, text="被评价的问题", received=rated - dt.timedelta(days=1))
    answer_fully(store, item_id, "已答复", at=rated - dt.timedelta(hours=20))
    assert store.rate_item(item_id, 2, rated + dt.timedelta(hours=1, minutes=5))
    code = store.console_item(item_id).receipt_code  # type: ignore[union-attr]
    page = relay.console("moderator").get("/console/ratings").text
    pending = re.search(r'<table class="ratings">.*?</table>', page, re.S)
    assert pending, page[:3000]
    assert '<time datetime="2026-03-05T14:30:00+08:00">2026年03月05日 14:30</time>' in pending.group(0)
    assert "民警态度很好" in pending.group(0) and "东山派出所" in pending.group(0)
    one_time = re.search(r'<section aria-labelledby="item-ratings-title">.*?</section>', page, re.S)
    assert one_time, page[:3000]
    entry = re.search(r"<li>.*?</li>", one_time.group(0), re.S)
    assert entry, one_time.group(0)
    assert f'<a href="/console/items/{item_id}">{code}</a>' in entry.group(0)
    assert "2026年03月05日 15:35" in entry.group(0) and "2 星" in words(entry.group(0))


# -- an officer's queue opens on 我负责的 ---------------------------------------------------


def test_an_officers_queue_opens_on_their_own_items_and_can_show_the_whole_station(relay: Relay) -> None:
    store = relay.store
    zhous = add_item(store, text="周强负责的问题")
    carry(store, zhous, "assign", actor=STATION, officer="zhou")
    nobodys = add_item(store, text="还没人负责的问题")
    li = relay.console("li")

    empty = li.get("/console/queue").text  # nothing of li's yet: said so, with the way to the station's items
    assert "<tbody>" not in empty
    assert "您目前没有负责的事项" in empty and "周强负责的问题" not in empty
    link = re.search(r'<a href="([^"]+)">查看本所全部事项</a>', empty)
    assert link, empty[:5000]
    whole = li.get(html.unescape(link.group(1))).text
    assert set(rows_of(whole)) == {zhous, nobodys}

    lis = add_item(store, text="李明负责的问题")
    carry(store, lis, "assign", actor=STATION, officer="li")
    for address in ("/console/queue", "/console/queue?status=open"):
        page = li.get(address).text
        assert list(rows_of(page)) == [lis], address
        assert '<option value="mine" selected>我负责的</option>' in page
    assert li.get("/console").headers["location"] == "/console/queue"

    # the whole station, chosen in the filter form: it sticks in the address the console carries on
    chosen = li.get("/console/queue", params={"status": "open", "q": "", "who": "all", "channel": "", "kind": ""})
    page = chosen.text
    assert set(rows_of(page)) == {lis, zhous, nobodys}
    assert '<option value="all" selected>全部</option>' in page and '<option value="mine">我负责的</option>' in page
    assert f'href="/console/items/{zhous}?from=/console/queue%3Fwho%3Dall"' in page
    assert 'href="/console/queue?status=escalated&amp;who=all"' in page  # the tabs keep it too
    item_page = li.get(f"/console/items/{zhous}", params={"from": "/console/queue?who=all"}).text
    assert 'href="/console/queue?who=all"' in item_page  # back to the queue it came from
    assert set(rows_of(li.get("/console/queue?who=unassigned").text)) == {nobodys}

    # station accounts, moderators and admins still open on every item they can see
    for username in ("dongshan", "moderator", "admin"):
        page = relay.console(username).get("/console/queue").text
        assert set(rows_of(page)) == {lis, zhous, nobodys}, username
        assert '<option value="all" selected>全部</option>' in page
        assert "您目前没有负责的事项" not in page
