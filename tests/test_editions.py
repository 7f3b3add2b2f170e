"""The Traditional edition: a twin for every page, switches both ways, no Simplified-only text left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sitecheck import parse_page

# Characters that exist only in Simplified Chinese; their Traditional forms differ.
SIMPLIFIED_ONLY = "这们发说时国过对务办证户门车区导预见级号电话报问题关开应应为实现网络页条护险码设资讯"
# OpenCC's standard forms (s2t) where readers in Taiwan, Hong Kong and overseas read and type others (s2tw):
# 考覈 for 考核, 羣衆 for 群眾, 爲 for 為, 裏 for 裡, 着 for 著 (the pairs of OpenCC's t2tw).
OPENCC_STANDARD_ONLY = "僞啓喫嫺嬀峯幺棱樑檐污泄潙潨爲牀痹癡皁着睾祕竈糉繮纔羣脣蔘蔿衆裏覈踊鉢鍼鮎麪齶"


def simplified_pages(output: Path) -> list[Path]:
    return [
        p for p in output.rglob("*.html") if not p.relative_to(output).as_posix().startswith(("zh-hant/", "pagefind/"))
    ]


def test_every_page_has_its_traditional_twin(demo_output: Path) -> None:
    pages = simplified_pages(demo_output)
    assert len(pages) > 100
    for page in pages:
        relative = page.relative_to(demo_output)
        assert (demo_output / "zh-hant" / relative).is_file(), relative


def test_switch_and_hreflang_link_both_ways(demo_output: Path) -> None:
    for page in simplified_pages(demo_output):
        relative = page.relative_to(demo_output).as_posix()
        url = "/" + relative.removesuffix("index.html")
        twin = demo_output / "zh-hant" / relative
        simplified, traditional = page.read_text(encoding="utf-8"), twin.read_text(encoding="utf-8")
        assert f'<a class="edition-switch" href="/zh-hant{url}" hreflang="zh-Hant"' in simplified, relative
        assert f'<a class="edition-switch" href="{url}" hreflang="zh-CN"' in traditional, relative
        for html in (simplified, traditional):
            assert f'<link rel="alternate" hreflang="zh-CN" href="{url}"' in html, relative
            assert f'<link rel="alternate" hreflang="zh-Hant" href="/zh-hant{url}"' in html, relative
        assert parse_page(twin).lang == "zh-Hant" and parse_page(page).lang == "zh-CN"


def test_traditional_pages_keep_urls_apart_from_the_prefix(demo_output: Path) -> None:
    page = demo_output / "zh-hant" / "stations" / "dongshan" / "index.html"
    links = [link for link in parse_page(page).links if link.startswith("/")]
    assert links
    shared = ("/theme/", "/images/", "/forms/", "/pagefind/", "/sitemap.xml", "/alerts/", "/api/")
    for link in links:
        assert link.startswith(("/zh-hant/", *shared)) or link == "/stations/dongshan/", link
    simplified_links = {re.sub(r"^/zh-hant", "", link) for link in links}
    original = {
        link for link in parse_page(demo_output / "stations" / "dongshan" / "index.html").links if link.startswith("/")
    }
    assert simplified_links == {re.sub(r"^/zh-hant", "", link) for link in original}


def test_no_simplified_only_characters_in_visible_text(demo_output: Path) -> None:
    leftovers = {}
    for page in sorted((demo_output / "zh-hant").rglob("*.html")):
        text = "".join(parse_page(page).text)
        found = {ch for ch in SIMPLIFIED_ONLY if ch in text}
        if found - {"简"}:
            leftovers[page.relative_to(demo_output).as_posix()] = "".join(sorted(found))
    assert leftovers == {}
    home = "".join(parse_page(demo_output / "zh-hant" / "index.html").text)
    assert "派出所" in home and "緊急情況請撥打 110" in home


def test_the_edition_writes_the_forms_its_readers_use_and_type(demo_output: Path) -> None:
    """考核 in the menu of every page, 群眾 and 審核 in the text: the forms a reader in Taiwan, Hong Kong or overseas
    types into the search box, not OpenCC's standard 考覈, 羣衆 and 審覈 (which s2t writes and their searches miss)."""
    leftovers = {}
    for page in sorted((demo_output / "zh-hant").rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        relative = page.relative_to(demo_output).as_posix()
        if "<nav" in html:
            assert '/zh-hant/kaohe/">考核</a>' in html, relative
        found = {ch for ch in "".join(parse_page(page).text) + html if ch in OPENCC_STANDARD_ONLY}
        if found:
            leftovers[relative] = "".join(sorted(found))
    assert leftovers == {}
    texts = "".join("".join(parse_page(page).text) for page in (demo_output / "zh-hant").rglob("*.html"))
    assert "群眾" in texts and "審核" in texts and "考核" in texts
    kaohe = "".join(parse_page(demo_output / "zh-hant" / "kaohe" / "index.html").text)
    assert "考核" in kaohe and "考覈" not in kaohe


def test_traditional_feeds_exist(demo_output: Path) -> None:
    import feedparser

    feed = demo_output / "zh-hant" / "feeds" / "stations" / "dongshan.atom.xml"
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo and parsed.entries
    assert 'xml:lang="zh-Hant"' in feed.read_text(encoding="utf-8")


def test_urls_are_not_converted(tmp_path: Path) -> None:
    import opencc
    from hantedition.edition import DEFAULTS, convert_page

    page = '<html lang="zh-CN"><body><a class="edition-switch" href="https://gov.example/police/zh-hant/x/" hreflang="zh-Hant" lang="zh-Hant" data-edition="zh-Hant">繁體</a><img src="/images/活动/宣传.jpg" alt="宣传"><a href="https://gov.example/police/stations/">派出所</a></body></html>'
    converted = convert_page(page, opencc.OpenCC("s2twp"), ["https://gov.example/police"], DEFAULTS)
    assert 'src="/images/活动/宣传.jpg"' in converted and 'alt="宣傳"' in converted
    assert 'href="https://gov.example/police/zh-hant/stations/"' in converted
    assert '<a class="edition-switch" href="https://gov.example/police/x/" hreflang="zh-CN"' in converted


def test_only_link_attributes_are_links() -> None:
    """A link is ``href``, ``src`` or ``action`` at the start of a word (``data-src`` too, as ``-`` ends a word);
    the same letters inside a word, as in a post that quotes code, are text, and the links after them are still
    found. Links keep their characters; the edition's switch and hreflang tags keep their addresses."""
    import opencc
    from hantedition.edition import DEFAULTS, convert_page

    page = (
        '<html lang="zh-CN"><head><link rel="alternate" hreflang="zh-CN" href="/a/" data-edition="zh-CN">'
        '</head><body><p>代码：mysrc="/发布/" 与 xhref="/b/"</p><img data-src="/图片/发布.png" alt="发布">'
        '<a href="/stations/发布/">发布</a><a href="/stations/">发布</a></body></html>'
    )
    converted = convert_page(page, opencc.OpenCC(DEFAULTS["opencc"]), [], DEFAULTS)
    assert '<p>代碼：mysrc="/發佈/" 與 xhref="/b/"</p>' in converted  # text: converted, not rewritten
    assert '<img data-src="/zh-hant/图片/发布.png" alt="發佈">' not in converted  # an image is not a page
    assert 'data-src="/图片/发布.png"' in converted
    assert '<a href="/zh-hant/stations/发布/">發佈</a><a href="/zh-hant/stations/">發佈</a>' in converted
    assert '<link rel="alternate" hreflang="zh-CN" href="/a/" data-edition="zh-CN">' in converted


def test_the_relay_forms_lead_to_its_traditional_pages_and_names_stay_as_written() -> None:
    import opencc
    from hantedition.edition import DEFAULTS, convert_page

    page = (
        '<html lang="zh-CN"><body><a class="brand" href="/">云澜市派出所所长在线</a>'
        '<form method="post" action="https://relay.example/ask"></form><a href="https://relay.example/track">查询</a>'
        '<link rel="stylesheet" href="https://relay.example/static/css/site.css"></body></html>'
    )
    converted = convert_page(
        page, opencc.OpenCC(DEFAULTS["opencc"]), [], {**DEFAULTS, "relay": "https://relay.example"}
    )
    assert 'action="https://relay.example/zh-hant/ask"' in converted
    assert 'href="https://relay.example/zh-hant/track"' in converted
    assert 'href="https://relay.example/static/css/site.css"' in converted
    assert "雲瀾市派出所所長在線" in converted  # s2tw: the characters change, the name's words do not (not 線上)


@pytest.mark.parametrize(
    ("simplified", "traditional"),
    [
        ("本市任一出入境接待大厅", "本市任一出入境接待大廳"),
        ("原护照（换发时提交）", "原護照（換發時提交）"),
        ("未签合同", "未簽合同"),
    ],
)
def test_opencc_s_known_slips_are_put_right(simplified: str, traditional: str) -> None:
    """OpenCC's s2tw wrote 任一齣入境 (a play), 換髮 (hair) and 未籤 on the passport guide and a tenancy warning."""
    import opencc
    from hantedition.edition import convert_page

    opts = {"prefix": "zh-hant", "opencc": "s2tw", "lang": "zh-Hant", "relay": ""}
    page = f'<html lang="zh-CN"><body><p>{simplified}</p></body></html>'
    assert f"<p>{traditional}</p>" in convert_page(page, opencc.OpenCC("s2tw"), [], opts)
