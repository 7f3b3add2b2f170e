"""Copies every page and feed under ``zh-hant/``, converted by OpenCC.

Authors write Simplified Chinese only. After the build, each HTML page and
Atom feed is converted (by default ``s2tw``: the characters Traditional
readers use and type, 考核 and 群眾 rather than ``s2t``'s 考覈 and 羣衆, and
characters only, so names keep their words; Taiwan or Hong Kong phrasing are
options), its
``lang`` becomes ``zh-Hant``, and its internal links point into the edition.
Tags marked ``data-edition`` (the ``hreflang`` pair and the edition switch)
are left alone, except that the switch is turned round to lead back to the
Simplified page. Shared files (CSS, images, forms, the search bundle, the API,
CAP alerts, the sitemap) are not copied.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from pathlib import Path
from typing import Any

from pelican import signals

from citymodel.options import plugin_options
from relay.edition import corrected  # OpenCC's known slips, put right in the relay's pages too

log = logging.getLogger(__name__)
DEFAULTS: dict[str, Any] = {"prefix": "zh-hant", "opencc": "s2tw", "lang": "zh-Hant"}
RELAY_PAGES = ("ask", "rate", "rated", "receipt", "track")  # the relay's public pages have a Traditional twin too
PARALLEL_FROM = 400  # below this, worker start-up costs more than it saves
SHARED = ("theme/", "images/", "forms/", "pagefind/", "api/", "alerts/", "sitemap.xml", "robots.txt")
# A link: href, src or action at the start of a word (``hide_links``). Not ``\b`` in the pattern: one that starts
# with literal words lets ``re`` skip ahead to their first letters, three times faster on our pages.
LINK = re.compile(r'(?:href|src|action)="(?P<url>[^"]*)"')
WORD = re.compile(r"\w")
HIDDEN = re.compile("\x01(\\d+)\x01")
MARKED = re.compile(r"<(?:a|link)\b[^>]*\bdata-edition=\"[A-Za-z-]+\"[^>]*>(?:[^<]*</a>)?")
SWITCH = r'<a class="edition-switch" href="(?P<base>[^"]*?)/{prefix}/(?P<path>[^"]*)"[^>]*>[^<]*</a>'


def options(settings: dict[str, Any]) -> dict[str, Any]:
    """The plugin's settings, and the relay's address (its forms and tracking pages have a Traditional twin)."""
    chosen = plugin_options(settings, "HANT_EDITION", DEFAULTS, "hantedition")
    return {**chosen, "relay": str(settings.get("RELAY_URL") or "").rstrip("/")}


def check_settings(pelican: Any) -> None:
    """A typo in HANT_EDITION stops the build before anything is read."""
    options(pelican.settings)


def is_shared(path: str) -> bool:
    return path.startswith(SHARED)


def to_edition(url: str, bases: list[str], prefix: str, relay: str = "") -> str:
    """The edition's URL for a Simplified URL; shared and external URLs stay, the relay's public pages get theirs."""
    if relay and url.startswith(relay + "/") and url[len(relay) + 1 :].split("/", 1)[0].split("?", 1)[0] in RELAY_PAGES:
        return f"{relay}/{prefix}/{url[len(relay) + 1 :]}"
    for base in [*bases, ""]:
        if base and not url.startswith(base + "/"):
            continue
        if not base and (not url.startswith("/") or url.startswith("//")):
            continue
        path = url[len(base) + 1 :]
        page = path.split("#", 1)[0].split("?", 1)[0]
        is_document = page == "" or page.endswith(("/", ".html", ".xml"))
        if is_shared(path) or path.startswith(prefix + "/") or not is_document:
            return url
        return f"{base}/{prefix}/{path}"
    return url


def back_to_simplified(tag: str, prefix: str) -> str:
    """The switch on a Traditional page leads to the same page in Simplified."""
    return re.sub(
        SWITCH.format(prefix=re.escape(prefix)),
        lambda m: (
            f'<a class="edition-switch" href="{m["base"]}/{m["path"]}" hreflang="zh-CN" lang="zh-CN" data-edition="zh-CN">简体</a>'
        ),
        tag,
    )


def hide_links(text: str, urls: list[str]) -> str:
    """``text`` with the URL of every link replaced by ``\x01n\x01``, where ``urls[n]`` is that URL."""
    parts: list[str] = []
    position, search = 0, LINK.search
    match = search(text)
    while match:
        start = match.start()
        if start and WORD.match(text, start - 1):  # "xhref=" is no link: look on from the next character
            match = search(text, start + 1)
            continue
        parts += (text[position : match.start("url")], f"\x01{len(urls)}\x01")
        urls.append(match["url"])
        position = match.end("url")
        match = search(text, match.end())
    parts.append(text[position:])
    return "".join(parts)


@functools.lru_cache(maxsize=1024)  # small: the publisher keeps it
def _edition_url(url: str, bases: tuple[str, ...], prefix: str, relay: str) -> str:
    return to_edition(url, list(bases), prefix, relay)  # the header's and footer's links are on every page


def convert_page(text: str, converter: Any, bases: list[str], opts: dict[str, Any]) -> str:
    """One page or feed in the edition: converted text, edition links, the switch turned round."""
    prefix, lang, relay = opts["prefix"], opts["lang"], opts.get("relay", "")
    # URLs keep their characters: only text is converted. They stay hidden until the tags marked
    # ``data-edition`` are put aside, which keep theirs; every other link then gets the edition's.
    urls: list[str] = []
    converted = corrected(converter.convert(hide_links(text, urls)))
    converted = converted.replace('<html lang="zh-CN">', f'<html lang="{lang}">', 1)
    atom = '<feed xmlns="http://www.w3.org/2005/Atom">'
    converted = converted.replace(atom, atom[:-1] + f' xml:lang="{lang}">', 1)
    protected: list[str] = []

    def protect(match: re.Match[str]) -> str:
        protected.append(match.group(0))
        return f"\x00{len(protected) - 1}\x00"

    converted = MARKED.sub(protect, converted)
    shown = tuple(bases)
    converted = HIDDEN.sub(lambda m: _edition_url(urls[int(m[1])], shown, prefix, relay), converted)
    for index, original in enumerate(protected):
        original = HIDDEN.sub(lambda m: urls[int(m[1])], original)
        converted = converted.replace(f"\x00{index}\x00", back_to_simplified(original, prefix))
    return converted


def _convert_file(job: tuple[str, str, str]) -> tuple[str, bool]:
    """In a worker: convert one file; returns (target, rewritten)."""
    from incremental.tracker import write_if_changed

    output, relative, target_name = job
    converter, bases, opts = _WORKER
    data = convert_page((Path(output) / relative).read_text(encoding="utf-8"), converter, bases, opts).encode()
    return target_name, write_if_changed(Path(output) / target_name, data)


_WORKER: tuple[Any, list[str], dict[str, Any]] = (None, [], {})


def _start_worker(bases: list[str], opts: dict[str, Any]) -> None:
    import opencc

    global _WORKER
    _WORKER = (opencc.OpenCC(opts["opencc"]), bases, opts)


def _stop_worker() -> None:
    """Let go of the converter: OpenCC's dictionaries take 26 MB, loaded again in 30-45 ms. Where the work stayed
    in this process (a few pages, as in most incremental builds), a process that builds again and again (the
    publisher) would otherwise keep them through every later step and between builds."""
    global _WORKER
    _WORKER = (None, [], {})


def site_bases(settings: dict[str, Any]) -> list[str]:
    """The site's own absolute addresses, whose links are pointed into the edition."""
    bases = [b.rstrip("/") for b in (settings.get("SITEURL"), settings.get("FEED_DOMAIN")) if b]
    return list(dict.fromkeys(bases))


