"""Build benchmark: our site against plain Pelican and Hugo on the same synthetic city, at one or more sizes.

For each size N it generates the city (fixed seed; see city_corpus.py) and measures, each command in a fresh
process with CITY_TODAY and SOURCE_DATE_EPOCH pinned:

- ours: ``invoke build --clean``; ``invoke build`` again after one post is edited (incremental); the publisher's
  edit → on disk time; the approval → live time (n/a until the publisher has a relay mode);
- plain Pelican: clean, and a rebuild after the edit on its warm content cache;
- Hugo: clean, the CLI rebuild after the edit, and ``hugo server``'s edit → served time.

It prints per size: wall seconds, peak memory (wait4, largest process of the tree) and the sampled PSS sum over the
tree, HTML pages written, ms per page, and ratios to the Hugo row of the same kind (clean, rebuild, live).

Usage: .venv/bin/python benchmarks/bench_build.py [--posts 1000,5000,20000] [--keep] [--work DIR]
"""

from __future__ import annotations

import argparse
import runpy
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hugo_runs
import ours
import plain_pelican
from city_corpus import GUIDES, SEED, STATION_COUNT, edit_target, generate_corpus
from hugo_site import hugo_binary, write_site
from measure import ROOT, SOURCE_DATE_EPOCH, TODAY, TRASH, Kind, Row, discard, empty_trash

SETTINGS_FILE = ROOT / "pelicanconf.py"
FOLDERS = ("corpus", "ours", "publisher", "publisher-relay", "baseline", "hugo", "hugo-cache", "hugo-pagefind")


def measure_size(posts: int, work: Path, city: dict[str, Any], commands: ours.OurCommands) -> list[Row]:
    """Every row for one size; the work folder holds corpus/, ours/, publisher/, baseline/, hugo/ and logs/."""
    corpus, hugo = work / "corpus", work / "hugo"
    print(f"\n== {posts:,} posts ==\nGenerating corpus in {corpus} (seed {SEED})", flush=True)
    generate_corpus(corpus, posts, city)
    target = edit_target(corpus)
    print(f"  the edited post: {target.source.relative_to(corpus)}")
    print(f"Writing the Hugo site in {hugo}: {write_site(corpus, hugo, city)} posts", flush=True)
    steps: list[tuple[str, Callable[[], Row]]] = [
        ("ours: clean build", lambda: ours.build(corpus, work, Kind.CLEAN, target, commands)),
        ("ours: rebuild after edit", lambda: ours.build(corpus, work, Kind.REBUILD, target, commands)),
        ("ours: publisher", lambda: ours.publisher_live(corpus, work, target, commands)),
        ("ours: approval → live", lambda: ours.approval_to_live(corpus, work, target, commands)),
        ("plain Pelican: clean build", lambda: plain_pelican.build(corpus, work, Kind.CLEAN)),
        ("plain Pelican: rebuild after edit", lambda: plain_pelican.build(corpus, work, Kind.REBUILD)),
        ("Hugo: clean build", lambda: hugo_runs.build(hugo, work, Kind.CLEAN, target)),
        ("Hugo + Pagefind: clean build", lambda: hugo_runs.build_with_search(hugo, work)),
        ("Hugo: CLI rebuild after edit", lambda: hugo_runs.build(hugo, work, Kind.REBUILD, target)),
        ("Hugo: hugo server", lambda: hugo_runs.server_live(hugo, work, target)),
    ]
    rows = []
    for number, (title, step) in enumerate(steps, 1):
        print(f"  [{number}/{len(steps)}] {title} …", flush=True)
        row = step()
        print(f"    {describe(row)}", flush=True)
        rows.append(row)
    return rows


def describe(row: Row) -> str:
    if row.reason:
        return row.reason
    pages = f", {row.pages} HTML pages" if row.pages is not None else ""
    note = f" ({row.note})" if row.note else ""
    return f"{row.seconds:.2f} s, peak {row.peak_mb:.0f} MB (tree {row.tree_mb:.0f} MB){pages}{note}"


SEARCH_BASELINE = "Hugo + Pagefind clean"


def is_hugo_alone(row: Row) -> bool:
    """Hugo's own rows, the baseline of every ×Hugo column; not Hugo followed by Pagefind."""
    return row.label.lower().startswith("hugo") and row.label != SEARCH_BASELINE


def ratio(mine: float | None, hugo: float | None) -> str:
    return f"{mine / hugo:.1f}x" if mine is not None and hugo else "-"


