"""What the first search costs a reader: index size on disk, bytes loaded and round trips waited for.

Usage: python benchmarks/search_weight.py OUTPUT_DIR [--query 身份证] [--prefix /zh-hant] [--delay 0.3]

Serves OUTPUT_DIR on localhost, opens the search page in headless Chromium,
runs one query and adds up the bytes of every response (the page, its CSS and
script, and Pagefind's files). Prints the index size and those bytes. Then it
serves the site again with every response ``--delay`` seconds late (a phone's
round trip on a slow network), types the query and times it to the first
results: that time over the delay is the number of round trips a reader waits
for one after another, whatever this machine's speed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import CHROMIUM_ARGS, serve_folder


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--query", default="身份证")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--delay", type=float, default=0.3, help="seconds each response comes late (0: skip)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    index = args.output / "pagefind"
    pages = sum(1 for _ in args.output.rglob("*.html"))
    print(f"pages: {pages}, index: {folder_size(index) / 1024:.0f} KiB in {sum(1 for _ in index.rglob('*'))} files")
    loaded: dict[str, int] = {}
    with serve_folder(args.output) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.on("response", lambda r: loaded.__setitem__(r.url, len(r.body())) if r.ok else None)
        page.goto(f"{url}{args.prefix}/search/?q={args.query}")
        page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=30000)
        page.wait_for_load_state("networkidle")
        browser.close()
    search = sum(size for name, size in loaded.items() if "/pagefind/" in name)
    print(
        f"first search for {args.query!r}: {sum(loaded.values()) / 1024:.0f} KiB in {len(loaded)} responses ({search / 1024:.0f} KiB of them Pagefind)"
    )

    if args.delay:
        seconds = time_to_results(args.output, args.prefix, args.query, args.delay)
        print(
            f"first results, each response {args.delay:.2f} s late: {seconds:.2f} s after Enter, "
            f"{seconds / args.delay:.1f} round trips"
        )


def time_to_results(output: Path, prefix: str, query: str, delay: float) -> float:
    """Seconds from pressing Enter in the search box (the page loaded, nothing searched yet) to the first result."""
    from playwright.sync_api import sync_playwright

    with serve_folder(output, delay=delay) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.goto(f"{url}{prefix}/search/")
        page.wait_for_load_state("networkidle")
        page.get_by_role("searchbox").fill(query)
        started = time.monotonic()
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=120000)
        seconds = time.monotonic() - started
        browser.close()
    return seconds


if __name__ == "__main__":
    main()
