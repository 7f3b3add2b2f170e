"""Chief-authored HTML, cut down to the allowlist in docs/content.md.

Bodies (posts, station profiles, guides, site pages) keep headings,
paragraphs, lists, tables, emphasis, quotations, links to http, https,
mailto and tel addresses or to the site itself, and images from the site's
own folders. One-line fields (titles, station and guide facts) are plain
text: any tag is removed and the text is escaped where it is shown.

``clean_body`` does the cleaning (nh3, the Python binding of the Rust
sanitiser Ammonia); ``removals`` says what cleaning would take out, so that
the check can report it as ``path:line``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

BODY_TAGS = frozenset(
    {
        "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
        "em", "strong", "b", "i", "sup", "sub", "abbr",
        "a", "img",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
    "abbr": {"title"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
STYLE_PROPERTIES = frozenset({"text-align"})  # Markdown tables align columns this way
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
# Cheap test before rendering a body: raw HTML, or a Markdown link or image destination.
MAY_NEED_CLEANING = re.compile(r"<[A-Za-z!/?]|\]\s*[(:]|&#|javascript:", re.IGNORECASE)
TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)")


def is_local(url: str, siteurl: str) -> bool:
    """A path on this site: relative, root-relative, Pelican's ``{static}``, or under ``siteurl``."""
    url = url.strip()
    if siteurl and url.startswith(siteurl.rstrip("/") + "/"):
        return True
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def allowed_url(url: str, siteurl: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    return is_local(url, siteurl) or scheme in URL_SCHEMES


def clean_body(text: str, siteurl: str = "") -> str:
    """``text`` with everything outside the body allowlist removed."""

    def keep_attribute(tag: str, name: str, value: str) -> str | None:
        if tag == "img" and name == "src" and not is_local(value, siteurl):
            return None
        return value

    return nh3.clean(
        text,
        tags=set(BODY_TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        filter_style_properties=set(STYLE_PROPERTIES),
        attribute_filter=keep_attribute,
        link_rel=None,
    )


def plain_text(value: str) -> str:
    """A one-line field as plain text: tags (and a script's or style's content) removed, entities decoded."""
    if "<" not in value and "&" not in value:
        return value
    return html.unescape(nh3.clean(value, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT)))


def tags_in(value: str) -> list[str]:
    """The tag names written in a one-line field, in order."""
    return [match[1].lower() for match in TAG.finditer(value)]


@dataclass(frozen=True)
class Removal:
    """One thing cleaning takes out: what to tell the chief (in Chinese), and text to find its line by."""

    what: str
    needle: str


class RemovalFinder(HTMLParser):
    def __init__(self, siteurl: str) -> None:
        super().__init__(convert_charrefs=True)
        self.siteurl = siteurl
        self.found: list[Removal] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in BODY_TAGS:
            self.found.append(Removal(f"<{tag}> 标记", f"<{tag}"))
            return
        allowed = ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            value = value or ""
            if name not in allowed:
                self.found.append(Removal(f"<{tag}> 里的 '{name}' 属性", name))
            elif name == "href" and not allowed_url(value, self.siteurl):
                self.found.append(Removal(f"指向 '{shorten(value)}' 的链接", value[:24]))
            elif tag == "img" and name == "src" and not is_local(value, self.siteurl):
                self.found.append(Removal(f"来自 '{shorten(value)}' 的图片（不是 content/ 里的图片）", value[:24]))
            elif name == "style" and not style_is_allowed(value):
                self.found.append(Removal(f"<{tag}> 里的样式 '{shorten(value)}'", "style"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def style_is_allowed(value: str) -> bool:
    declarations = [d.split(":", 1)[0].strip().lower() for d in value.split(";") if d.strip()]
    return all(name in STYLE_PROPERTIES for name in declarations)


def shorten(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def removals(rendered: str, siteurl: str = "") -> list[Removal]:
    """What ``clean_body`` takes out of ``rendered`` HTML, in document order."""
    finder = RemovalFinder(siteurl)
    finder.feed(rendered)
    finder.close()
    return finder.found


def locate(lines: list[str], needle: str, start: int) -> int | None:
    """The first 0-based line at or after ``start`` that contains ``needle`` (any case)."""
    needle = needle.lower()
    for index in range(start, len(lines)):
        if needle in lines[index].lower():
            return index
    return None
