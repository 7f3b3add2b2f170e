"""Small console fixes a reviewer found on a phone: against a real relay (``relay serve`` under uvicorn) over HTTP.

- A refusal on a console page (a station account opening 评价审核: 403) leads back to the console's queue, not to
  the public site's home page; a public page's refusal keeps its 返回首页.
- 不予采用所选 / 批准所选 with no rating ticked gives the page back with an error summary (422) and changes nothing;
  it said 已处理 0 条评价。
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from console_kit import Relay, csrf_of

from relay.store import Store


def links(page: str) -> list[tuple[str, str]]:
    """Each link of the page's main content: (address, words)."""
    main = re.search(r"<main\b.*?</main>", page, re.S)
    assert main, page[:2000]
    return [
        (html.unescape(href), html.unescape(re.sub(r"<[^>]+>", "", text)).strip())
        for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', main.group(0), re.S)
    ]


# -- a refusal on a console page leads back to the queue ------------------------------------


def test_a_station_refused_the_ratings_page_is_led_back_to_the_queue(relay: Relay) -> None:
    station = relay.console("dongshan")
    page = station.get("/console/ratings")
    assert page.status_code == 403
    assert "您的账号没有这个权限。" in page.text
    assert links(page.text) == [("/console/queue", "返回事项队列")]  # not 返回首页, the public site


def test_a_console_page_not_found_leads_back_to_the_queue(relay: Relay) -> None:
    page = relay.console("moderator").get("/console/items/999999")
    assert page.status_code == 404
    assert links(page.text) == [("/console/queue", "返回事项队列")]


def test_a_public_page_refused_keeps_its_home_page_link(relay: Relay) -> None:
    page = relay.client().get("/track/XXXXX-XXXXX")
    assert page.status_code == 404
    found = links(page.text)
    assert [text for _href, text in found] == ["返回首页"]
    assert not found[0][0].startswith("/console")


# -- 评价审核 with no rating ticked ----------------------------------------------------------


def pending_rating(store: Store) -> int:
    store.add_rating("dongshan", 4, "民警很耐心。", "client-1", dt.datetime.now(dt.UTC), 30)
    [rating] = store.pending_ratings(None)
    return int(rating["id"])


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_no_rating_ticked_is_an_error_and_changes_nothing(relay: Relay, decision: str) -> None:
    rating = pending_rating(relay.store)
    moderator = relay.console("moderator")
    audited = len(relay.store.audit_entries())
    page = moderator.post(
        "/console/ratings", data={"csrf": csrf_of(moderator, "/console/ratings"), "decision": decision}
    )
    assert page.status_code == 422, page.headers.get("location")
    assert "已处理" not in page.text
    summary = re.search(r'<div class="error-summary".*?</div>', page.text, re.S)
    assert summary, page.text[:3000]
    assert "请至少勾选一条评价" in html.unescape(summary.group(0))
    assert 'href="#field-rating"' in summary.group(0) and 'id="field-rating"' in page.text  # the link leads to the list
    assert f'value="{rating}"' in page.text  # the page is given back with the ratings to tick
    assert [r["id"] for r in relay.store.pending_ratings(None)] == [rating]  # nothing decided
    assert len(relay.store.audit_entries()) == audited  # and nothing recorded


def test_a_ticked_rating_is_still_decided(relay: Relay) -> None:
    """The usual path, unchanged: a ticked rating is decided and the page says how many."""
    rating = pending_rating(relay.store)
    moderator = relay.console("moderator")
    data = {"csrf": csrf_of(moderator, "/console/ratings"), "decision": "reject", "rating": str(rating)}
    response = moderator.post("/console/ratings", data=data)
    assert response.status_code == 303 and response.headers["location"] == "/console/ratings?done=1"
    assert relay.store.pending_ratings(None) == []
    assert "已处理 1 条评价。" in moderator.get(response.headers["location"]).text
