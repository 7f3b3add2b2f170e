"""Content files cannot publish script or foreign files: links, file types, escaping and the HTML allowlist."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

import citykit
from citymodel import ContentError, load_city

BODY_FIX = "网站只显示标题、段落、列表、表格、加粗和斜体、链接，以及 content/ 里的图片（见 docs/handbook.zh.md 的「可以用的格式」一节）"


def build_problems(content: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        citykit.build(content, content.parent / "output")
    return [str(p) for p in caught.value.problems]


def build_page(content: Path, page: str) -> str:
    output = content.parent / "output"
    citykit.build(content, output)
    return (output / page).read_text(encoding="utf-8")


def notices(content: Path) -> list[str]:
    city = load_city(citykit.settings_for(content, content.parent / "output"))
    assert city.problems == []
    return [str(n) for n in city.notices]


def invoke_check(content: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", "check"],
        cwd=citykit.ROOT,
        env={**os.environ, "CITY_CONTENT": str(content)},
        capture_output=True,
        text=True,
        timeout=120,
    )


# Files


def test_a_symlink_to_a_folder_outside_content_is_refused(city_content: Path) -> None:
    link = city_content / "images" / "etc"
    link.symlink_to("/etc", target_is_directory=True)
    assert build_problems(city_content) == [
        f"{link}:1: '{link}' 是一个链接（快捷方式，指向 /etc），不是文件本身：请换成文件本身；网站不会复制链接"
    ]
    assert not (city_content.parent / "output" / "images" / "etc").exists()
    result = invoke_check(city_content)
    assert result.returncode == 1
    assert f"{link}:1: '{link}' 是一个链接（快捷方式，指向 /etc），不是文件本身：" in result.stderr


def test_a_symlinked_post_is_refused(city_content: Path, tmp_path: Path) -> None:
    outside = citykit.add_post(tmp_path / "elsewhere", "dongshan", "worklog", "x-1", "2026-11-21")
    link = city_content / "posts" / "dongshan" / "worklog" / "x-1.md"
    link.symlink_to(outside)
    problems = build_problems(city_content)
    assert problems == [
        f"{link}:1: '{link}' 是一个链接（快捷方式，指向 {outside}），不是文件本身：请换成文件本身；网站不会复制链接"
    ]


@pytest.mark.parametrize("folder", ["posts/dongshan/worklog", "stations", "guides/hukou"])
def test_a_link_to_a_secret_is_refused_without_reading_it(city_content: Path, tmp_path: Path, folder: str) -> None:
    """The check's lines go back to whoever pushed (publisher/gitpush.py): a link to the relay's settings must not
    come back as an unknown key ``'RELAY_SECRET_KEY: …'`` (it did, one line of the linked file per problem)."""
    secret = tmp_path / "relay.env"
    secret.write_text("RELAY_SECRET_KEY: s3cr3t-value\nroot:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    link = city_content / folder / "leak.md"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret)
    problems = build_problems(city_content)
    assert problems == [
        f"{link}:1: '{link}' 是一个链接（快捷方式，指向 {secret}），不是文件本身：请换成文件本身；网站不会复制链接"
    ]
    said = invoke_check(city_content)
    assert said.returncode == 1
    assert "s3cr3t" not in said.stderr + said.stdout
    assert "root" not in said.stderr.replace(str(tmp_path), "")


@pytest.mark.parametrize("name", ["evil.js", "page.html", "logo.svg", "notes.txt"])
def test_only_images_and_forms_are_copied(city_content: Path, name: str) -> None:
    path = city_content / "images" / name
    path.write_text("alert(document.cookie)", encoding="utf-8")
    [problem] = build_problems(city_content)
    assert problem.startswith(
        f"{path}:1: '{name}' 这种类型的文件不能放到网站上：网站只复制图片（.jpg、.jpeg、.png、.gif、.webp）和表格（.pdf"
    )
    assert not (city_content.parent / "output" / "images" / name).exists()


def test_a_web_page_named_like_an_image_is_refused(city_content: Path) -> None:
    path = city_content / "images" / "photo.jpg"
    path.write_text("<script>alert(1)</script>", encoding="utf-8")
    assert build_problems(city_content) == [
        f"{path}:1: 'photo.jpg' 不是真正的 JPG 图片，文件内容和文件名对不上：请用制作它的软件重新保存为 JPG 格式"
    ]


def test_forms_of_the_allowed_types_are_copied(city_content: Path) -> None:
    (city_content / "forms" / "blank.docx").write_bytes(b"PK\x03\x04" + b"\0" * 26)
    (city_content / "forms" / "blank.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8)
    citykit.build(city_content, city_content.parent / "output")
    assert (city_content.parent / "output" / "forms" / "blank.docx").is_file()
    assert (city_content.parent / "output" / "forms" / "blank.xls").is_file()


# Escaping


def test_the_image_value_cannot_leave_its_attribute(city_content: Path) -> None:
    name = 'x" onerror="alert(1).jpg'
    (city_content / "images" / name).write_bytes(citykit.TINY_JPEG)
    extra = f"Image: images/{name}\nImage_Alt: 民警走访\n"
    citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra=extra)
    html = build_page(city_content, "stations/dongshan/worklog/x-1/index.html")
    assert "onerror" not in parse_page_attributes(html)
    assert 'src="/images/x&#34; onerror=&#34;alert(1).jpg"' in html


def parse_page_attributes(html: str) -> set[str]:
    from html.parser import HTMLParser

    names: set[str] = set()

    class Attributes(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            names.update(name for name, _ in attrs)

    Attributes().feed(html)
    return names


# The HTML allowlist

BAD_BODY = """\
第一段。

