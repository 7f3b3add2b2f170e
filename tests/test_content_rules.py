"""Each kind of front-matter mistake stops a real build with ``path:line: problem：fix``, in Chinese for the chiefs."""

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
    assert only_problem(city_content) == f"{path}:4: 不认识的派出所 'dongshen'：您是不是想写 'dongshan'？"


def test_unknown_module(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21 09:00")
    edit(path, "Module: worklog", "Module: worklogs")
    problem = only_problem(city_content)
    assert problem.startswith(
        f"{path}:5: 不认识的栏目 'worklogs'：请写其中之一：worklog（工作记实）、warning（预警提示）"
    )


def test_module_the_station_has_not_chosen(city_content: Path) -> None:
    path = citykit.add_post(city_content, "xihu", "community", "x-1", "2026-11-21 09:00")
    problem = only_problem(city_content)
    assert problem.startswith(
        f"{path}:5: 派出所 'xihu' 没有选用栏目 'community'：请在 {city_content / 'stations' / 'xihu.md'} 的 'Modules:' 里加上它"
    )


def test_relay_module_cannot_be_written_by_hand(city_content: Path) -> None:
    path = citykit.add_post(city_content, "xihu", "qa", "x-1", "2026-11-21 09:00")
    assert only_problem(city_content).startswith(
        f"{path}:5: 栏目 'qa' 的内容来自群众留言的公开答复，不能自己写：请改写其中之一：worklog（工作记实）"
    )


@pytest.mark.parametrize("bad_date", ["2026-13-01", "2026/11/20", "下周一"])
def test_bad_date(city_content: Path, bad_date: str) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", bad_date)
    assert only_problem(city_content) == (
        f"{path}:2: 'Date' 的日期 '{bad_date}' 写得不对："
        "请写成 2026-11-20 09:30 或 2026-11-20 这样的格式（年-月-日 时:分，时间可以不写）"
    )


def test_missing_date(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Date: 2026-11-21\n", "")
    assert only_problem(city_content) == (
        f"{path}:5: 缺少 'Date'：请加一行 'Date: …' 写发布日期和时间，例如 'Date: 2026-11-25 09:30'"
    )


def test_missing_slug(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Slug: x-1\n", "")
    assert only_problem(city_content).startswith(
        f"{path}:5: 缺少 'Slug'：请加一行 'Slug: …' 写网址名（网址的最后一段）。网址名只能用小写英文字母"
    )


def test_non_ascii_slug(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "工作记实", "2026-11-21")
    assert only_problem(city_content) == (
        f"{path}:3: 'Slug' 写的网址名 '工作记实' 不合要求："
        "网址名只能用小写英文字母、数字和连字符 -，至少要有一个字母，最多 80 个字符，例如 'gong-zuo-ji-shi'"
    )


def test_duplicate_slug(city_content: Path) -> None:
    first = post_path(city_content, "dongshan", "worklog", "dongshan-worklog-1")
    path = citykit.add_post(city_content, "xihu", "worklog", "z-copy", "2026-11-21")
    edit(path, "Slug: z-copy", "Slug: dongshan-worklog-1")
    problem = only_problem(city_content)
    assert problem.startswith(f"{path}:3: 网址名 'dongshan-worklog-1' 重复了（{first} 已经在用）：请换一个")


def test_warning_that_expires_before_it_starts(city_content: Path) -> None:
    path = citykit.add_warning(
        city_content, "dongshan", "w-2", "2026-11-21", "2026-11-21 09:00", "2026-11-01 09:00", "提示"
    )
    assert only_problem(city_content) == (
        f"{path}:10: 预警的结束时间 'Expires'（2026-11-01 09:00）早于或等于开始时间 'Effective'（2026-11-21 09:00）："
        "请把 'Expires' 改到 'Effective' 之后"
    )


def test_warning_without_level(city_content: Path) -> None:
    path = citykit.add_warning(
        city_content, "dongshan", "w-2", "2026-11-21", "2026-11-21 09:00", "2026-12-01 09:00", "提示"
    )
    edit(path, "Level: 黄色\n", "")
    assert only_problem(city_content).startswith(f"{path}:9: 缺少 'Level'：请在文件开头的信息里加一行 'Level: …'")


def test_guide_without_fee(city_content: Path) -> None:
    path = citykit.write(
        city_content / "guides" / "id-card" / "g2.md", citykit.GUIDE.format(slug="g2", fee="", steps=citykit.STEPS)
    )
    assert only_problem(city_content) == (
        f"{path}:13: 缺少 'Fee'：请加一行 'Fee: …' 写明收费标准；不收费就写 'Fee: 不收费'，不要空着"
    )


def test_guide_without_steps(city_content: Path) -> None:
    path = citykit.write(
        city_content / "guides" / "id-card" / "g2.md", citykit.GUIDE.format(slug="g2", fee="不收费", steps="")
    )
    assert only_problem(city_content) == (
        f"{path}:15: 办事指南没有写办理流程：请加一节 '## 办理流程'，下面用带编号的列表写步骤（1. … 2. …）"
    )


def test_guide_steps_heading_without_a_numbered_list(city_content: Path) -> None:
    steps = "## 办理流程\n先取号，再采集照片。\n"
    path = citykit.write(
        city_content / "guides" / "id-card" / "g2.md", citykit.GUIDE.format(slug="g2", fee="不收费", steps=steps)
    )
    assert only_problem(city_content).startswith(f"{path}:23: 办事指南没有写办理流程：")


def test_image_path_that_does_not_exist(city_content: Path) -> None:
    extra = "Image: images/posts/missing.jpg\nImage_Alt: 民警走访\n"
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra=extra)
    assert only_problem(city_content) == (
        f"{path}:7: 'Image' 写的文件 'images/posts/missing.jpg' 不存在："
        "请把文件放到 content/images/posts/missing.jpg，或者改正路径（从 content/ 里面的文件夹写起）"
    )


def test_chief_photo_that_does_not_exist(city_content: Path) -> None:
    (city_content / "images" / "chiefs" / "xihu.jpg").unlink()
    path = city_content / "stations" / "xihu.md"
    assert only_problem(city_content).startswith(f"{path}:15: 'Chief_Photo' 写的文件 'images/chiefs/xihu.jpg' 不存在：")


def test_form_that_does_not_exist(city_content: Path) -> None:
    (city_content / "forms" / "id-blank.pdf").unlink()
    path = city_content / "guides" / "id-card" / "id-card-first.md"
    assert only_problem(city_content).startswith(f"{path}:12: 'Form' 写的文件 'forms/id-blank.pdf' 不存在：")


def test_tags_whose_slugs_collide(city_content: Path) -> None:
    """Pelican would silently merge 公安 and 攻岸 (both 'gong-an'); the build refuses."""
    first = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Tags: 公安\n")
    second = citykit.add_post(city_content, "xihu", "worklog", "x-2", "2026-11-21", extra="Tags: 攻岸\n")
    problems = build_problems(city_content)
    assert problems == [
        f"{second}:7: 标签 '攻岸' 和标签 '公安' 的网址名相同（都是 'gong-an'）：网站会把它们并成一个标签，请改掉其中一个"
    ]
    assert first.is_file()


def test_unknown_key_suggests_the_right_one(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Sumary: 拼错了\n")
    assert only_problem(city_content) == f"{path}:7: 文件开头的信息里有不认识的项 'sumary'：您是不是想写 'Summary'？"


def test_full_width_colon(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Tags：社区\n")
    assert only_problem(city_content) == (
        f"{path}:7: 'Tags：社区' 用的是中文冒号：项名后面要用英文冒号“:”，冒号后空一格，例如 'Tags: 社区'"
    )


def test_post_in_the_wrong_folder(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Module: worklog", "Module: disclosure")
    assert only_problem(city_content).startswith(
        f"{path}:4: 文件放在 'worklog' 文件夹里，但里面写的是 Station: dongshan, Module: disclosure："
        "请把文件移到 content/posts/dongshan/disclosure/"
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
    assert f"{path}:2: 'Date' 的日期 '2026-11-31' 写得不对：" in result.stderr
    assert "发现 1 处内容问题：" in result.stderr
    assert not (city_content.parent / "out" / "index.html").exists()


def test_a_key_given_twice(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Station: xihu\n")
    assert only_problem(city_content) == f"{path}:7: 'Station' 写了两次（第 4 行也有）：只保留一行"


def test_a_title_continued_on_an_indented_line(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Title: 工作记实\n", "Title: 工作记实\n    第二行\n")
    assert only_problem(city_content) == f"{path}:2: 'Title' 的内容分成了两行（下一行开头有空格）：请把内容写在同一行里"


def test_a_file_that_is_not_utf8(city_content: Path) -> None:
    path = city_content / "posts" / "dongshan" / "worklog" / "gbk.md"
    path.write_bytes("Title: 工作记实\n".encode("gb18030"))
    assert only_problem(city_content).startswith(
        f"{path}:1: 文件的编码不是 UTF-8，网站读不出里面的文字：请用编辑软件把文件另存为 UTF-8 编码（另存为 → 编码选 UTF-8）"
    )


def test_a_module_listed_twice(city_content: Path) -> None:
    path = city_content / "stations" / "dongshan.md"
    edit(path, "Modules: community", "Modules: community, community")
    assert only_problem(city_content) == f"{path}:10: 有栏目写了两次：每个可选栏目只写一次"


def test_a_date_in_the_future(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2099-01-01 09:00")
    assert only_problem(city_content).startswith(
        f"{path}:2: 'Date' 的日期 2099-01-01 09:00 还没有到：网站会马上发布这篇文章"
    )


def test_a_bad_modified_date(city_content: Path) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra="Modified: yesterday\n")
    assert only_problem(city_content).startswith(f"{path}:7: 'Modified' 的日期 'yesterday' 写得不对：")


def test_a_file_outside_the_copied_folders(city_content: Path) -> None:
    (city_content / "posts" / "dongshan" / "worklog" / "pic.jpg").write_bytes(citykit.TINY_JPEG)
    extra = "Image: posts/dongshan/worklog/pic.jpg\nImage_Alt: 民警\n"
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21", extra=extra)
    assert only_problem(city_content).startswith(
        f"{path}:7: 'Image' 写的文件 'posts/dongshan/worklog/pic.jpg' 不在网站会复制的文件夹里：请把文件放到 images/"
    )


def test_online_must_be_a_web_address(city_content: Path) -> None:
    text = citykit.GUIDE.format(slug="g2", fee="不收费", steps=citykit.STEPS).replace(
        "Reviewed:", "Online: javascript:alert(1)\nReviewed:"
    )
    path = citykit.write(city_content / "guides" / "id-card" / "g2.md", text)
    assert only_problem(city_content).startswith(
        f"{path}:13: 'Online' 写的 'javascript:alert(1)' 不是网址：请写完整的网址，以 https:// 开头"
    )


@pytest.mark.parametrize("slug", ["2", "a" * 81, "Dongshan-1"])
def test_slugs_need_a_letter_and_a_sane_length(city_content: Path, slug: str) -> None:
    path = citykit.add_post(city_content, "dongshan", "worklog", "x-1", "2026-11-21")
    edit(path, "Slug: x-1", f"Slug: {slug}")
    assert only_problem(city_content).startswith(
        f"{path}:3: 'Slug' 写的网址名 '{slug}' 不合要求：网址名只能用小写英文字母、数字和连字符 -，至少要有一个字母，最多 80 个字符"
    )
