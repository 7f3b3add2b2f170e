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
BODY_FIX = "the site shows headings, paragraphs, lists, tables, emphasis, links and images from content/ only (docs/content.md, 'Allowed HTML')"
MISSING_FIXES = {
    "fee": "add 'Fee: …' with the fee, or 'Fee: 不收费' when free; never leave it blank",
    "slug": "add 'Slug: …' in lower-case ASCII (pinyin is fine); 'invoke new' makes one",
    "date": "add 'Date: YYYY-MM-DD HH:MM'",
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
                1, "the file is not UTF-8 text", "save it as UTF-8 (in most editors: Save As… → Encoding: UTF-8)"
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
                        self.notice(fields[0].line, f"{removal.what} removed from '{key.title()}'", BODY_FIX)
            elif tags := safehtml.tags_in(value):
                shown = "".join(f"<{tag}>" for tag in dict.fromkeys(tags))
                self.notice(
                    fields[0].line,
                    f"markup {shown} removed from '{key.title()}'",
                    f"'{key.title()}' is plain text: write it without tags",
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
            self.notice(self.meta.body_line + (index or 0), f"{removal.what} removed", BODY_FIX)

    def require(self, required: set[str], optional: set[str]) -> bool:
        """Report missing and unknown keys; True when all required are set."""
        for line, text in self.meta.stray_lines:
            self.report(
                line, f"full-width colon in {text.strip()!r}", "write the key as 'Key: value' with an ASCII colon"
            )
        known = required | optional
        for key, fields in self.meta.fields.items():
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = (
                    f"did you mean '{close[0].title()}'?"
                    if close
                    else f"remove it; allowed keys: {', '.join(sorted(known))}"
                )
                self.report(fields[0].line, f"unknown key '{fields[0].key}'", hint)
            elif len(fields) > 1 and key not in REPEATABLE:
                self.report(
                    fields[1].line, f"'{key.title()}' is given twice (also on line {fields[0].line})", "keep one line"
                )
            elif "\n" in fields[0].value and key not in MULTILINE:
                self.report(
                    fields[0].line + 1,
                    f"'{key.title()}' continues on an indented line",
                    "write the whole value on one line",
                )
        complete = True
        for key in sorted(required):
            if not self.meta.value(key):
                complete = False
                fix = MISSING_FIXES.get(key, f"add a line '{key.title()}: …' to the front matter (see docs/content.md)")
                self.report(self.meta.end_line, f"missing '{key.title()}'", fix)
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
            f"bad {key.title()} '{text}'",
            "write the date as YYYY-MM-DD or YYYY-MM-DD HH:MM, e.g. 2026-11-20 09:30",
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
                f"use lower-case ASCII letters, digits and hyphens, e.g. '{suggestion}'"
                if SLUG.match(suggestion or "")
                else "use lower-case ASCII letters, digits and hyphens (pinyin is fine), e.g. 'dongshan-worklog-2026-11-20'"
            )
            self.report(line, f"slug '{slug}' is not lower-case ASCII", fix)
            return ""
        owner = self.city.posts.get(slug) or self.city.guides.get(slug)
        if owner:
            self.report(
                line,
                f"duplicate slug '{slug}' (also used by {owner.source_path})",
                "choose a slug no other post or guide uses",
            )
            return ""
        return slug

    def file_exists(self, key: str, relative: str, line: int) -> bool:
        target = Path(self.city.settings["PATH"]) / relative
        static = [folder.rstrip("/") + "/" for folder in self.city.settings.get("STATIC_PATHS", [])]
        if static and not relative.startswith(tuple(static)):
            self.report(
                line,
                f"{key.title()} file '{relative}' is not in a folder the build copies",
                f"put it under {' or '.join(static)} and write that path",
            )
            return False
        if relative.startswith(("/", "\\")) or ".." in Path(relative).parts or not target.is_file():
            self.report(
                line,
                f"{key.title()} file '{relative}' does not exist",
                f"put the file at content/{relative.lstrip('/')} or correct the path (relative to content/)",
            )
            return False
        return True

    def photo_exists(self, relative: str, line: int) -> bool:
        return self.file_exists("past_chief", relative, line)


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
            f"station slug '{slug}' is not lower-case ASCII",
            "use the pinyin of the name, e.g. 'dongshan'",
        )
    elif slug and slug != path.stem:
        check.report(
            meta.line_of("slug"),
            f"slug '{slug}' differs from the file name '{path.name}'",
            f"rename the file to {slug}.md or set 'Slug: {path.stem}'",
        )
    elif slug in city.stations:
        check.report(meta.line_of("slug"), f"duplicate station '{slug}'", "each station has exactly one profile")
    district = meta.value("district")
    districts = list(city.config["districts"])
    if district and district not in districts:
        check.report(
            meta.line_of("district"),
            f"unknown district '{district}'",
            f"use one of {'、'.join(districts)} (CITY['districts'] in pelicanconf.py)",
        )
    modules = [m.strip() for m in re.split(r"[,，、\s]+", meta.value("modules")) if m.strip()]
    optional = city.config["optional_modules"]
    if len(set(modules)) < len(modules):
        check.report(meta.line_of("modules"), "a module is listed twice", "list each optional module once")
        modules = list(dict.fromkeys(modules))
    for module in modules:
        if module not in optional:
            check.report(
                meta.line_of("modules"), f"unknown optional module '{module}'", f"choose from {', '.join(optional)}"
            )
    if len(modules) > 3:
        check.report(
            meta.line_of("modules"), f"{len(modules)} optional modules chosen", "a station chooses at most three"
        )
    badge = meta.value("chief_badge")
    if badge and not re.fullmatch(r"\d{6}", badge):
        check.report(
            meta.line_of("chief_badge"),
            f"badge number '{badge}' is not six digits",
            "write the 警号 as six digits, e.g. 031107",
        )
    born_text = meta.value("chief_born")
    born = int(born_text) if born_text.isdigit() and len(born_text) == 4 else None
    if born is not None and not 1940 <= born <= city.local_now().year - 18:
        born = None
    if born_text and born is None:
        check.report(
            meta.line_of("chief_born"),
            f"bad Chief_Born '{born_text}'",
            "write the year of birth as four digits, e.g. 1978",
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
            f"Date {date:%Y-%m-%d %H:%M} is in the future",
            "Pelican would publish it at once with that date: use today's date, or keep the file out of content/ until then",
        )
    slug = check.slug()
    station_slug = meta.value("station")
    station = city.stations.get(station_slug)
    if station_slug and station is None:
        close = difflib.get_close_matches(station_slug, sorted(city.stations), n=1)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else f"use a slug from content/stations/ ({', '.join(sorted(city.stations))})"
        )
        check.report(meta.line_of("station"), f"unknown station '{station_slug}'", hint)
    if station and date and date.date() < station.history_since:
        check.report(
            meta.line_of("date"),
            f"Date {date:%Y-%m-%d} is before the first chief {station.source_path} names (from {station.history_since})",
            f"a post is signed by the chief in post on its date: add 'Past_Chief: …' to {station.source_path} "
            "for that time (docs/content.md, 'Chief tenure'), or correct the date",
        )
    all_modules = {**city.config["modules"], **city.config["optional_modules"]}
    if module and module not in all_modules:
        check.report(meta.line_of("module"), f"unknown module '{module}'", f"use one of {', '.join(all_modules)}")
    elif module in RELAY_MODULES:
        check.report(
            meta.line_of("module"),
            f"module '{module}' is filled by the relay's published answers",
            "write work logs, warnings, disclosures or an optional module instead",
        )
    elif module in city.config["optional_modules"] and station and module not in station.modules:
        check.report(
            meta.line_of("module"),
            f"station '{station_slug}' has not chosen the module '{module}'",
            f"add it to 'Modules:' in {station.source_path} or use one of {', '.join(city.modules_of(station))}",
        )
    if station and module in all_modules and path.parent.parts[-2:] != (station_slug, module):
        check.report(
            meta.line_of("station"),
            f"file is in the folder '{path.parent.name}' but says Station: {station_slug}, Module: {module}",
            f"move it to content/posts/{station_slug}/{module}/",
        )
    image = meta.value("image")
    if image:
        check.file_exists("image", image, meta.line_of("image"))
        if not meta.value("image_alt"):
            check.report(
                meta.line_of("image"), "image without 'Image_Alt'", "add 'Image_Alt: …' saying what the picture shows"
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
        check.report(meta.line_of("level"), f"unknown warning level '{level}'", f"use one of {'、'.join(levels)}")
    effective = check.date("effective")
    expires = check.date("expires")
    if effective and expires and expires <= effective:
        check.report(
            meta.line_of("expires"),
            f"warning expires ({expires:%Y-%m-%d %H:%M}) before it starts ({effective:%Y-%m-%d %H:%M})",
            "set Expires after Effective",
        )
        return None
    official = meta.value("official").lower()
    if official not in ("", "yes", "no"):
        check.report(
            meta.line_of("official"), f"bad Official '{official}'", "write 'Official: yes' or leave the line out"
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
                f"tag '{name}' has the same slug '{tag_slug}' as tag '{other}'",
                "Pelican would merge them: rename one of the tags",
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
            meta.line_of("category"), f"unknown guide category '{category}'", f"use one of {', '.join(categories)}"
        )
    elif category and path.parent.name != category:
        check.report(
            meta.line_of("category"),
            f"file is in the folder '{path.parent.name}' but says Category: {category}",
            f"move it to content/guides/{category}/",
        )
    check.date("reviewed")
    online = meta.value("online")
    if online and not online.startswith(("https://", "http://")):
        check.report(
            meta.line_of("online"),
            f"Online '{online}' is not a web address",
            "write the full address, starting with https://",
        )
    forms = []
    for form in meta.all("form"):
        name, _, target = (part.strip() for part in form.value.partition("|"))
        if not name or not target:
            check.report(form.line, f"bad Form line '{form.value}'", "write 'Form: 表格名称 | forms/file.pdf'")
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
        check.report(line, "guide without steps", "add a section '## 办理流程' with a numbered list (1. … 2. …)")
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
