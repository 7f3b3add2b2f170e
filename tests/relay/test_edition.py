"""The relay's public pages in Traditional Chinese, reached from the site's Traditional edition."""

from __future__ import annotations

import html
import re

import opencc
import pytest
from starlette.testclient import TestClient

S2TW = opencc.OpenCC("s2tw")  # the edition's default (RELAY_HANT_OPENCC, as the site's CITY_HANT_OPENCC)
QUESTION = {"station": "dongshan", "kind": "question", "text": "请问身份证丢了在哪里补办？需要带什么材料？"}


def page_text(page: str) -> str:
    """What a reader sees, without the Simplified switch (lang="zh-CN") and without tags."""
    page = re.sub(r'<a\b[^>]*lang="zh-CN"[^>]*>[^<]*</a>', "", page)
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def simplified_only(text: str) -> list[str]:
    return sorted({ch for ch in text if "\u4e00" <= ch <= "\u9fff" and S2TW.convert(ch) != ch})


def test_ask_receipt_and_track_in_traditional(client: TestClient) -> None:
    ask = client.get("/zh-hant/ask/dongshan")
    assert ask.status_code == 200 and '<html lang="zh-Hant">' in ask.text
    assert simplified_only(page_text(ask.text)) == []
    assert 'action="/zh-hant/ask"' in ask.text and "諮詢" in ask.text
    assert 'hreflang="zh-CN" lang="zh-CN" data-edition="zh-CN">简体</a>' in ask.text  # the switch back
    assert 'href="https://site.test/zh-hant/stations/"' in ask.text  # the header leads into the site's edition
    refused = client.post("/zh-hant/ask", data={**QUESTION, "text": ""})
    assert refused.status_code == 422 and simplified_only(page_text(refused.text)) == []
    sent = client.post("/zh-hant/ask", data=QUESTION)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/zh-hant/receipt/")
    receipt = client.get(sent.headers["location"])
    assert receipt.status_code == 200 and simplified_only(page_text(receipt.text)) == []
    code = sent.headers["location"].split("/")[-1]
    assert f'href="/zh-hant/track/{code}"' in receipt.text
    assert f"/zh-hant/track/{code}</a>" in receipt.text  # the address read out or copied is the same page's
    track = client.get(f"/zh-hant/track/{code}")
    assert track.status_code == 200 and simplified_only(page_text(track.text)) == []
    assert "補辦" in track.text  # the submitted text too, as the reader's edition shows it
    assert client.get(f"/track/{code}").text.count("补办") >= 1  # the Simplified page is unchanged


def test_names_keep_their_words_and_urls_their_characters(client: TestClient) -> None:
    page = client.get("/zh-hant/ask").text
    assert "所長在線" in page and "線上" not in page  # s2tw: characters, not Taiwan phrasing
    assert 'href="/static/css/site.css"' in page


def test_the_receipt_writes_the_forms_its_readers_use(client: TestClient) -> None:
    """審核員核對 on the receipt and 審核員 on the form: the forms readers in Taiwan, Hong Kong and overseas use,
    not OpenCC's standard 審覈員覈對 (s2t)."""
    ask = client.get("/zh-hant/ask/dongshan")
    assert "審核員" in ask.text and "覈" not in ask.text
    sent = client.post("/zh-hant/ask", data=QUESTION)
    assert sent.status_code == 303
    receipt = client.get(sent.headers["location"])
    assert receipt.status_code == 200 and "審核員核對後轉給" in receipt.text
    track = client.get(sent.headers["location"].replace("/receipt/", "/track/"))
    assert track.status_code == 200
    for page in (receipt.text, track.text):
        assert not {"覈", "羣", "衆", "爲", "裏", "着"} & set(page_text(page))


@pytest.mark.parametrize("config", ["s2tw", "s2twp", "s2hk", "s2t"])
def test_every_configuration_keeps_the_whole_page(config: str) -> None:
    """The marked tags are put aside while the page is converted: OpenCC's configurations of more than one
    step (s2tw, s2twp, s2hk) end their text at a NUL, and a NUL as the mark left a page of its <head>."""
    from relay.edition import convert_html

    page = (
        '<html lang="zh-CN"><head><link rel="alternate" hreflang="zh-CN" href="/ask" data-edition="zh-CN"></head>'
        '<body><a class="edition-switch" href="/ask" hreflang="zh-CN" lang="zh-CN" data-edition="zh-CN">简体</a>'
        "<p>审核员核对后转给东山派出所。</p></body></html>"
    )
    converted = convert_html(page, config, "")
    assert '<link rel="alternate" hreflang="zh-CN" href="/ask" data-edition="zh-CN">' in converted
    assert 'data-edition="zh-CN">简体</a>' in converted and converted.endswith("派出所。</p></body></html>")


def test_the_console_has_no_traditional_twin(client: TestClient) -> None:
    assert client.get("/zh-hant/console/queue").status_code == 404
    simplified = client.get("/ask").text
    assert 'href="/zh-hant/ask"' in simplified and "繁體" in simplified


def test_relay_pages_wear_the_sites_header_and_footer(client: TestClient, stations_json: object) -> None:
    import json
    from pathlib import Path

    site = json.loads(Path(str(stations_json)).read_text(encoding="utf-8"))["site"]
    page = client.get("/ask").text
    for link in ("/stations/", "/guides/", "/warnings/", "/search/", "/privacy/", "/accessibility/"):
        assert f'href="https://site.test{link}"' in page, link
    assert f"主办单位：{site['organizer']}" in page and site["name"] in page
    if site["icp_number"]:
        assert site["icp_number"] in page


def test_the_relay_s_pages_have_opencc_s_known_slips_put_right() -> None:
    """A reply on a Traditional tracking page said 換髮 (hair) for 换发, as the site's pages did."""
    from relay.edition import convert_html

    page = '<html lang="zh-CN"><body><p>请带原护照到任一出入境接待大厅换发，未签合同的不予受理。</p></body></html>'
    assert "<p>請帶原護照到任一出入境接待大廳換發，未簽合同的不予受理。</p>" in convert_html(page, "s2tw", "")
