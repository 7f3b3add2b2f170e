"""The baseline: plain Pelican (default theme, no plugins, posts/ only) on the corpus, in a fresh subprocess.

It does not load pelicanconf.py. Its content cache is on, so the rebuild after an edit is Pelican's own best case.
Run as a script, this file is the child: ``python plain_pelican.py OUTPUT CACHE CORPUS``; its log goes to stdout.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from measure import CommandFailed, Kind, Row, child_env, discard, html_written, run_measured


def settings(corpus: Path, output: Path, cache: Path) -> dict[str, object]:
    return {
        "PATH": str(corpus),
        "OUTPUT_PATH": str(output),
        "CACHE_PATH": str(cache),
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "ARTICLE_PATHS": ["posts"],
        "PAGE_PATHS": [],
        "STATIC_PATHS": [],
        "SITENAME": "Baseline",
        "TIMEZONE": "Asia/Shanghai",
        "PLUGINS": [],
    }


def build(corpus: Path, work: Path, kind: Kind) -> Row:
    """One build into ``work/baseline``: clean (output and cache put aside first) or a rebuild on the warm cache."""
    site = work / "baseline"
    if kind is Kind.CLEAN:
        discard(site)
    label = f"plain Pelican {'clean' if kind is Kind.CLEAN else 'rebuild after edit'}"
    command = [sys.executable, __file__, str(site / "output"), str(site / "cache"), str(corpus)]
    since = time.time_ns()
    try:
        usage = run_measured(command, env=child_env(), log_file=work / "logs" / f"baseline-{kind}.log", label=label)
    except CommandFailed as failure:
        return Row(label, kind, reason=f"FAILED: {failure}", failed=True)
    pages = html_written(site / "output", since)
    return Row(label, kind, usage.seconds, usage.peak_mb, usage.tree_mb, pages)


def main(output: str, cache: str, corpus: str) -> int:
    from pelican import Pelican
    from pelican.log import init as init_logging
    from pelican.settings import read_settings

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    init_logging(logging.WARNING, fatal="errors", handler=handler)  # like `pelican --fatal errors`
    Pelican(read_settings(None, override=settings(Path(corpus), Path(output), Path(cache)))).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