def number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(posts: int, rows: list[Row]) -> None:
    hugo_rows = {row.kind: row for row in rows if is_hugo_alone(row) and not row.reason}
    print(
        f"\nResults for {posts:,} posts ({STATION_COUNT} stations, {len(GUIDES)} guides; "
        f"CITY_TODAY={TODAY}, SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH})\n"
    )
    header = (
        f"{'scenario':42} {'wall s':>8} {'peak MB':>8} {'tree MB':>8} {'HTML':>7} {'ms/page':>8}"
        f" {'×Hugo s':>8} {'×Hugo MB':>8} {'×Hugo ms/p':>10}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if row.reason:
            print(f"{row.label:42} {row.reason}")
            continue
        hugo = hugo_rows.get(row.kind)
        print(
            f"{row.label:42} {row.seconds:8.2f} {number(row.peak_mb, 1):>8} {number(row.tree_mb, 1):>8}"
            f" {number(row.pages, 0):>7} {number(row.ms_per_page, 2):>8}"
            f" {ratio(row.seconds, hugo and hugo.seconds):>8} {ratio(row.peak_mb, hugo and hugo.peak_mb):>8}"
            f" {ratio(row.ms_per_page, hugo and hugo.ms_per_page):>10}"
        )
        if row.note:
            print(f"    ↳ {row.note}")
    print(
        "\npeak MB: largest process of the tree (wait4); tree MB: largest sampled sum of PSS over the process group."
        "\nlive rows: seconds from saving the edit to the change being visible; memory over the server's whole run."
        "\n×Hugo: against the Hugo row of the same kind (clean, rebuild after edit, live)."
    )
    with_search = next((row for row in rows if row.label == SEARCH_BASELINE and not row.reason), None)
    ours_clean = next((row for row in rows if row.label.startswith("ours clean") and not row.reason), None)
    if with_search and ours_clean:
        print(
            f"ours clean ÷ {SEARCH_BASELINE}, per HTML page: "
            f"{ratio(ours_clean.ms_per_page, with_search.ms_per_page)} (search on both sides)"
        )


def print_scaling(results: dict[int, list[Row]]) -> None:
    sizes = list(results)
    print(f"\nWall seconds by size\n{'scenario':42}" + "".join(f" {size:>9,}" for size in sizes))
    for index, row in enumerate(results[sizes[0]]):
        cells = (results[size][index] for size in sizes)
        print(
            f"{row.label:42}"
            + "".join(f" {'n/a' if cell.seconds is None else f'{cell.seconds:.2f}':>9}" for cell in cells)
        )


def post_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.replace("_", "").split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("post counts must be positive")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--posts", type=post_counts, default=[1000], help="post counts, comma-separated, e.g. 1000,5000,20000"
    )
    parser.add_argument("--keep", action="store_true", help="keep the last size's corpus, outputs and caches")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work", help="work folder")
    args = parser.parse_args()
    work: Path = args.work.resolve()
    if (work / "corpus").is_relative_to(ROOT / "content"):
        parser.error("the work folder must be outside content/")
    print(f"Hugo: {hugo_binary()}")
    commands = ours.OurCommands.probe()
    for reason in (commands.clean_missing, commands.publisher_missing, commands.relay_missing):
        if reason:
            print(f"  note: {reason}")
    city: dict[str, Any] = runpy.run_path(str(SETTINGS_FILE))["CITY"]
    results: dict[int, list[Row]] = {}
    empty_trash(work)  # a run stopped half-way leaves its trash
    for folder in FOLDERS:
        discard(work / folder)  # the last run's --keep
    for posts in args.posts:
        shutil.rmtree(work / "logs", ignore_errors=True)
        results[posts] = measure_size(posts, work, city, commands)
        shutil.rmtree(work / f"logs-{posts}", ignore_errors=True)
        (work / "logs").rename(work / f"logs-{posts}")
        print_table(posts, results[posts])
        if not args.keep or posts != args.posts[-1]:
            for folder in FOLDERS:
                discard(work / folder)  # deleted at the end: see measure.discard
    print(f"\nDeleting what the runs left in {work / TRASH} …", flush=True)
    empty_trash(work)
    if len(results) > 1:
        print_scaling(results)
    print(f"\nlogs: {work}/logs-<posts>/")
    return 1 if any(row.failed for rows in results.values() for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