<script>alert(1)</script>

<img src="images/chiefs/dongshan.jpg" onerror="alert(2)" alt="照片">

[点这里](javascript:alert(3))

<iframe src="https://evil.example/"></iframe>
"""


def test_script_handlers_and_javascript_links_are_removed_from_a_body(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    path.write_text(path.read_text(encoding="utf-8").replace("正文第一段。\n", BAD_BODY), encoding="utf-8")
    assert notices(city_content) == [
        f"{path}:10: <script> 标记会被删掉：{BODY_FIX}",
        f"{path}:12: <img> 里的 'onerror' 属性会被删掉：{BODY_FIX}",
        f"{path}:14: 指向 'javascript:alert(3)' 的链接会被删掉：{BODY_FIX}",
        f"{path}:16: <iframe> 标记会被删掉：{BODY_FIX}",
    ]
    html = build_page(city_content, "stations/dongshan/worklog/x-1/index.html")
    body = html.split('<div class="body">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body and "alert" not in body and "iframe" not in body and "javascript:" not in body
    assert '<img src="images/chiefs/dongshan.jpg" alt="照片">' in body
    assert "第一段。" in body and "点这里" in body


def test_the_feed_carries_the_cleaned_body(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    path.write_text(path.read_text(encoding="utf-8").replace("正文第一段。\n", BAD_BODY), encoding="utf-8")
    output = city_content.parent / "output"
    citykit.build(city_content, output)
    feed = (output / "feeds" / "stations" / "dongshan.atom.xml").read_text(encoding="utf-8")
    assert "alert" not in feed and "第一段" in feed


def test_allowed_html_is_kept(city_content: Path) -> None:
    body = """\
## 小标题

| 时间 | 地点 |
| :--- | ---: |
| 周一 | 社区 |

