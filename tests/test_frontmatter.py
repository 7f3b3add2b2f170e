from __future__ import annotations

from citymodel import frontmatter


def test_fields_carry_their_line_numbers() -> None:
    meta = frontmatter.parse("Title: 标题\nDate: 2026-11-20\nSlug: a-b\n\n正文\n")
    assert meta.value("title") == "标题"
    assert meta.line_of("slug") == 3
    assert meta.body == "正文"
    assert meta.body_line == 5


def test_repeated_keys_and_continuation_lines() -> None:
    meta = frontmatter.parse("Form: 甲 | forms/a.pdf\nForm: 乙 | forms/b.pdf\nSummary: 一\n    二\n\nbody")
    assert [f.line for f in meta.all("form")] == [1, 2]
    assert meta.value("summary") == "一\n二"


def test_missing_key_points_at_end_of_front_matter() -> None:
    meta = frontmatter.parse("Title: 标题\nDate: 2026-11-20\n\n正文")
    assert meta.line_of("slug") == 2


def test_full_width_colon_is_kept_as_a_stray_line() -> None:
    meta = frontmatter.parse("Title: 标题\nSlug：abc\nDate: 2026-11-20\n\n正文")
    assert meta.stray_lines == [(2, "Slug：abc")]
    assert meta.value("date") == "2026-11-20"


def test_text_without_front_matter_is_all_body() -> None:
    meta = frontmatter.parse("# 标题\n\n正文")
    assert meta.fields == {}
    assert meta.body.startswith("# 标题")
