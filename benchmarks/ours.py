"""Our rows, run through the commands an editor runs: ``invoke build`` and ``invoke publisher``.

Every command gets the corpus through CITY_CONTENT and its cache folder through CITY_CACHE. A command that does
not exist yet (probed with ``invoke --help``) gives an n/a row with the reason, and the benchmark goes on.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from city_corpus import EditTarget
from measure import (
    ROOT,
    Child,
    CommandFailed,
    Kind,
    Row,
    child_env,
    discard,
    file_contains,
    html_written,
    run_measured,
    wait_until,
)

INVOKE = str(Path(sys.executable).with_name("invoke"))
FIRST_PUBLISH_TIMEOUT = 3600.0
EDIT_VISIBLE_TIMEOUT = 120.0
# The full build that follows an approval may wait behind the one the reply started (at 20,000 posts on a loaded
# machine the answer reached the sitemap after 126 s): a figure reported, not a target, so it gets longer.
FULL_BUILD_TIMEOUT = 900.0
LIVE_LINE = "publisher: live"
WATCHING_LINE = "publisher: watching"  # printed once the start-up publishes are done and the watcher runs


def invoke_help(task: str) -> str | None:
    """``invoke --help TASK``'s text, or None when there is no such task."""
    result = subprocess.run([INVOKE, "--help", task], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return result.stdout if result.returncode == 0 else None


@dataclass(frozen=True)
class OurCommands:
    """Which of our commands exist yet; each ``*_missing`` is the reason a row is n/a, or None."""

    clean_missing: str | None
    publisher_missing: str | None
    relay_missing: str | None

    @classmethod
    def probe(cls) -> OurCommands:
        build_help, publisher_help = invoke_help("build") or "", invoke_help("publisher")
        clean = None if "--clean" in build_help else "`invoke build` has no --clean yet (no incremental build)"
        if publisher_help is None:
            return cls(clean, "no `invoke publisher` task yet", "publisher has no relay mode yet")
        missing = [flag for flag in ("--root", "--no-relay") if flag not in publisher_help]
        publisher = f"`invoke publisher` has no {', '.join(missing)} yet" if missing else None
        relay = None if "relay" in publisher_help.replace("--no-relay", "") else "publisher has no relay mode yet"
        return cls(clean, publisher, relay)


def our_env(corpus: Path, cache: Path) -> dict[str, str]:
    return child_env(CITY_CONTENT=str(corpus), CITY_CACHE=str(cache))


def build(corpus: Path, work: Path, kind: Kind, target: EditTarget, commands: OurCommands) -> Row:
    """``invoke build --clean`` into work/ours/output (or, before --clean exists, ``invoke build`` into a deleted
    output folder, which is a clean build today); or, for REBUILD, ``invoke build`` again after editing the post."""
    site = work / "ours"
    command = [INVOKE, "build", "--output", str(site / "output")]
    if kind is Kind.CLEAN:
        discard(site)
        label = "ours clean: invoke build" + (" (fresh folders)" if commands.clean_missing else " --clean")
        command += [] if commands.clean_missing else ["--clean"]
    else:
        label = "ours rebuild after edit: invoke build"
        if commands.clean_missing:
            return Row(label, kind, reason=f"n/a ({commands.clean_missing})")
        marker = target.append_sentence("invoke-build")
    since = time.time_ns()
    try:
        usage = run_measured(
            command, env=our_env(corpus, site / "cache"), log_file=work / "logs" / f"ours-{kind}.log", label=label
        )
    except CommandFailed as failure:
        return Row(label, kind, reason=f"FAILED: {failure}", failed=True)
    if kind is not Kind.CLEAN and not file_contains(site / "output" / target.url_path / "index.html", marker):
        return Row(label, kind, reason="FAILED: the appended sentence is not in the output", failed=True)
    row = Row(label, kind, usage.seconds, usage.peak_mb, usage.tree_mb, html_written(site / "output", since))
    if kind is not Kind.CLEAN:
        row.note = full_rebuild_reason((work / "logs" / f"ours-{kind}.log").read_text(encoding="utf-8"))
    return row


def full_rebuild_reason(log_text: str) -> str:
    """The incremental build's own line when it chose to rebuild everything (e.g. the code changed), or ""."""
    for line in log_text.splitlines():
        if line.startswith("incremental:") and "clean build" in line:
            return f"not incremental: {line}"
    return ""


def lines_starting(log_file: Path, prefix: str) -> int:
    text = log_file.read_text(encoding="utf-8", errors="replace")
    return sum(1 for line in text.splitlines() if line.startswith(prefix))


def publisher_live(corpus: Path, work: Path, target: EditTarget, commands: OurCommands) -> Row:
    """Seconds from saving an edit to the changed post on disk under ROOT/current/ (after one warm-up edit); memory
    is the publisher's peak over its whole run, first publish included; pages are the HTML files written for it."""
    label = "ours publisher: edit saved → on disk"
    if commands.publisher_missing:
        return Row(label, Kind.LIVE, reason=f"n/a ({commands.publisher_missing})")
    root = work / "publisher"
    discard(root)
    command = [INVOKE, "publisher", "--root", str(root), "--no-relay"]
    log_file = work / "logs" / "publisher.log"
    publisher = Child(command, env=our_env(corpus, root / "cache"), log_file=log_file, label="publisher")
    try:
        seconds, pages, log_offset = time_edit_to_disk(publisher, root, target)
    except CommandFailed as failure:
        return Row(label, Kind.LIVE, reason=f"FAILED: {failure} (log: {log_file})", failed=True)
    finally:
        usage = publisher.stop()  # always, whatever happened
    note = full_rebuild_reason(log_file.read_text(encoding="utf-8")[log_offset:])
    return Row(label, Kind.LIVE, seconds, usage.peak_mb, usage.tree_mb, pages, note=note)


def time_edit_to_disk(publisher: Child, root: Path, target: EditTarget) -> tuple[float, int, int]:
    """Waits for the first publish and the watcher (an edit saved before it runs would be missed), makes one
    warm-up edit (so the folder built next has a build record), then times the second edit; returns its seconds,
    the HTML files written for it and where its log lines start."""
    print("    waiting for the first publish and the watcher", flush=True)

    def started() -> bool:
        log_file = publisher.log_file
        watching = lines_starting(log_file, LIVE_LINE) >= 1 and lines_starting(log_file, WATCHING_LINE) >= 1
        return watching or not publisher.running()

    ready = wait_until(started, timeout=FIRST_PUBLISH_TIMEOUT, interval=0.2)
    if not ready or not publisher.running():
        raise CommandFailed("not watching after the first publish" if publisher.running() else "the publisher exited")
    page = root / "current" / target.url_path / "index.html"
    warm_up = time_one_edit(target, "publisher-warm-up", page, FIRST_PUBLISH_TIMEOUT)
    print(f"    warm-up edit on disk after {warm_up:.2f} s", flush=True)
    since, log_offset = time.time_ns(), len(publisher.log_file.read_text(encoding="utf-8"))
    seconds = time_one_edit(target, "publisher", page, EDIT_VISIBLE_TIMEOUT)
    return seconds, html_written((root / "current").resolve(), since), log_offset


def time_one_edit(target: EditTarget, scenario: str, page: Path, timeout: float) -> float:
    time.sleep(1.0)  # let the watcher settle after the last publish
    marker = target.append_sentence(scenario)
    saved = time.perf_counter()
    if not wait_until(lambda: file_contains(page, marker), timeout=timeout):
        raise CommandFailed(f"the edit did not reach {page} within {timeout:.0f} s")
    return time.perf_counter() - saved


def approval_to_live(corpus: Path, work: Path, target: EditTarget, commands: OurCommands) -> Row:
    """Seconds from a moderator's approval committed in the relay's store to the answer's page under
    ROOT/current/ (the publisher's fast path), with the times until the station page lists it (the fast path
    too) and until the sitemap does (the full build, which also brings search) in the note. The publisher runs against a fresh SQLite store with one question already in it."""
    import datetime as dt

    label = "ours approval → live"
    if commands.relay_missing:
        return Row(label, Kind.LIVE, reason=f"n/a ({commands.relay_missing})")
    sys.path.insert(0, str(ROOT))
    from relay.models import Kind as ItemKind
    from relay.store import Store
    from relay.store.intake import NewItem

    root = work / "publisher-relay"
    discard(root)
    root.mkdir(parents=True)
    station = target.url_path.split("/")[1]
    database = f"sqlite:///{root / 'relay.sqlite3'}"
    store = Store(database)
    store.migrate()
    now = dt.datetime.now(dt.UTC)
    question = "请问外地户口在本市办理居住证需要哪些材料？"
    receipt = store.submit(
        NewItem(station=station, kind=ItemKind.QUESTION, text=question, consent=True), now, dt.timedelta(minutes=10)
    )
    item = store.item_by_code(receipt.code)
    assert item is not None
    env = our_env(corpus, root / "cache") | {"RELAY_DATABASE_URL": database, "RELAY_DATA_DIR": str(root / "data")}
    log_file = work / "logs" / "publisher-relay.log"
    publisher = Child([INVOKE, "publisher", "--root", str(root)], env=env, log_file=log_file, label="publisher")
    answer_page = root / "current" / "stations" / station / "qa" / f"qa-{item.id}" / "index.html"
    station_page = root / "current" / "stations" / station / "index.html"
    sitemap = root / "current" / "sitemap.xml"  # written by the full build, with the search index
    try:
        ready = wait_until(
            lambda: lines_starting(log_file, WATCHING_LINE) >= 1 or not publisher.running(),
            timeout=FIRST_PUBLISH_TIMEOUT,
            interval=0.2,
        )
        if not ready or not publisher.running():
            raise CommandFailed("the publisher did not start watching")
        time.sleep(1.0)
        act_on(store, item.id, "reply", now, reply="材料：身份证、居住登记凭证。")
        time.sleep(2.0)  # the reply alone starts a publish; let it pass so that the approval is timed on its own
        replies = {f"public_reply_{r.id}": r.text for r in store.console_item(item.id).replies}
        act_on(store, item.id, "approve", now, public_text=question, **replies)
        approved = time.perf_counter()
        if not wait_until(lambda: file_contains(answer_page, question[:12]), timeout=EDIT_VISIBLE_TIMEOUT):
            raise CommandFailed(f"the answer did not reach {answer_page}")
        seconds = time.perf_counter() - approved
        if not wait_until(lambda: file_contains(station_page, question[:12]), timeout=EDIT_VISIBLE_TIMEOUT):
            raise CommandFailed("the station page never listed the answer")
        listed = time.perf_counter() - approved
        hot_search = root / "current" / "pagefind" / "hot.json"  # the fast path's bundle of new pages
        if not wait_until(
            lambda: file_contains(hot_search, "hot-") or file_contains(sitemap, f"qa-{item.id}/"), timeout=60
        ):
            raise CommandFailed("the answer never became searchable")
        searchable = time.perf_counter() - approved
        answer_url = f"/stations/{station}/qa/qa-{item.id}/"
        if not wait_until(lambda: file_contains(sitemap, answer_url), timeout=FULL_BUILD_TIMEOUT):
            raise CommandFailed("the full build never listed the answer in the sitemap")
        everywhere = time.perf_counter() - approved
    except CommandFailed as failure:
        return Row(label, Kind.LIVE, reason=f"FAILED: {failure} (log: {log_file})", failed=True)
    finally:
        usage = publisher.stop()
        store.close()
    note = (
        f"answer page; station page and feeds after {listed:.2f} s, searchable after {searchable:.2f} s;"
        f" full build (sitemap) after {everywhere:.2f} s"
    )
    return Row(label, Kind.LIVE, seconds, usage.peak_mb, usage.tree_mb, None, note=note)


def act_on(store: Any, item_id: int, action: str, now: Any, **form: str) -> None:
    """One moderator action, planned and applied as the console does on a form post."""
    from relay.casework import Actor, Planner, carry_out
    from relay.models import Role
    from relay.settings import load_settings
    from relay.stations import Stations

    planner = Planner(Stations([]), load_settings(environ={}, secret_key="bench"))
    carry_out(store, planner, item_id, action, Actor("moderator", Role.MODERATOR), now, form)
