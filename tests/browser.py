"""Headless Chromium (Debian's) driven by Playwright, and a static file server."""

from __future__ import annotations

import functools
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def require(condition: bool, reason: str) -> None:
    """Skip on a developer's laptop; fail in CI (REQUIRE_SERVICES=1)."""
    if condition:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(path).is_file(), f"Chromium not found at {path}: apt-get install chromium")
    return path


@contextmanager
def launched_browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright; skips (or fails in CI) when it is missing."""
    path = chromium_path()
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class SlowHandler(QuietHandler):
    """Answers each request ``delay`` seconds late, as a far server would (the round trip of a phone on a slow
    network), and notes (path, started, answered) in ``requests``. Requests are served in threads: requests a
    browser makes side by side wait side by side."""

    delay = 0.0
    requests: ClassVar[list[tuple[str, float, float]]] = []

    def do_GET(self) -> None:
        started = time.monotonic()
        time.sleep(self.delay)
        super().do_GET()
        self.requests.append((self.path, started, time.monotonic()))


@contextmanager
def serve_folder(
    folder: Path, delay: float = 0.0, requests: list[tuple[str, float, float]] | None = None
) -> Iterator[str]:
    """Serve ``folder`` on a free localhost port; yields the base URL. With ``delay``, each response comes that
    many seconds late, and ``requests`` (if given) gets each request's path and when it came and was answered."""
    handler_class: type[QuietHandler] = QuietHandler
    if delay or requests is not None:
        handler_class = type("Slow", (SlowHandler,), {"delay": delay, "requests": [] if requests is None else requests})
    handler = functools.partial(handler_class, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
