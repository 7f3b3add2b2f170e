"""Hazard photos: hostile files give the form back (422), and decoding waits for the rate limit."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from images import ICCP_BOMB, SHORT_IHDR, ZTXT_BOMB, phone_photo
from starlette.testclient import TestClient

from relay.store import Store

HAZARD = {
    "station": "dongshan",
    "kind": "hazard",
    "location": "东山路与望江街交叉口",
    "text": "路口井盖缺失，夜里很危险",
}


def field_errors(html: str) -> list[str]:
    return re.findall(r'<li><a href="#field-([a-z]+)">', html)


@pytest.mark.parametrize(
    "content",
    [ICCP_BOMB, ZTXT_BOMB, SHORT_IHDR],
    ids=["iCCP-decompression-bomb", "zTXt-decompression-bomb", "8-byte-IHDR"],
)
def test_crafted_png_gives_the_form_back(client: TestClient, sqlite_store: Store, content: bytes) -> None:
    response = client.post("/ask", data=HAZARD, files={"photo": ("scene.png", content, "image/png")})
    assert response.status_code == 422
    assert field_errors(response.text) == ["photo"]
    assert "东山路与望江街交叉口" in response.text  # the answers are kept
    assert sqlite_store.count_items() == 0


def test_rate_limited_photo_is_refused_before_decoding(
    make_client: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """Over the limit, a photo that decoding would refuse (422) is never decoded: the answer is 429."""
    client = make_client(rate_limit_client="1/hour")
    first = client.post("/ask", data=HAZARD, files={"photo": ("a.jpg", phone_photo(), "image/jpeg")})
    assert first.status_code == 303
    second = client.post("/ask", data=HAZARD, files={"photo": ("scene.png", ICCP_BOMB, "image/png")})
    assert second.status_code == 429
    assert sqlite_store.count_items() == 1


def test_form_errors_are_reported_before_the_photo_is_decoded(client: TestClient) -> None:
    response = client.post("/ask", data={**HAZARD, "text": ""}, files={"photo": ("scene.png", ZTXT_BOMB, "image/png")})
    assert response.status_code == 422
    assert field_errors(response.text) == ["text"]
