"""Each kind of front-matter mistake stops a real build with ``path:line: problem: fix``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import citykit
from citymodel import ContentError


def build_problems(content: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        citykit.build(content, content.parent / "output")
    return [str(p) for p in caught.value.problems]


def only_problem(content: Path) -> str:
    problems = build_problems(content)
    assert len(problems) == 1, problems
    return problems[0]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def post_path(content: Path, station: str, module: str, slug: str) -> Path:
    return content / "posts" / station / module / f"{slug}.md"


def test_valid_city_builds(city_content: Path) -> None:
    citykit.build(city_content, city_content.parent / "output")
    assert (city_content.parent / "output" / "index.html").is_file()


def test_unknown_station(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21 09:00")
    edit(path, "Station: dongshan", "Station: dongshen")
    assert only_problem(city_content) == f"{path}:4: unknown station 'dongshen': did you mean 'dongshan'?"


def test_unknown_module(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21 09:00")
    edit(path, "Module: worklog", "Module: worklogs")
    problem = only_problem(city_content)
    assert problem.startswith(f"{path}:5: unknown module 'worklogs': use one of worklog, warning")


def test_module_the_station_has_not_chosen(city_content: Path) -> None:
    path = citykit.add_post(city_content, "xihu", "community", "x-1", "2026-11-21 09:00")
    problem = only_problem(city_content)
    assert problem.startswith(f"{path}:5: station 'xihu' has not chosen the module 'community': add it to 'Modules:'")


def test_relay_module_cannot_be_written_by_hand(city_content: Path) -> None:
    path = citykit.add_post(city_content, "xihu", "qa", "x-1", "2026-11-21 09:00")
    assert only_problem(city_content).startswith(f"{path}:5: module 'qa' is filled by the relay")


@pytest.mark.parametrize("bad_date", ["2026-13-01", "2026/11/20", "下周一"])
def test_bad_date(city_content: Path, bad_date: str) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", bad_date)
    assert only_problem(city_content) == (
        f"{path}:2: bad Date '{bad_date}': write the date as YYYY-MM-DD or YYYY-MM-DD HH:MM, e.g. 2026-11-20 09:30"
    )


def test_missing_date(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Date: 2026-11-21\n", "")
    assert only_problem(city_content) == f"{path}:5: missing 'Date': add 'Date: YYYY-MM-DD HH:MM'"


def test_missing_slug(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Slug: x-1\n", "")
    assert only_problem(city_content).startswith(f"{path}:5: missing 'Slug': add 'Slug: …' in lower-case ASCII")


def test_non_ascii_slug(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "工作记实", "2026-11-21")
    assert only_problem(city_content) == (
        f"{path}:3: slug '工作记实' is not lower-case ASCII: use lower-case ASCII letters, digits and hyphens, e.g. 'gong-zuo-ji-shi'"
    )


def test_duplicate_slug(city_content: Path) -> None:
    first = post_path(city_content, "dongshan", "worklog", "dongshan-worklog-1")
    path = citykit.add_post(city_content, "xihu", "worklog", "z-copy", "2026-11-21")
    edit(path, "Slug: z-copy", "Slug: dongshan-worklog-1")
    problem = only_problem(city_content)
    assert problem.startswith(f"{path}:3: duplicate slug 'dongshan-worklog-1' (also used by {first})")


def test_warning_that_expires_before_it_starts(city_content: Path) -> None:
    path = citykit.add_warning(
        city_content, "dongshan", "w-2", "2026-11-21", "2026-11-21 09:00", "2026-11-01 09:00", "提示"
    )
    assert only_problem(city_content) == (
        f"{path}:10: warning expires (2026-11-01 09:00) before it starts (2026-11-21 09:00): set Expires after Effective"
    )


def test_warning_without_level(city_content: Path) -> None:
    path = citykit.add_warning(
        city_content, "dongshan", "w-2", "2026-11-21", "2026-11-21 09:00", "2026-12-01 09:00", "提示"
    )
    edit(path, "Level: 黄色\n", "")
    assert only_problem(city_content).startswith(f"{path}:9: missing 'Level'")


def test_guide_without_fee(city_content: Path) -> None:
    path = citykit.write(
        city_content / "guides" / "id-card" / "g2.md", citykit.GUIDE.format(slug="g2", fee="", steps=citykit.STEPS)
    )
    assert only_problem(city_content) == (
        f"{path}:13: missing 'Fee': add 'Fee: …' with the fee, or 'Fee: 不收费' when free; never leave it blank"
    )


def test_guide_without_steps(city_content: Path) -> None:
    path = citykit.write(
        city_content / "guides" / "id-card" / "g2.md", citykit.GUIDE.format(slug="g2", fee="不收费", steps="")
    )
    assert only_problem(city_content) == (
        f"{path}:15: guide without steps: add a section '## 办理流程' with a numbered list (1. … 2. …)"
    )


def test_guide_steps_heading_without_a_numbered_list(city_content: Path) -> None:
    steps = "## 办理流程\n先取号，再采集照片。\n"
    path = citykit.write(
        city_content / "guides" / "id-card" / "g2.md", citykit.GUIDE.format(slug="g2", fee="不收费", steps=steps)
    )
    assert only_problem(city_content).startswith(f"{path}:23: guide without steps")


def test_image_path_that_does_not_exist(city_content: Path) -> None:
    extra = "Image: images/posts/missing.jpg\nImage_Alt: 民警走访\n"
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra=extra)
    assert only_problem(city_content) == (
        f"{path}:7: Image file 'images/posts/missing.jpg' does not exist: "
        "put the file at content/images/posts/missing.jpg or correct the path (relative to content/)"
    )


def test_chief_photo_that_does_not_exist(city_content: Path) -> None:
    (city_content / "images" / "chiefs" / "xihu.jpg").unlink()
    path = city_content / "stations" / "xihu.md"
    assert only_problem(city_content).startswith(f"{path}:15: Chief_Photo file 'images/chiefs/xihu.jpg' does not exist")


def test_form_that_does_not_exist(city_content: Path) -> None:
    (city_content / "forms" / "id-blank.pdf").unlink()
    path = city_content / "guides" / "id-card" / "id-card-first.md"
    assert only_problem(city_content).startswith(f"{path}:12: Form file 'forms/id-blank.pdf' does not exist")


def test_tags_whose_slugs_collide(city_content: Path) -> None:
    """Pelican would silently merge 公安 and 攻岸 (both 'gong-an'); the build refuses."""
    first = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Tags: 公安\n")
    second = citykit.add_post(city_content, "xihu", "worklog", "x-2", "2026-11-21", extra="Tags: 攻岸\n")
    problems = build_problems(city_content)
    assert problems == [
        f"{second}:7: tag '攻岸' has the same slug 'gong-an' as tag '公安': Pelican would merge them: rename one of the tags"
    ]
    assert first.is_file()


def test_unknown_key_suggests_the_right_one(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Sumary: 拼错了\n")
    assert only_problem(city_content) == f"{path}:7: unknown key 'sumary': did you mean 'Summary'?"


def test_full_width_colon(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Tags：社区\n")
    assert only_problem(city_content) == (
        f"{path}:7: full-width colon in 'Tags：社区': write the key as 'Key: value' with an ASCII colon"
    )


def test_post_in_the_wrong_folder(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Module: worklog", "Module: disclosure")
    assert only_problem(city_content).startswith(
        f"{path}:4: file is in the folder 'worklog' but says Station: dongshan, Module: disclosure"
    )


def test_every_problem_is_reported_at_once(city_content: Path) -> None:
    citykit.add_post(city_content, "dongshan", "worklog", "工作", "2026-11-21")
    citykit.add_post(city_content, "nowhere", "worklog", "x-2", "2026-99-21")
    assert len(build_problems(city_content)) == 3


def test_pelican_command_exits_non_zero_and_names_the_line(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-31")
    env = {**os.environ, "CITY_CONTENT": str(city_content)}
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "build", "--output", str(city_content.parent / "out")],
        cwd=citykit.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"{path}:2: bad Date '2026-11-31'" in result.stderr
    assert not (city_content.parent / "out" / "index.html").exists()


def test_a_key_given_twice(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Station: xihu\n")
    assert only_problem(city_content) == f"{path}:7: 'Station' is given twice (also on line 4): keep one line"


def test_a_title_continued_on_an_indented_line(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Title: 工作记实\n", "Title: 工作记实\n    第二行\n")
    assert (
        only_problem(city_content)
        == f"{path}:2: 'Title' continues on an indented line: write the whole value on one line"
    )


def test_a_file_that_is_not_utf8(city_content: Path) -> None:
    path = city_content / "posts" / "dongshan" / "worklog" / "gbk.md"
    path.write_bytes("Title: 工作记实\n".encode("gb18030"))
    assert only_problem(city_content).startswith(f"{path}:1: the file is not UTF-8 text")


def test_a_module_listed_twice(city_content: Path) -> None:
    path = city_content / "stations" / "dongshan.md"
    edit(path, "Modules: community", "Modules: community, community")
    assert only_problem(city_content) == f"{path}:10: a module is listed twice: list each optional module once"


def test_a_date_in_the_future(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2099-01-01 09:00")
    assert only_problem(city_content).startswith(f"{path}:2: Date 2099-01-01 09:00 is in the future")


def test_a_bad_modified_date(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Modified: yesterday\n")
    assert only_problem(city_content).startswith(f"{path}:7: bad Modified 'yesterday'")


def test_a_file_outside_the_copied_folders(city_content: Path) -> None:
    (city_content / "posts" / "dongshan" / "worklog" / "pic.jpg").write_bytes(citykit.TINY_JPEG)
    extra = "Image: posts/dongshan/worklog/pic.jpg\nImage_Alt: 民警\n"
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra=extra)
    assert only_problem(city_content).startswith(
        f"{path}:7: Image file 'posts/dongshan/worklog/pic.jpg' is not in a folder the build copies"
    )


def test_online_must_be_a_web_address(city_content: Path) -> None:
    text = citykit.GUIDE.format(slug="g2", fee="不收费", steps=citykit.STEPS).replace(
        "Reviewed:", "Online: javascript:alert(1)\nReviewed:"
    )
    path = citykit.write(city_content / "guides" / "id-card" / "g2.md", text)
    assert only_problem(city_content).startswith(f"{path}:13: Online 'javascript:alert(1)' is not a web address")


@pytest.mark.parametrize("slug", ["2", "a" * 81, "Dongshan-1"])
def test_slugs_need_a_letter_and_a_sane_length(city_content: Path, slug: str) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Slug: x-1", f"Slug: {slug}")
    assert only_problem(city_content).startswith(f"{path}:3: slug '{slug}' is not lower-case ASCII")
