"""The relay's ask form links the site's privacy notice beside the contact field."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_ask_form_links_the_privacy_notice_beside_the_contact_field(client: TestClient) -> None:
    html = client.get("/ask").text
    field = html.split('<label for="field-contact">', 1)[1].split('name="contact"', 1)[0]
    assert 'href="http://127.0.0.1:8000/privacy/">隐私政策</a>' in field or '/privacy/">隐私政策</a>' in field
    assert "180 天之后删除" in field