*提醒*：**请**拨打 <a href="tel:0417-2000001">0417-2000001</a>，或写信到 [邮箱](mailto:a@pcs.yunlan.example)，
详见 [市局网站](https://yunlan-police.example/)。
"""
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    path.write_text(path.read_text(encoding="utf-8").replace("正文第一段。\n", body), encoding="utf-8")
    assert notices(city_content) == []
    html = build_page(city_content, "stations/dongshan/worklog/x-1/index.html")
    for kept in (
        "<h2>小标题</h2>",
        '<th style="text-align:left">时间</th>',
        "<em>提醒</em>",
        "<strong>请</strong>",
        '<a href="tel:0417-2000001">',
        '<a href="mailto:a@pcs.yunlan.example">',
        '<a href="https://yunlan-police.example/">',
    ):
        assert kept in html


def test_an_image_from_another_site_is_removed(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    text = path.read_text(encoding="utf-8").replace(
        "正文第一段。\n", "正文。\n\n![追踪](https://tracker.example/p.gif)\n"
    )
    path.write_text(text, encoding="utf-8")
    [notice] = notices(city_content)
    assert notice.startswith(
        f"{path}:10: 来自 'https://tracker.example/p.gif' 的图片（不是 content/ 里的图片）会被删掉："
    )
    html = build_page(city_content, "stations/dongshan/worklog/x-1/index.html")
    assert "tracker.example" not in html


def test_markup_in_a_title_is_removed_and_reported(city_content: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = citykit.add_post(
        city_content,
        "dongshan",
        "worklog",
        "x-1",
        "2026-11-21",
        title='<script>alert(1)</script>防盗<img src=x onerror="alert(2)">提示',
    )
    assert notices(city_content) == [
        f"{path}:1: 'Title' 里的标记 <script><img> 会被删掉：'Title' 只能写纯文字，请不要写 <…> 这样的标记"
    ]
    with caplog.at_level(logging.WARNING, logger="citymodel"):
        output = city_content.parent / "output"
        citykit.build(city_content, output)
    assert f"{path}:1: 'Title' 里的标记 <script><img> 会被删掉：" in caplog.text
    for page in ("stations/dongshan/worklog/x-1/index.html", "stations/dongshan/index.html", "index.html"):
        html = (output / page).read_text(encoding="utf-8")
        assert "<script>alert" not in html and "onerror" not in parse_page_attributes(html), page
        assert "防盗提示" in html, page


def test_markup_in_a_station_name_is_removed(city_content: Path) -> None:
    path = city_content / "stations" / "dongshan.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("Name: 东山派出所", "Name: 东山<script>alert(1)</script>派出所<img src=x onerror=alert(2)>")
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("本所负责", '<a href="javascript:alert(3)">本所</a>负责'), encoding="utf-8")
    assert notices(city_content) == [
        f"{path}:2: 'Name' 里的标记 <script><img> 会被删掉：'Name' 只能写纯文字，请不要写 <…> 这样的标记",
        f"{path}:18: 指向 'javascript:alert(3)' 的链接会被删掉：{BODY_FIX}",
    ]
    output = city_content.parent / "output"
    citykit.build(city_content, output)
    for page in ("stations/dongshan/index.html", "stations/index.html", "index.html"):
        html = (output / page).read_text(encoding="utf-8")
        assert "alert" not in html, page
        assert "东山派出所" in html, page
    assert '"name": "东山派出所"' in (output / "api" / "stations.json").read_text(encoding="utf-8")


def test_invoke_check_reports_what_the_build_removes(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", title="<b>加粗</b>标题")
    result = invoke_check(city_content)
    assert result.returncode == 1
    assert (
        f"{path}:1: 'Title' 里的标记 <b> 会被删掉：'Title' 只能写纯文字，请不要写 <…> 这样的标记（生成网站时会自动删掉）\n"
        in (result.stderr)
    )


def test_demo_content_has_nothing_to_clean() -> None:
    city = load_city(citykit.settings_for(citykit.ROOT / "content", citykit.ROOT / "output"))
    assert city.problems == [] and city.notices == []


def test_templates_mark_only_cleaned_html_safe() -> None:
    """Autoescaping is on; the only values a template may output unescaped are the cleaned bodies."""
    import re

    settings = citykit.settings_for(citykit.ROOT / "content", citykit.ROOT / "output")
    assert settings["JINJA_ENVIRONMENT"]["autoescape"] is True
    marked = set()
    for template in (citykit.ROOT / "theme" / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        marked |= set(re.findall(r"\{\{\s*([\w.]+)\s*\|\s*safe\s*\}\}", text))
        assert "Markup(" not in text and "autoescape false" not in text, template
    assert marked == {"article.content", "page.content", "guide.content"}
