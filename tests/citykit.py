"""Helpers for tests: a small valid city in a temporary folder, and real builds."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-25 12:00"

# A 1x1 JPEG, enough for a file that exists.
TINY_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k="
)

STATION = """\
Slug: {slug}
Name: {name}
District: 东城区
Address: 东城区测试路1号
Hours: 周一至周五 8:30-17:30
Phone: 0417-2000001
Report_Phone: 0417-2000002
Email: {slug}@pcs.yunlan.example
Jurisdiction: 测试街道
Modules: {modules}
Chief: 测试所长
Chief_Rank: 一级警督
Chief_Badge: 031107
Chief_Born: 1978
Chief_Photo: images/chiefs/{slug}.jpg
Chief_Since: 2024-03-01

本所负责测试街道的治安管理。
"""

POST = """\
Title: {title}
Date: {date}
Slug: {slug}
Station: {station}
Module: {module}
Summary: 本周工作小结。
{extra}
正文第一段。
"""

GUIDE = """\
Title: 居民身份证首次申领
Slug: {slug}
Category: id-card
Summary: 年满十六周岁的公民应当申领居民身份证。
For: 本市户籍居民
Time_Limit: 20个工作日
Fee: {fee}
Where: 各派出所户籍窗口
Hours: 周一至周五 8:30-17:00
Phone: 0417-2000003
Complaints_Phone: 0417-12389
Form: 申领登记表 | forms/id-blank.pdf
Reviewed: 2026-10-01

## 办理条件
本市户籍。

## 申请材料
| 材料 | 原件/复印件 | 份数 |
| --- | --- | --- |
| 户口簿 | 原件 | 1 |

{steps}
"""

STEPS = "## 办理流程\n1. 取号\n2. 采集照片\n3. 领取回执\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def make_city(root: Path) -> Path:
    """A valid little city: two stations, posts in each fixed module, one guide."""
    content = root / "content"
    for slug, name, modules in (("dongshan", "东山派出所", "community"), ("xihu", "西湖派出所", "")):
        write(content / "stations" / f"{slug}.md", STATION.format(slug=slug, name=name, modules=modules))
        (content / "images" / "chiefs").mkdir(parents=True, exist_ok=True)
        (content / "images" / "chiefs" / f"{slug}.jpg").write_bytes(TINY_JPEG)
        add_post(content, slug, "worklog", f"{slug}-worklog-1", "2026-11-20 09:00")
        add_post(content, slug, "disclosure", f"{slug}-disclosure-1", "2026-11-02 09:00")
        add_warning(
            content,
            slug,
            f"{slug}-warning-active",
            "2026-11-20 09:00",
            "2026-11-20 09:00",
            "2027-06-01 00:00",
            "防范刷单返利诈骗",
        )
        add_warning(
            content,
            slug,
            f"{slug}-warning-expired",
            "2026-09-01 09:00",
            "2026-09-01 09:00",
            "2026-10-01 00:00",
            "国庆假期防盗提示",
        )
    add_post(content, "dongshan", "community", "dongshan-community-1", "2026-11-10 09:00")
    (content / "forms").mkdir(parents=True, exist_ok=True)
    (content / "forms" / "id-blank.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    write(
        content / "guides" / "id-card" / "id-card-first.md", GUIDE.format(slug="id-card-first", fee="20元", steps=STEPS)
    )
    return content


def add_post(
    content: Path, station: str, module: str, slug: str, date: str, title: str = "工作记实", extra: str = ""
) -> Path:
    return write(
        content / "posts" / station / module / f"{slug}.md",
        POST.format(title=title, date=date, slug=slug, station=station, module=module, extra=extra),
    )


def add_warning(content: Path, station: str, slug: str, date: str, effective: str, expires: str, title: str) -> Path:
    extra = f"Level: 黄色\nArea: 测试街道\nEffective: {effective}\nExpires: {expires}\n"
    return add_post(content, station, "warning", slug, date, title=title, extra=extra)


def settings_for(content: Path, output: Path, **overrides: Any) -> dict[str, Any]:
    from pelican.settings import read_settings

    base = read_settings(str(ROOT / "pelicanconf.py"))
    city = {**base["CITY"], "today": TODAY}
    return dict(
        read_settings(
            str(ROOT / "pelicanconf.py"),
            override={
                "PATH": str(content),
                "OUTPUT_PATH": str(output),
                "CITY": city,
                "INCREMENTAL": {"cache": str(output.parent / f"{output.name}-cache")},
                **overrides,
            },
        )
    )


def build(content: Path, output: Path, **overrides: Any) -> dict[str, Any]:
    """A real Pelican build of ``content`` into ``output``; returns the settings used."""
    from pelican import Pelican

    settings = settings_for(content, output, **overrides)
    Pelican(settings).run()
    return settings
