"""Submitted HTML and script payloads come back escaped on every page that shows them."""

from __future__ import annotations

from starlette.testclient import TestClient

from relay.store import Store

PAYLOADS = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }} {% raw %}",
    "</textarea><script>alert(2)</script>",
]
TEXT = "请问：" + " ".join(PAYLOADS)


def assert_escaped(html: str) -> None:
    for dangerous in ("<script>alert", "<img src=x", "<svg/onload", "</textarea><script>"):
        assert dangerous not in html, dangerous


def test_payloads_are_escaped_on_error_receipt_and_tracking_pages(client: TestClient, sqlite_store: Store) -> None:
    data = {
        "station": "dongshan",
        "kind": "hazard",
        "text": TEXT,
        "location": PAYLOADS[1],
        "name": PAYLOADS[0],
        "contact": "13900001111",
    }
    error_page = client.post("/ask", data={**data, "location": "", "kind": "hazard"})
    assert error_page.status_code == 422
    assert "&lt;script&gt;alert(" in error_page.text
    assert_escaped(error_page.text)
    too_long = client.post("/ask", data={**data, "text": TEXT * 100})
    assert_escaped(too_long.text)
    done = client.post("/ask", data=data)
    assert done.status_code == 303
    for url in (done.headers["location"], done.headers["location"].replace("/receipt/", "/track/")):
        page = client.get(url)
        assert page.status_code == 200
        assert_escaped(page.text)
    tracking = client.get(done.headers["location"].replace("/receipt/", "/track/")).text
    assert "&lt;svg/onload=alert(1)&gt;" in tracking
    assert "{{ 7*7 }} {% raw %}" in tracking
    rating = client.post("/rate", data={"station": "dongshan", "stars": "9", "comment": TEXT})
    assert rating.status_code == 422
    assert_escaped(rating.text)
    lookup = client.get("/track", params={"code": PAYLOADS[1]})
    assert_escaped(lookup.text)


def test_payload_in_the_url_is_not_reflected(client: TestClient) -> None:
    page = client.get("/track/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert page.status_code == 404
    assert_escaped(page.text)
