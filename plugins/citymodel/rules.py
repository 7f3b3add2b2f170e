"""The checks on each kind of content file, one function per kind."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pelican.utils import slugify

from . import frontmatter, safehtml
from .model import RELAY_MODULES, City, Guide, Post, Station, WarningInfo
from .problems import Problem
from .tenure import ChiefTerm, Vacancy, check_tenure

SLUG = re.compile(r"^(?=[a-z0-9-]{1,80}$)(?=.*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")
STEPS_HEADING = re.compile(r"^##\s*办理流程\s*$", re.MULTILINE)
ORDERED_ITEM = re.compile(r"^\s{0,3}\d+\.\s+\S", re.MULTILINE)
NEXT_HEADING = re.compile(r"^#{1,2}\s", re.MULTILINE)

STATION_KEYS = {
    "slug", "name", "district", "address", "hours", "phone", "report_phone",
    "email", "jurisdiction", "chief", "chief_rank", "chief_badge",
    "chief_photo", "chief_since",
}  # fmt: skip
STATION_OPTIONAL = {"modules", "chief_born", "past_chief", "chief_vacancy"}
POST_KEYS = {"title", "date", "slug", "station", "module", "summary"}
POST_OPTIONAL = {"image", "image_alt", "tags", "modified"}
WARNING_KEYS = {"level", "area", "effective", "expires"}
WARNING_OPTIONAL = {"official"}
GUIDE_KEYS = {
    "title", "slug", "category", "summary", "for", "time_limit", "fee", "where",
    "hours", "phone", "complaints_phone", "reviewed",
}  # fmt: skip
GUIDE_OPTIONAL = {"directions", "form", "online"}
REPEATABLE = {"form", "past_chief", "chief_vacancy"}
MULTILINE = {"summary"}
MARKDOWN_FIELDS = {"summary"}  # Pelican renders these as Markdown, like the body
# What the chief reads is in Chinese (docs/handbook.zh.md); keys and values stay as they are typed.
SLUG_RULE = "只能用小写英文字母、数字和连字符 -，至少要有一个字母，最多 80 个字符"
BODY_FIX = "网站只显示标题、段落、列表、表格、加粗和斜体、链接，以及 content/ 里的图片（见 docs/handbook.zh.md 的「可以用的格式」一节）"
MISSING_FIXES = {
    "fee": "请加一行 'Fee: …' 写明收费标准；不收费就写 'Fee: 不收费'，不要空着",
    "slug": f"请加一行 'Slug: …' 写网址名（网址的最后一段）。网址名{SLUG_RULE}，可以用拼音；用 invoke new 新建文章会自动写好",
    "date": "请加一行 'Date: …' 写发布日期和时间，例如 'Date: 2026-11-25 09:30'",
}


class FileCheck:
    """Collects the problems of one source file."""

    def __init__(self, city: City, path: Path) -> None:
        self.city = city
        self.path = path
        self.shown = display_path(path)
        self.readable = True
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text, self.readable = "", False
            self.report(
                1,
                "文件的编码不是 UTF-8，网站读不出里面的文字",
                "请用编辑软件把文件另存为 UTF-8 编码（另存为 → 编码选 UTF-8）",
            )
        self.meta = frontmatter.parse(text)

    def report(self, line: int, problem: str, fix: str) -> None:
        self.city.problems.append(Problem(self.shown, line, problem, fix))

    def text(self, key: str) -> str:
        """A field's value as plain text (any markup is reported by ``check_markup``)."""
        return safehtml.plain_text(self.meta.value(key))

    def notice(self, line: int, problem: str, fix: str) -> None:
        self.city.notices.append(Problem(self.shown, line, problem, fix))

    def check_markup(self) -> None:
        """Report what the build removes from this file's HTML (see safehtml)."""
        siteurl = str(self.city.settings.get("SITEURL") or "")
        for key, fields in self.meta.fields.items():
            value = fields[0].value
            if key in MARKDOWN_FIELDS:
                if safehtml.MAY_NEED_CLEANING.search(value):
                    for removal in safehtml.removals(render_markdown(self.city.settings, value), siteurl):
                        self.notice(fields[0].line, f"'{key.title()}' 里的 {removal.what}会被删掉", BODY_FIX)
            elif tags := safehtml.tags_in(value):
                shown = "".join(f"<{tag}>" for tag in dict.fromkeys(tags))
                self.notice(
                    fields[0].line,
                    f"'{key.title()}' 里的标记 {shown} 会被删掉",
                    f"'{key.title()}' 只能写纯文字，请不要写 <…> 这样的标记",
                )
        body = self.meta.body
        if not safehtml.MAY_NEED_CLEANING.search(body):
            return
        lines = body.splitlines()
        cursor = 0
        for removal in safehtml.removals(render_markdown(self.city.settings, body), siteurl):
            index = safehtml.locate(lines, removal.needle, cursor)
            if index is None:
                index = safehtml.locate(lines, removal.needle, 0)
            if index is not None:
                cursor = index
            self.notice(self.meta.body_line + (index or 0), f"{removal.what}会被删掉", BODY_FIX)

    def require(self, required: set[str], optional: set[str]) -> bool:
        """Report missing and unknown keys; True when all required are set."""
        for line, text in self.meta.stray_lines:
            example = re.sub(r"\s*：\s*", ": ", text.strip(), count=1)
            self.report(
                line,
                f"{text.strip()!r} 用的是中文冒号",
                f"项名后面要用英文冒号“:”，冒号后空一格，例如 {example!r}",
            )
        known = required | optional
        for key, fields in self.meta.fields.items():
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = (
                    f"您是不是想写 '{close[0].title()}'？"
                    if close
                    else f"请删掉这一行；可以写的项有：{', '.join(sorted(known))}"
                )
                self.report(fields[0].line, f"文件开头的信息里有不认识的项 '{fields[0].key}'", hint)
            elif len(fields) > 1 and key not in REPEATABLE:
                self.report(fields[1].line, f"'{key.title()}' 写了两次（第 {fields[0].line} 行也有）", "只保留一行")
            elif "\n" in fields[0].value and key not in MULTILINE:
                self.report(
                    fields[0].line + 1,
                    f"'{key.title()}' 的内容分成了两行（下一行开头有空格）",
                    "请把内容写在同一行里",
                )
        complete = True
        for key in sorted(required):
            if not self.meta.value(key):
                complete = False
                fix = MISSING_FIXES.get(
                    key,
                    f"请在文件开头的信息里加一行 '{key.title()}: …'（见 docs/handbook.zh.md 的「文件开头的信息」一节）",
                )
                self.report(self.meta.end_line, f"缺少 '{key.title()}'", fix)
        return complete

    def date(self, key: str) -> dt.datetime | None:
        text = self.meta.value(key)
        if not text:
            return None
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
        self.report(
            self.meta.line_of(key),
            f"'{key.title()}' 的日期 '{text}' 写得不对",
            "请写成 2026-11-20 09:30 或 2026-11-20 这样的格式（年-月-日 时:分，时间可以不写）",
        )
        return None

    def slug(self) -> str:
        slug = self.meta.value("slug")
        line = self.meta.line_of("slug")
        if not slug:
            return ""
        if not SLUG.match(slug):
            suggestion = slugify(slug, regex_subs=self.city.settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
            fix = (
                f"网址名{SLUG_RULE}，例如 '{suggestion}'"
                if SLUG.match(suggestion or "")
                else f"网址名{SLUG_RULE}，可以用拼音，例如 'dongshan-worklog-2026-11-20'"
            )
            self.report(line, f"'Slug' 写的网址名 '{slug}' 不合要求", fix)
            return ""
        owner = self.city.posts.get(slug) or self.city.guides.get(slug)
        if owner:
            self.report(
                line,
                f"网址名 '{slug}' 重复了（{owner.source_path} 已经在用）",
                "请换一个别的文章和办事指南都没有用过的网址名",
            )
            return ""
        return slug

    def file_exists(self, key: str, relative: str, line: int) -> bool:
        target = Path(self.city.settings["PATH"]) / relative
        static = [folder.rstrip("/") + "/" for folder in self.city.settings.get("STATIC_PATHS", [])]
        if static and not relative.startswith(tuple(static)):
            self.report(
                line,
                f"'{key.title()}' 写的文件 '{relative}' 不在网站会复制的文件夹里",
                f"请把文件放到 {' 或 '.join(static)} 文件夹里，再写上新的路径",
            )
            return False
        if relative.startswith(("/", "\\")) or ".." in Path(relative).parts or not target.is_file():
            self.report(
                line,
                f"'{key.title()}' 写的文件 '{relative}' 不存在",
                f"请把文件放到 content/{relative.lstrip('/')}，或者改正路径（从 content/ 里面的文件夹写起）",
            )
            return False
        return True

    def photo_exists(self, relative: str, line: int) -> bool:
        return self.file_exists("past_chief", relative, line)


def named(choices: Mapping[str, str]) -> str:
    """The slugs a chief may write, each with its Chinese name: ``worklog（工作记实）、warning（预警提示）``."""
    return "、".join(f"{slug}（{name}）" if name else slug for slug, name in choices.items())


def display_path(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def check_station(city: City, path: Path) -> None:
    check = FileCheck(city, path)
    if not check.readable:
        return
    check.check_markup()
    meta = check.meta
    complete = check.require(STATION_KEYS, STATION_OPTIONAL)
    slug = meta.value("slug")
    if slug and not SLUG.match(slug):
        check.report(
            meta.line_of("slug"),
            f"'Slug' 写的派出所网址名 '{slug}' 不合要求",
            f"请用派出所名称的拼音；网址名{SLUG_RULE}，例如 'dongshan'",
        )
    elif slug and slug != path.stem:
        check.report(
            meta.line_of("slug"),
            f"网址名 '{slug}' 和文件名 '{path.name}' 不一致",
            f"请把文件改名为 {slug}.md，或者写 'Slug: {path.stem}'",
        )
    elif slug in city.stations:
        check.report(meta.line_of("slug"), f"派出所 '{slug}' 重复了", "每个派出所只能有一个简介文件")
    district = meta.value("district")
    districts = list(city.config["districts"])
    if district and district not in districts:
        check.report(
            meta.line_of("district"),
            f"区 '{district}' 不在本市的区名单里",
            f"请写其中之一：{'、'.join(districts)}（名单在 pelicanconf.py 的 CITY['districts'] 里）",
        )
    modules = [m.strip() for m in re.split(r"[,，、\s]+", meta.value("modules")) if m.strip()]
    optional = city.config["optional_modules"]
    if len(set(modules)) < len(modules):
        check.report(meta.line_of("modules"), "有栏目写了两次", "每个可选栏目只写一次")
        modules = list(dict.fromkeys(modules))
    for module in modules:
        if module not in optional:
            check.report(meta.line_of("modules"), f"不认识的可选栏目 '{module}'", f"请从这些里选：{named(optional)}")
    if len(modules) > 3:
        check.report(meta.line_of("modules"), f"选了 {len(modules)} 个可选栏目", "每个派出所最多选 3 个")
    badge = meta.value("chief_badge")
    if badge and not re.fullmatch(r"\d{6}", badge):
        check.report(
            meta.line_of("chief_badge"),
            f"警号 '{badge}' 不是六位数字",
            "警号请写六位数字，例如 031107",
        )
    born_text = meta.value("chief_born")
    born = int(born_text) if born_text.isdigit() and len(born_text) == 4 else None
    if born is not None and not 1940 <= born <= city.local_now().year - 18:
        born = None
    if born_text and born is None:
        check.report(
            meta.line_of("chief_born"),
            f"'Chief_Born' 的出生年份 '{born_text}' 写得不对",
            f"请用四位数字写出生年份（1940 到 {city.local_now().year - 18} 之间），例如 1978",
        )
    photo = meta.value("chief_photo")
    if photo:
        check.file_exists("chief_photo", photo, meta.line_of("chief_photo"))
    since = check.date("chief_since")
    if not complete or since is None or not slug or not SLUG.match(slug):
        return
    current = ChiefTerm(check.text("chief"), check.text("chief_rank"), badge, photo, since.date())
    history = check_tenure(
        current,
        meta.line_of("chief_since"),
        [(safehtml.plain_text(f.value), f.line) for f in meta.all("past_chief")],
        [(safehtml.plain_text(f.value), f.line) for f in meta.all("chief_vacancy")],
        check,
    )
    if history is None:
        # Reported; the station still counts, with an unknown past, so its posts are checked without follow-on errors.
        history = ([], [Vacancy(dt.date.min, current.since - dt.timedelta(days=1))])
    city.stations[slug] = Station(
        slug=slug,
        name=check.text("name"),
        district=district,
        address=check.text("address"),
        hours=check.text("hours"),
        phone=check.text("phone"),
        report_phone=check.text("report_phone"),
        email=check.text("email"),
        jurisdiction=check.text("jurisdiction"),
        modules=[m for m in modules if m in optional],
        chief=check.text("chief"),
        chief_rank=check.text("chief_rank"),
        chief_badge=badge,
        chief_born=born,
        chief_photo=photo,
        chief_since=since.date(),
        source_path=check.shown,
        body=meta.body,
        past_chiefs=history[0],
        vacancies=history[1],
    )


def check_post(city: City, path: Path) -> None:
    check = FileCheck(city, path)
    if not check.readable:
        return
    check.check_markup()
    meta = check.meta
    module = meta.value("module")
    is_warning = module == "warning"
    required = POST_KEYS | (WARNING_KEYS if is_warning else set())
    optional = POST_OPTIONAL | (WARNING_OPTIONAL if is_warning else set())
    complete = check.require(required, optional)
    date = check.date("date")
    check.date("modified")
    if date and date > city.local_now():
        check.report(
            meta.line_of("date"),
            f"'Date' 的日期 {date:%Y-%m-%d %H:%M} 还没有到",
            "网站会马上发布这篇文章，却显示这个以后的日期；请写今天的日期，或者等到那天再把文件放进 content/",
        )
    slug = check.slug()
    station_slug = meta.value("station")
    station = city.stations.get(station_slug)
    if station_slug and station is None:
        close = difflib.get_close_matches(station_slug, sorted(city.stations), n=1)
        hint = (
            f"您是不是想写 '{close[0]}'？"
            if close
            else f"请写 content/stations/ 里某个派出所的网址名（{', '.join(sorted(city.stations))}）"
        )
        check.report(meta.line_of("station"), f"不认识的派出所 '{station_slug}'", hint)
    if station and date and date.date() < station.history_since:
        check.report(
            meta.line_of("date"),
            f"'Date' 的日期 {date:%Y-%m-%d} 早于 {station.source_path} 里记录的第一任所长（{station.history_since} 起）",
            f"文章署的是发文当天在任所长的名字；请在 {station.source_path} 里为那段时间加上 'Past_Chief: …'"
            "（见 docs/handbook.zh.md 的「所长交接」一节），或者改正日期",
        )
    all_modules = {**city.config["modules"], **city.config["optional_modules"]}
    if module and module not in all_modules:
        check.report(meta.line_of("module"), f"不认识的栏目 '{module}'", f"请写其中之一：{named(all_modules)}")
    elif module in RELAY_MODULES:
        by_hand = {slug: name for slug, name in city.config["modules"].items() if slug not in RELAY_MODULES}
        check.report(
            meta.line_of("module"),
            f"栏目 '{module}' 的内容来自群众留言的公开答复，不能自己写",
            f"请改写其中之一：{named(by_hand)}，或者本所选用的可选栏目",
        )
    elif module in city.config["optional_modules"] and station and module not in station.modules:
        chosen = {slug: all_modules.get(slug, "") for slug in city.modules_of(station)}
        check.report(
            meta.line_of("module"),
            f"派出所 '{station_slug}' 没有选用栏目 '{module}'",
            f"请在 {station.source_path} 的 'Modules:' 里加上它，或者改写其中之一：{named(chosen)}",
        )
    if station and module in all_modules and path.parent.parts[-2:] != (station_slug, module):
        check.report(
            meta.line_of("station"),
            f"文件放在 '{path.parent.name}' 文件夹里，但里面写的是 Station: {station_slug}, Module: {module}",
            f"请把文件移到 content/posts/{station_slug}/{module}/",
        )
    image = meta.value("image")
    if image:
        check.file_exists("image", image, meta.line_of("image"))
        if not meta.value("image_alt"):
            check.report(
                meta.line_of("image"), "有图片，但没有写 'Image_Alt'", "请加一行 'Image_Alt: …'，说明图片上是什么"
            )
    check_tags(check)
    warning = check_warning(check) if is_warning else None
    if not complete or date is None or not slug or station is None or module not in all_modules:
        return
    city.posts[slug] = Post(
        slug=slug,
        title=check.text("title"),
        date=date,
        station=station_slug,
        module=module,
        summary=check.text("summary"),
        source_path=check.shown,
        warning=warning,
    )


def check_warning(check: FileCheck) -> WarningInfo | None:
    meta = check.meta
    levels = check.city.config["warning_levels"]
    level = meta.value("level")
    if level and level not in levels:
        check.report(meta.line_of("level"), f"不认识的预警级别 '{level}'", f"请写其中之一：{'、'.join(levels)}")
    effective = check.date("effective")
    expires = check.date("expires")
    if effective and expires and expires <= effective:
        check.report(
            meta.line_of("expires"),
            f"预警的结束时间 'Expires'（{expires:%Y-%m-%d %H:%M}）早于或等于开始时间 'Effective'（{effective:%Y-%m-%d %H:%M}）",
            "请把 'Expires' 改到 'Effective' 之后",
        )
        return None
    official = meta.value("official").lower()
    if official not in ("", "yes", "no"):
        check.report(
            meta.line_of("official"), f"'Official' 写的 '{official}' 不对", "请写 'Official: yes'，或者删掉这一行"
        )
    if not (level in levels and effective and expires and meta.value("area")):
        return None
    return WarningInfo(level, check.text("area"), effective, expires, official == "yes")


def check_tags(check: FileCheck) -> None:
    """Pelican merges tags whose slugs collide (e.g. 公安/攻岸 → gong-an)."""
    field = check.meta.get("tags")
    if not field:
        return
    seen = check.city.tag_slugs
    subs = check.city.settings.get("TAG_REGEX_SUBSTITUTIONS") or check.city.settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    for name in (t.strip() for t in re.split(r"[,，]", field.value) if t.strip()):
        tag_slug = slugify(name, regex_subs=subs)
        other = seen.setdefault(tag_slug, name)
        if other != name:
            check.report(
                field.line,
                f"标签 '{name}' 和标签 '{other}' 的网址名相同（都是 '{tag_slug}'）",
                "网站会把它们并成一个标签，请改掉其中一个",
            )


def check_guide(city: City, path: Path) -> None:
    check = FileCheck(city, path)
    if not check.readable:
        return
    check.check_markup()
    meta = check.meta
    complete = check.require(GUIDE_KEYS, GUIDE_OPTIONAL)
    slug = check.slug()
    category = meta.value("category")
    categories = city.config["guide_categories"]
    if category and category not in categories:
        check.report(
            meta.line_of("category"), f"不认识的办事指南分类 '{category}'", f"请写其中之一：{named(categories)}"
        )
    elif category and path.parent.name != category:
        check.report(
            meta.line_of("category"),
            f"文件放在 '{path.parent.name}' 文件夹里，但里面写的是 Category: {category}",
            f"请把文件移到 content/guides/{category}/",
        )
    check.date("reviewed")
    online = meta.value("online")
    if online and not online.startswith(("https://", "http://")):
        check.report(
            meta.line_of("online"),
            f"'Online' 写的 '{online}' 不是网址",
            "请写完整的网址，以 https:// 开头",
        )
    forms = []
    for form in meta.all("form"):
        name, _, target = (part.strip() for part in form.value.partition("|"))
        if not name or not target:
            check.report(
                form.line, f"'Form' 这一行 '{form.value}' 写得不对", "请写成 'Form: 表格名称 | forms/file.pdf'"
            )
        elif check.file_exists("form", target, form.line):
            forms.append((name, target))
    heading = STEPS_HEADING.search(meta.body)
    steps_text = ""
    if heading:
        rest = meta.body[heading.end() :]
        following = NEXT_HEADING.search(rest)
        steps_text = rest[: following.start()] if following else rest
    if not heading or not ORDERED_ITEM.search(steps_text):
        line = meta.body_line + meta.body[: heading.start()].count("\n") if heading else meta.body_line
        check.report(line, "办事指南没有写办理流程", "请加一节 '## 办理流程'，下面用带编号的列表写步骤（1. … 2. …）")
        complete = False
    if not complete or not slug or category not in categories:
        return
    content_path = os.path.relpath(path, city.settings["PATH"])
    city.guides[slug] = Guide(slug, check.text("title"), category, check.text("fee"), check.shown, content_path, forms)


def check_page(city: City, path: Path) -> None:
    """A site page (content/pages/): Pelican checks its front matter; we report its markup."""
    check = FileCheck(city, path)
    if check.readable:
        check.check_markup()


_renderers: dict[str, Any] = {}


def render_markdown(settings: Mapping[str, Any], text: str) -> str:
    """``text`` as Pelican's Markdown reader renders it (the same ``MARKDOWN`` setting)."""
    from markdown import Markdown

    config = dict(settings.get("MARKDOWN") or {})
    key = repr(sorted(config.items()))
    renderer = _renderers.get(key)
    if renderer is None:
        extensions = list(config.get("extensions", []))
        extensions += [name for name in config.get("extension_configs", {}) if name not in extensions]
        renderer = _renderers[key] = Markdown(**{**config, "extensions": extensions})
    renderer.reset()
    return str(renderer.convert(text))
