"""What console pages show people: one error summary whose links reach their fields, and each role's links."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from console_kit import act, add_item, csrf_of, entry_token_of
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from relay.auth import Console, console_page, pages_for
from relay.models import Role
from relay.store import Store

SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.S)


def one_summary_reaching_its_fields(page: str) -> list[str]:
    """The page has one error summary and one alert; every link in it leads to an element of the page.
    Returns the summary's messages."""
    summaries = SUMMARY.findall(page)
    assert len(summaries) == 1, summaries
    assert len([tag for tag in re.findall(r'<[^>]*role="alert"[^>]*>', page) if " hidden" not in tag]) == 1
    targets = re.findall(r'href="#([^"]+)"', summaries[0])
    assert targets
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    assert [t for t in targets if t not in ids] == []
    return [html.unescape(m) for m in re.findall(r"<a [^>]*>(.*?)</a>", summaries[0])]


def test_an_item_pages_error_summary_is_shown_once_and_each_link_reaches_its_field(
    console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    text = "我的快递单号是 7712345678 一直没到，请帮忙查一下。"
    item_id = add_item(sqlite_store, text=text, consent=True)
    moderator = console("moderator")
    assert one_summary_reaching_its_fields(act(moderator, item_id, "reply", reply="").text) == ["请填写答复内容"]  # type: ignore[attr-defined]
    assert act(moderator, item_id, "reply", reply="已转告快递公司，请留意短信。").status_code == 303  # type: ignore[attr-defined]
    # approval with a personal-data flag not ticked: the link leads to the box to tick
    page = moderator.get(f"/console/items/{item_id}").text
    public_text = html.unescape(re.search(r'id="f-approve-public_text"[^>]*>(.*?)</textarea>', page, re.S).group(1))  # type: ignore[union-attr]
    refused = act(moderator, item_id, "approve", public_text=public_text).text  # type: ignore[attr-defined]
    (message,) = one_summary_reaching_its_fields(refused)
    assert "“7712345678”" in message  # the number as matched, not "7712345678 一"
    assert "“7712345678”：一串数字" in refused
    target = re.search(r'<div class="error-summary".*?href="#([^"]+)"', refused, re.S).group(1)  # type: ignore[union-attr]
    assert re.search(rf'<input type="checkbox" id="{re.escape(target)}" name="flag_', refused)
    # a callback's yes/no questions
    act(moderator, item_id, "approve", public_text=public_text, **{f"flag_{target.split('flag_')[1]}": "yes"})
    assert act(moderator, item_id, "open_callback", reason="complaint").status_code == 303  # type: ignore[attr-defined]
    unanswered = act(moderator, item_id, "record_callback", corrected="yes").text  # type: ignore[attr-defined]
    assert set(one_summary_reaching_its_fields(unanswered)) == {
        "请选择是否联系上群众",
        "重新办理（整改）时请写明要整改的问题",
    }
    assert 'id="f-record_callback-reached"' in unanswered and 'id="f-record_callback-reached-no"' in unanswered


def test_other_console_forms_have_one_summary_too(console: Callable[..., TestClient], sqlite_store: Store) -> None:
    admin = console("admin")
    form = {"csrf": csrf_of(admin, "/console/items/new"), "entry_token": entry_token_of(admin)}
    entry = admin.post("/console/items/new", data=form)
    assert entry.status_code == 422
    assert "请选择来源" in " ".join(one_summary_reaching_its_fields(entry.text))
    template = admin.post("/console/templates", data={"csrf": csrf_of(admin, "/console/templates")})
    assert template.status_code == 422
    assert len(one_summary_reaching_its_fields(template.text)) == 3


NAV = re.compile(r'<nav class="wrap" aria-label="后台导航">(.*?)</nav>', re.S)
PAGES = ("/console/queue", "/console/items/new", "/console/ratings", "/console/audit", "/console/templates")


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("admin", ["待办队列", "评价审核", "审计日志", "答复模板", "账号", "修改密码"]),
        ("moderator", ["待办队列", "评价审核", "修改密码"]),
        ("dongshan", ["待办队列", "修改密码"]),
        ("li", ["待办队列", "修改密码"]),
    ],
)
def test_each_role_sees_the_links_it_may_follow_and_no_other(
    console: Callable[..., TestClient], username: str, expected: list[str]
) -> None:
    client = console(username)
    for page in (*PAGES, "/console/accounts", "/console/password"):
        response = client.get(page, follow_redirects=True)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, page
        nav = NAV.search(response.text)
        assert nav is not None, page
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1))
        assert [label for _, label in links] == expected, page
        for href, label in links:
            assert client.get(href).status_code == 200, (username, label)


def test_each_app_keeps_its_own_pages() -> None:
    """What each role may open is worked out once per app, from that app's routes: another app's stay its own."""

    @console_page(roles=(Role.ADMIN,))
    async def admin_page(request: Request, console: Console) -> Response:
        return Response()

    with_page = Starlette(routes=[Route("/console/admin", admin_page, methods=["GET"])])
    without = Starlette(routes=[Route("/console/admin", admin_page, methods=["POST"])])
    assert pages_for(with_page, Role.ADMIN) == {"/console/admin"}
    assert pages_for(with_page, Role.MODERATOR) == frozenset()
    assert pages_for(without, Role.ADMIN) == frozenset()
    assert pages_for(with_page, Role.ADMIN) == {"/console/admin"}
