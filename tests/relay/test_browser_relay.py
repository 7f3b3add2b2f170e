"""A person uses the site's ask box and the relay's pages in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from servers import free_port, relay_server

import citykit
from browser import AXE, launched_browser, require, serve_folder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site_and_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("e2e")
    port = free_port()
    relay_url = f"http://127.0.0.1:{port}"
    content = citykit.make_city(root)
    citykit.build(content, root / "output", RELAY_URL=relay_url)
    env = {
        "RELAY_DATA_DIR": str(root / "data"),
        "RELAY_STATIONS": str(root / "output" / "api" / "stations.json"),
        "RELAY_SECRET_KEY": "browser-test",
    }
    with serve_folder(root / "output") as site_url:
        env["RELAY_SITE_URL"] = site_url
        with relay_server(env, root / "relay.log", port=port) as (url, _process):
            yield site_url, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_browser() as launched:
        yield launched


def axe_violations(page: Any) -> list[Any]:
    require(AXE.is_file(), "axe-core missing: run npm ci")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


@pytest.mark.parametrize("javascript", [True, False])
def test_ask_from_the_station_page_to_the_tracking_page(
    browser: Any, site_and_relay: tuple[str, str], javascript: bool
) -> None:
    site_url, _relay_url = site_and_relay
    context = browser.new_context(java_script_enabled=javascript, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{site_url}/stations/dongshan/")
    page.get_by_label("您的问题").fill(f"请问身份证丢了在哪里补办？（{'有' if javascript else '无'}脚本）")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url("**/receipt/*")
    assert page.locator("h1").inner_text() == "已受理"
    code = page.locator(".receipt-code").inner_text()
    assert len(code) == 11
    if javascript:
        assert axe_violations(page) == []
    page.get_by_role("link", name="查看办理进度").click()
    assert code in page.locator("main").inner_text()
    assert "已受理，待审核" in page.inner_text("main")
    if javascript:
        assert axe_violations(page) == []
    context.close()


def test_error_summary_links_to_the_field(browser: Any, site_and_relay: tuple[str, str]) -> None:
    _site_url, relay_url = site_and_relay
    page = browser.new_page(bypass_csp=True)
    page.goto(f"{relay_url}/ask/dongshan")
    assert axe_violations(page) == []
    page.get_by_label("隐患举报").check()
    page.get_by_role("button", name="提交").click()
    assert page.title().startswith("错误：")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    page.get_by_role("link", name="举报隐患请填写具体地点").click()
    assert page.evaluate("location.hash") == "#field-location"
    assert page.locator("#field-location").evaluate("el => el.getAttribute('aria-invalid')") == "true"
    assert axe_violations(page) == []
    page.close()


def test_the_home_page_ask_box_asks_for_a_station_and_keeps_a_long_text(
    browser: Any, site_and_relay: tuple[str, str]
) -> None:
    """The city-wide box once started on the first station (a question went there unnoticed) and cut a pasted
    text at 2,000 characters without a word; now the relay says both, with the whole text given back."""
    site_url, _relay_url = site_and_relay
    page = browser.new_page(bypass_csp=True)
    page.goto(f"{site_url}/")
    assert page.locator("#ask-station").input_value() == ""
    text = "小区东门外的路灯坏了一个多月，晚上很黑，老人孩子走路不安全。" * 100  # 3,000 characters
    page.locator("#ask-text-city").fill(text)
    assert len(page.locator("#ask-text-city").input_value()) == len(text)
    page.get_by_role("button", name="提交", exact=True).click()
    summary = page.locator(".error-summary")
    assert "请选择派出所" in summary.inner_text()
    assert f"内容不能超过 2000 个字，现在是 {len(text)} 个字" in summary.inner_text()
    assert page.locator("#field-text").input_value() == text
    page.close()


def test_rating_form_in_the_browser(browser: Any, site_and_relay: tuple[str, str]) -> None:
    site_url, _relay_url = site_and_relay
    page = browser.new_page(bypass_csp=True)
    page.goto(f"{site_url}/stations/xihu/")
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url("**/rated/xihu")
    assert "感谢您的评价" in page.inner_text("h1")
    assert axe_violations(page) == []
    page.close()


SMALL_CONTROLS = """() => [...document.querySelectorAll(
    "button, select, textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), label.choice, "
    + ".large-text-label, .brand, .edition-switch, header nav a, .footer-links a, .records a")]
  .filter(el => el.getClientRects().length && !el.closest('[hidden], .hp, .skip'))
  .map(el => { const r = el.getBoundingClientRect();
    return {what: el.outerHTML.slice(0, 80), width: Math.round(r.width), height: Math.round(r.height)}; })
  .filter(box => box.width < 44 || box.height < 44)"""


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_relay_public_pages_fit_every_screen_in_both_editions(
    browser: Any, site_and_relay: tuple[str, str], width: int
) -> None:
    _site, relay = site_and_relay
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{relay}/ask/dongshan")
    page.get_by_label("您的问题").fill("请问居住证到期了怎么续签？网上能办吗？")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url("**/receipt/*")
    code = page.locator(".receipt-code").inner_text()
    for path in ("/ask", "/ask/dongshan", "/rate/dongshan", f"/receipt/{code}", f"/track/{code}", "/track"):
        for edition in ("", "/zh-hant"):
            page.goto(f"{relay}{edition}{path}")
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, (edition, path)
            assert page.evaluate(SMALL_CONTROLS) == [], (edition, path, width)
            assert axe_violations(page) == [], (edition, path)
    context.close()
