"""The pages a government site must have: privacy notice, accessibility statement, and the footer."""

from __future__ import annotations

from pathlib import Path

import pytest

import citykit
from sitecheck import parse_page


def text_of(page: Path) -> str:
    return "".join(parse_page(page).text)


def test_privacy_notice_says_what_why_who_how_long_and_how_to_correct(demo_output: Path) -> None:
    from relay.settings import Settings

    page = demo_output / "privacy" / "index.html"
    text = text_of(page)
    for heading in ("我们收集哪些信息", "为什么收集", "谁能看到", "保存多久", "更正或删除您的信息"):
        assert heading in text
    # The retention period the relay's purge applies by default (RELAY_RETENTION_DAYS).
    retention = Settings.__dataclass_fields__["retention_days"].default
    assert f"受理 {retention} 天后删除" in text
    assert "<h1>隐私政策</h1>" in page.read_text(encoding="utf-8")


def test_accessibility_statement_names_the_standard_and_how_to_report(demo_output: Path) -> None:
    text = text_of(demo_output / "accessibility" / "index.html")
    assert "WCAG）2.2 AA" in text and "GB/T 37668—2019" in text
    assert "反馈使用障碍" in text and "webmaster@yunlan-police.example" in text


def test_both_pages_have_a_traditional_edition(demo_output: Path) -> None:
    assert "隱私政策" in text_of(demo_output / "zh-hant" / "privacy" / "index.html")
    assert "無障礙聲明" in text_of(demo_output / "zh-hant" / "accessibility" / "index.html")  # s2tw: characters only


def test_every_page_footer_has_owner_records_emblem_and_links(demo_output: Path) -> None:
    settings = citykit.settings_for(citykit.ROOT / "content", demo_output)
    city = settings["CITY"]
    pages = sorted(p for p in demo_output.rglob("*.html") if "pagefind" not in p.parts)
    assert len(pages) > 100
    for page in pages:
        html = page.read_text(encoding="utf-8")
        footer = html.split('<footer class="site wrap">', 1)[1]
        if "zh-hant" not in page.relative_to(demo_output).parts:
            assert f"主办单位：{city['organizer']}" in footer, page
            assert city["icp_number"] in footer and city["police_record_number"] in footer, page
        assert f'/theme/{city["emblem"]}"' in footer, page
        assert '/privacy/">' in footer and '/accessibility/">' in footer, page
    assert (demo_output / "theme" / city["emblem"]).is_file()


@pytest.mark.parametrize("page", ["index.html", "stations/dongshan/index.html"])
def test_the_contact_field_links_the_privacy_notice(demo_output: Path, page: str) -> None:
    html = (demo_output / page).read_text(encoding="utf-8")
    form = html.split('name="contact"', 1)[0].rsplit("<form", 1)[1]
    hint = form.rsplit("<label", 1)[1]
    assert '<a href="/privacy/">隐私政策</a>' in hint
    from relay.settings import Settings

    assert f"{Settings.__dataclass_fields__['retention_days'].default} 天之后删除" in hint


def test_footer_facts_may_be_left_out(city_content: Path, tmp_path: Path) -> None:
    base = citykit.settings_for(city_content, tmp_path / "output")["CITY"]
    city = {k: v for k, v in base.items() if k not in ("organizer", "icp_number", "police_record_number", "emblem")}
    citykit.build(city_content, tmp_path / "output", CITY=city)
    footer = (tmp_path / "output" / "index.html").read_text(encoding="utf-8").split("<footer", 1)[1]
    assert f"主办单位：{city['bureau']}" in footer and "ICP" not in footer and "<img" not in footer
