"""A moderator in headless Chromium: log in, find the overdue item on top, answer it, see it move."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_kit import PASSWORD, add_item, create_accounts, idle_for
from servers import relay_server

from browser import AXE, launched_browser, require
from relay.models import Kind
from relay.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture
def relay_url(tmp_path: Path, stations_json: Path) -> Iterator[str]:
    store = Store(f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    store.migrate()
    create_accounts(store)
    now = dt.datetime.now(dt.UTC)
    add_item(  # item 1: its page shows the citizen's phone number as a tel: link
        store,
        text="刚收到的问题：请问护照多久能办好？",
        received=now - dt.timedelta(hours=2),
        contact_phone="13912345678",
    )
    add_item(store, text="超时的问题：请问居住证怎么续签？", received=now - dt.timedelta(hours=27))
    # due in 3 hours: marked 即将超期
    xihu = add_item(store, "xihu", text="西湖的问题：请问驾驶证到期怎么换？", received=now - dt.timedelta(hours=21))
    store.add_rating("dongshan", 4, "民警很耐心，把补办要带的材料一次讲清楚了。", "client-1", now, 30)
    store.rate_item(xihu, 2, now)  # 一事一评: listed on the ratings page with its receipt code
    store.close()
    env = {
        "RELAY_DATA_DIR": str(tmp_path / "data"),
        "RELAY_STATIONS": str(stations_json),
        "RELAY_SECRET_KEY": "browser-console",
        "RELAY_COOKIE_SECURE": "false",
    }
    with relay_server(env, tmp_path / "relay.log") as (url, _process):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_browser() as launched:
        yield launched


def no_axe_violations(page: Any) -> None:
    require(AXE.is_file(), "axe-core missing: run npm ci")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []


@pytest.mark.parametrize("javascript", [True, False])
def test_answer_the_overdue_item_at_the_top(browser: Any, relay_url: str, javascript: bool) -> None:
    context = browser.new_context(java_script_enabled=javascript, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{relay_url}/console/")
    assert page.title().startswith("后台登录")
    page.get_by_label("用户名").fill("dongshan")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/queue")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 2  # the station account sees only its own station
    first = rows.first
    assert "超时的问题" in first.inner_text() and "已超时" in first.inner_text()
    assert "overdue" in (first.get_attribute("class") or "")
    if javascript:
        no_axe_violations(page)
    first.get_by_role("link").click()
    page.get_by_label("答复").fill("您好，居住证续签可在社区警务室或网上办理，不收费。")
    page.get_by_role("button", name="提交答复").click()
    # the next item of the queue comes up, with the confirmation naming the one just answered
    confirmation = page.get_by_role("status").inner_text()
    assert "已完成：答复" in confirmation and "下一件" in confirmation
    assert "刚收到的问题" in page.locator("main .submitted").first.inner_text()
    if javascript:
        no_axe_violations(page)
    page.get_by_role("status").get_by_role("link").click()
    assert "已答复" in page.locator("main dl").first.inner_text()
    page.get_by_role("link", name="待办队列").first.click()
    remaining = page.locator("table.queue tbody tr")
    assert remaining.count() == 1 and "超时的问题" not in remaining.first.inner_text()
    page.goto(f"{relay_url}/console/queue?status=answered")
    assert "超时的问题" in page.locator("table.queue").inner_text()
    assert errors == []
    context.close()


def test_search_by_code_act_and_land_on_the_next_item(browser: Any, relay_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{relay_url}/console/login")
    page.get_by_label("用户名").fill("moderator")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/queue")
    codes = page.locator("table.queue tbody tr a").all_inner_texts()
    assert len(codes) == 3
    wanted = codes[-1].split()[-1]  # the last one: search finds it by its code alone
    page.get_by_label("受理编号或内容").fill(wanted.lower().replace("-", ""))
    page.get_by_role("button", name="筛选").click()
    found = page.locator("table.queue tbody tr")
    assert found.count() == 1 and wanted in found.first.inner_text()
    found.first.get_by_role("link").click()
    assert page.get_by_role("button", name="受理并转派出所答复").get_attribute("class") is None  # the main action
    assert page.get_by_role("button", name="标为垃圾信息").get_attribute("class") == "secondary"
    page.get_by_role("button", name="受理并转派出所答复").click()
    confirmation = page.get_by_role("status").inner_text()
    assert "已完成：受理并转派出所答复" in confirmation and wanted in confirmation
    assert wanted not in page.locator("h1").inner_text()  # another item now
    context.close()


CONTROLS = (
    "button, select, textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), "
    "label.choice, .tabs a, nav a, "
    # the queue's row links (a row's only link), the entry link above it, the ratings notice, a citizen's phone
    "table.queue tbody a, main a.button, main a[href='/console/ratings'], main a[href^='tel:']"
)
SMALL_CONTROLS = """selector => [...document.querySelectorAll(selector)]
  .filter(el => el.getClientRects().length && !el.closest('[hidden]'))
  .map(el => { const r = el.getBoundingClientRect();
    return {what: el.outerHTML.slice(0, 80), width: Math.round(r.width), height: Math.round(r.height)}; })
  .filter(box => box.width < 44 || box.height < 44)"""


def login_as(page: Any, relay_url: str, username: str) -> None:
    page.goto(f"{relay_url}/console/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/queue")


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_console_pages_fit_every_screen(browser: Any, relay_url: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    login_as(page, relay_url, "moderator")
    for path in ("/console/queue", "/console/items/1", "/console/items/new", "/console/ratings"):
        page.goto(f"{relay_url}{path}")
        if path == "/console/queue":  # the links the selector adds are there to be measured
            assert page.locator("table.queue tbody a").count() == 3
            assert page.locator("main a.button, main a[href='/console/ratings']").count() == 2
        elif path == "/console/items/1":
            assert page.locator("main a[href^='tel:']").count() == 1
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
        assert page.evaluate(SMALL_CONTROLS, CONTROLS) == [], (path, width)
        no_axe_violations(page)
    page.goto(f"{relay_url}/console/queue")
    assert "即将超期" in page.locator("table.queue tr.due-soon").inner_text()
    if width < 600:  # cards: each cell says what it is
        label = page.evaluate(
            "getComputedStyle(document.querySelector('table.queue td[data-label]'), '::before').content"
        )
        assert "期限" in label
    # Each filter's label sits right above its own control (side by side in a wrapping row, at 360 px a label
    # ended up beside the control before it).
    misplaced = page.evaluate(
        """() => [...document.querySelectorAll('.filters label[for]')].filter(label => {
          const own = document.getElementById(label.htmlFor).getBoundingClientRect(), box = label.getBoundingClientRect();
          return Math.abs(box.left - own.left) > 2 || own.top < box.bottom - 1 || own.top - box.bottom > 12; })
          .map(label => label.textContent)"""
    )
    assert misplaced == [], (width, misplaced)
    page.goto(f"{relay_url}/console/items/1")
    page.get_by_role("button", name="受理并转派出所答复").click()  # an audit record on item 1
    login_as(page, relay_url, "admin")
    for path in ("/console/audit", "/console/items/1"):  # the audit records, in words, wrap at any width
        page.goto(f"{relay_url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
        assert page.evaluate(SMALL_CONTROLS, CONTROLS + ", .audit-log summary") == [], (path, width)
        no_axe_violations(page)
    context.close()


def arrives(tmp_path: Path, page: Any, text: str) -> None:
    """A new item goes into the relay's store while ``page`` shows the queue; waits for the queue to say so."""
    store = Store(f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    add_item(store, text=text)
    store.close()
    page.locator("#new-items").wait_for(state="visible", timeout=10_000)


def test_the_queue_says_when_new_items_arrive(browser: Any, relay_url: str, tmp_path: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    login_as(page, relay_url, "moderator")
    page.goto(f"{relay_url}/console/queue?poll=2")
    page.locator("table.queue").wait_for()
    assert page.locator("#new-items").is_hidden()
    arrives(tmp_path, page, "新来的问题：请问临时身份证怎么办？")
    assert "有 1 件新事项" in page.locator("#new-items").inner_text()
    assert "新来的问题" not in page.locator("table.queue").inner_text()  # the list stays where it was
    context.close()


def test_an_officer_on_their_own_items_is_told_of_the_stations_new_ones(
    browser: Any, relay_url: str, tmp_path: Path
) -> None:
    """An officer's queue shows their own items (我负责的); a new item is the station's, not yet theirs. The notice
    says so and leads to the station's items, where it is (刷新队列 reloaded their own list, without it)."""
    context = browser.new_context()
    page = context.new_page()
    login_as(page, relay_url, "li")
    page.goto(f"{relay_url}/console/queue?poll=2")
    assert page.locator("#new-items").is_hidden()
    arrives(tmp_path, page, "新来的问题：户口迁移需要什么材料？")
    assert "本所有 1 件新事项" in page.locator("#new-items").inner_text()
    page.locator("#new-items a").click()
    page.wait_for_url("**who=all**")
    assert "新来的问题" in page.locator("table.queue").inner_text()
    context.close()


def test_an_empty_queue_says_when_new_items_arrive(browser: Any, relay_url: str, tmp_path: Path) -> None:
    """A queue with nothing in its list (a quiet night, a filter that matches nothing) still announces what
    arrives: the notice waited for a list that was not there."""
    context = browser.new_context()
    page = context.new_page()
    login_as(page, relay_url, "moderator")
    page.goto(f"{relay_url}/console/queue?poll=2&kind=hazard&q=%E4%B8%8D%E4%BC%9A%E6%9C%89%E8%BF%99%E4%B8%AA%E8%AF%8D")
    assert page.locator("table.queue").count() == 0
    arrives(tmp_path, page, "新来的问题：请问临时身份证怎么办？")
    assert "有 1 件新事项" in page.locator("#new-items").inner_text()
    context.close()


def expire_sessions(tmp_path: Path) -> None:
    """The relay's sessions were last used 31 minutes ago: past the idle timeout (30)."""
    store = Store(f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    idle_for(store, 31)
    store.close()


def test_a_long_reply_outlives_the_idle_timeout_and_its_end(browser: Any, relay_url: str, tmp_path: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    pings: list[str] = []
    page.on("request", lambda request: pings.append(request.url) if "/console/session" in request.url else None)
    login_as(page, relay_url, "dongshan")
    page.clock.install()  # the page's timers run on the test's word: five minutes pass at once, not in real time
    page.goto(f"{relay_url}/console/items/1")
    notice = page.locator("#session-notice")
    assert notice.get_attribute("data-keepalive") == "300"  # every 5 minutes, for the idle timeout of 30
    page.clock.run_for("10:00")
    page.wait_for_timeout(500)  # time for a ping, had one been sent, to be seen
    assert pings == []  # a page nobody types in says nothing: an unattended console still times out
    reply = page.get_by_label("答复", exact=True)
    typed = "您好，护照一般 7 个工作日办好。\n加急的请到出入境窗口申请，当天可以问到进度。"
    reply.fill(typed)
    with page.expect_response(lambda response: "/console/session" in response.url, timeout=10_000) as answer:
        page.clock.run_for("05:00")
    assert answer.value.status == 204  # typing keeps the session alive
    expire_sessions(tmp_path)  # then the person is called away
    reply.press("End")
    reply.type("谢谢")
    page.clock.run_for("05:00")
    notice.wait_for(state="visible", timeout=10_000)
    page.get_by_role("button", name="提交答复").click()
    assert "登录已超时" in page.get_by_role("alert").inner_text()
    page.get_by_label("用户名").fill("dongshan")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    assert "已重新登录" in page.get_by_role("alert").first.inner_text()
    assert page.get_by_label("答复", exact=True).input_value() == typed + "谢谢"  # line break and all
    page.get_by_role("button", name="提交答复").click()
    assert "已完成：答复" in page.get_by_role("status").inner_text()
    store = Store(f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    assert [r.text for r in store.replies(1)] == [typed + "谢谢"]
    store.close()
    context.close()


def test_back_and_send_again_enters_a_phone_call_once(browser: Any, relay_url: str, tmp_path: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    login_as(page, relay_url, "moderator")
    page.goto(f"{relay_url}/console/items/new")
    page.get_by_label("来源").select_option("phone")
    page.get_by_label("派出所").select_option("dongshan")
    page.get_by_label("咨询").check()
    page.get_by_label("群众反映的内容").fill("来电咨询：后退重交测试，居住证续签需要什么材料？")
    page.get_by_role("button", name="录入并受理").click()
    page.wait_for_url("**/console/items/*?done=entered")
    first = page.url.split("?")[0]
    page.go_back()  # the same form again, typed text and all, and it says it was sent
    assert page.get_by_label("群众反映的内容").input_value().startswith("来电咨询：后退重交测试")
    assert "已经提交过" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="录入并受理").click()
    page.wait_for_url("**/console/items/*?done=entered_before")
    assert page.url.split("?")[0] == first
    assert "已经录入过" in page.get_by_role("status").first.inner_text()
    store = Store(f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    assert store.count_items() == 4  # the three of the fixture and this call, once
    store.close()
    context.close()


def test_a_reply_template_goes_in_at_the_cursor_without_a_reload(browser: Any, relay_url: str, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    store.add_reply_template(
        Kind.QUESTION, "证件指引", "请携带身份证到户籍窗口办理。", "admin", dt.datetime.now(dt.UTC)
    )
    store.close()
    context = browser.new_context()
    page = context.new_page()
    login_as(page, relay_url, "dongshan")
    page.locator("table.queue tbody tr").first.get_by_role("link").click()
    box = page.get_by_label("答复", exact=True)
    box.fill("您好，王先生：谢谢。")
    box.evaluate("box => box.setSelectionRange(7, 7)")  # after 您好，王先生：
    address = page.url
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="证件指引").click()
    assert box.input_value() == "您好，王先生：\n请携带身份证到户籍窗口办理。谢谢。"
    assert page.url == address and page.evaluate("window.notReloaded") is True
    context.close()
