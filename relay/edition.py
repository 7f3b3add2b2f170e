"""The relay's public pages in Traditional Chinese, when reached from the site's Traditional edition (``/zh-hant/``).

``TraditionalEdition`` is ASGI middleware: ``/zh-hant/ask``, ``/zh-hant/rate``,
``/zh-hant/receipt/…`` and ``/zh-hant/track…`` are served by the same
handlers as their Simplified twins, and the HTML they answer is converted with
OpenCC (``s2tw`` by default, as the site's edition: the characters Traditional
readers use, 審核 rather than ``s2t``'s 審覈, and characters only, so names
keep their words). URLs keep their characters; links to the relay's own pages
and to the site's pages point into the edition; ``lang`` becomes ``zh-Hant``;
the edition switch (marked ``data-edition``) leads back to the Simplified page
and is not converted. Redirects stay in the edition.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/zh-hant"
PAGES = ("ask", "rate", "rated", "receipt", "track")
LINK = re.compile(r'(?P<attr>\b(?:href|action))="(?P<url>[^"]*)"')
MARKED = re.compile(
    r"<a\b[^>]*\bdata-edition=\"[A-Za-z-]+\"[^>]*>[^<]*</a>|<link\b[^>]*\bdata-edition=\"[A-Za-z-]+\"[^>]*>"
)


def in_edition(path: str) -> bool:
    """Whether a path of the relay has a Traditional twin (the public pages, not the console)."""
    return path.lstrip("/").split("/", 1)[0].split("?", 1)[0] in PAGES


# OpenCC's phrase table gets a few of our words wrong, each put right after the conversion, here and in the
# site's edition (plugins/hantedition): readers found them on the passport guide and a tenancy warning. Its
# longest match takes 一出 of 任一出入境 as 一齣 (a play), 换发 as 換髮 (hair) and 签 after 未 as 籤 (a slip of
# bamboo). Wrong form: right form, both as OpenCC's s2tw writes them.
CORRECTIONS = {"齣入境": "出入境", "換髮": "換發", "未籤": "未簽"}


def corrected(converted: str) -> str:
    """OpenCC's output with ``CORRECTIONS`` made."""
    for wrong, right in CORRECTIONS.items():
        if wrong in converted:
            converted = converted.replace(wrong, right)
    return converted


@functools.cache
def converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def edition_url(url: str, site_url: str) -> str:
    """The Traditional twin of a link: the relay's public pages and the site's pages; other links stay."""
    if url.startswith("/") and not url.startswith("//") and in_edition(url):
        return PREFIX + url
    if site_url and url.startswith(site_url + "/"):
        path = url[len(site_url) + 1 :]
        if not path.startswith(("zh-hant/", "theme/", "images/", "forms/", "api/")):
            return f"{site_url}{PREFIX}/{path}"
    return url


def convert_html(html: str, config: str, site_url: str) -> str:
    """One relay page in the edition (see the module docstring)."""
    kept: list[str] = []

    # Not NUL as the mark: OpenCC's configurations of more than one step (s2tw, s2twp, s2hk) end their
    # text at the first NUL, and the page with it.
    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x02{len(kept) - 1}\x02"

    html = MARKED.sub(keep, html)
    urls: list[str] = []

    def hide(match: re.Match[str]) -> str:
        urls.append(edition_url(match["url"], site_url))
        return f'{match["attr"]}="\x01{len(urls) - 1}\x01"'

    converted = corrected(converter(config).convert(LINK.sub(hide, html)))
    converted = re.sub("\x01(\\d+)\x01", lambda m: urls[int(m[1])], converted)
    converted = converted.replace('<html lang="zh-CN">', '<html lang="zh-Hant">', 1)
    return re.sub("\x02(\\d+)\x02", lambda m: kept[int(m[1])], converted)


class TraditionalEdition:
    """Serve ``/zh-hant/<public page>`` from the Simplified handlers, converting what they answer."""

    def __init__(self, app: ASGIApp, config: str = "s2tw", site_url: str = "") -> None:
        self.app, self.config, self.site_url = app, config, site_url.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX + "/") or not in_edition(path[len(PREFIX) :]):
            await self.app(scope, receive, send)
            return
        inner = dict(scope, path=path[len(PREFIX) :], raw_path=path[len(PREFIX) :].encode())
        inner["state"] = {**scope.get("state", {}), "edition": "zh-Hant"}
        start: dict[str, Any] = {}
        body: list[bytes] = []

        async def convert(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)  # e.g. the test client's http.response.debug
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            await self.finish(start, b"".join(body), send)

        await self.app(inner, receive, convert)

    async def finish(self, start: dict[str, Any], data: bytes, send: Send) -> None:
        headers = []
        html = False
        for name, value in start.get("headers", []):
            if name == b"location" and value.startswith(b"/") and in_edition(value.decode("latin-1")):
                value = PREFIX.encode() + value
            if name == b"content-type" and value.startswith(b"text/html"):
                html = True
            if name != b"content-length":
                headers.append((name, value))
        if html:
            data = convert_html(data.decode("utf-8"), self.config, self.site_url).encode("utf-8")
        headers.append((b"content-length", str(len(data)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": data})
