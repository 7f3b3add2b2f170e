"""Reading built output: links, ids and page weight."""

from __future__ import annotations

import gzip
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self.lang = ""
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "html":
            self.lang = values.get("lang", "")
        if tag in ("a", "link") and "href" in values:
            self.links.append(values["href"])
        if tag in ("img", "script") and "src" in values:
            self.links.append(values["src"])
        if tag == "link" and values.get("rel") == "stylesheet":
            self.stylesheets.append(values["href"])
        if tag == "script" and "src" in values:
            self.scripts.append(values["src"])
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse_page(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def local_target(output: Path, page: Path, href: str) -> tuple[Path, str] | None:
    """The file an internal link points to, and its fragment; None for external links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("mailto:", "tel:")):
        return None
    if not parts.path:
        return page, parts.fragment
    base = output if parts.path.startswith("/") else page.parent
    target = (base / unquote(parts.path.lstrip("/"))).resolve()
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def pages_over_budget(output: Path, budget: int) -> list[tuple[str, int]]:
    """Pages whose own HTML plus the CSS they load exceed ``budget`` bytes gzip-compressed."""
    too_big = []
    css: dict[Path, bytes] = {}
    for page in sorted(output.rglob("*.html")):
        payload = page.read_bytes()
        for href in parse_page(page).stylesheets:
            found = local_target(output, page, href)
            if found is None or not found[0].is_file():
                raise AssertionError(f"{page}: stylesheet {href} is missing")
            css.setdefault(found[0], found[0].read_bytes())
            payload += css[found[0]]
        size = gzip_size(payload)
        if size > budget:
            too_big.append((page.relative_to(output).as_posix(), size))
    return too_big