def write_edition(output: Path, bases: list[str], opts: dict[str, Any], settings: dict[str, Any] | None = None) -> int:
    """Write the edition under ``output/<prefix>/``; returns the number of files converted.

    In an incremental build only the pages rewritten in this build (or whose
    twin is missing) are converted again; with many, in worker processes.
    """
    from incremental import output_files, tracker_of
    from incremental.parallel import map_in_workers, worker_count

    settings = settings or {}
    prefix = opts["prefix"]
    started = time.monotonic()
    sources = [
        name
        for name in output_files(settings, output)
        if name.endswith((".html", ".xml")) and not name.startswith(prefix + "/") and not is_shared(name)
    ]
    tracker = tracker_of(settings)
    jobs = []
    for relative in sources:
        target = f"{prefix}/{relative}"
        if tracker is not None and (
            relative not in tracker.rewritten and tracker.produced_by_previous(target) and (output / target).exists()
        ):
            tracker.keep(target, None)
            continue
        jobs.append((str(output), relative, target))
    log.info("hantedition: converting %d pages and feeds to %s …", len(jobs), opts["opencc"])
    try:
        results = map_in_workers(
            _convert_file,
            jobs,
            worker_count(settings),
            PARALLEL_FROM,
            initializer=_start_worker,
            initargs=(bases, opts),
        )
    finally:
        _stop_worker()
    for target, rewritten in results:
        if tracker is not None:
            tracker.keep(target, None)
            if rewritten:
                tracker.rewritten.add(target)
    log.info("hantedition: %d files in %s/ (%.1f s)", len(results), prefix, time.monotonic() - started)
    return len(results)


def on_finalized(pelican: Any) -> None:
    write_edition(Path(pelican.output_path), site_bases(pelican.settings), options(pelican.settings), pelican.settings)


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.finalized.connect(on_finalized)
