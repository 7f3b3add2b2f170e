"""Everyday commands: ``invoke --list`` shows them, ``invoke --help NAME`` explains one."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

from invoke import Context, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "plugins"))

SETTINGS_FILE = ROOT / "pelicanconf.py"
PUBLISH_FILE = ROOT / "publishconf.py"
RELAY = str(Path(sys.executable).with_name("relay"))  # the relay's command, beside this interpreter


def pelican_settings(settings_file: Path = SETTINGS_FILE, **overrides: object) -> dict:
    from pelican.settings import read_settings

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return dict(read_settings(str(settings_file), override=overrides or None))
    finally:
        os.chdir(cwd)


def show_progress(plugins: list[str]) -> None:
    """Pelican's own chatter stays at warnings; our plugins report their steps."""
    import logging

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for name in plugins:
        logging.getLogger(name).setLevel(logging.INFO)


def run_build(settings: dict) -> None:
    """One Pelican build; content problems are printed as ``path:line: …`` and exit 1."""
    from pelican import Pelican

    from citymodel import ContentError

    show_progress(settings["PLUGINS"])
    try:
        Pelican(settings).run()
    except ContentError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None


@task(
    help={
        "publish": "use publishconf.py (absolute URLs)",
        "output": "output folder",
        "clean": "ignore the build record under cache/ and build everything",
    }
)
def build(c: Context, publish: bool = False, output: str = "", clean: bool = False) -> None:
    """Build the site into output/, re-rendering only what changed since the last build."""
    overrides: dict[str, object] = {"OUTPUT_PATH": str(Path(output).resolve())} if output else {}
    settings = pelican_settings(PUBLISH_FILE if publish else SETTINGS_FILE, **overrides)
    settings["INCREMENTAL"] = {**settings.get("INCREMENTAL", {}), "clean": clean}
    started = time.monotonic()
    run_build(settings)
    print(f"site built in {output or settings['OUTPUT_PATH']} ({time.monotonic() - started:.1f} s)")


@task(
    help={
        "export": "where relay export writes (default var/export.json)",
        "target": "output folder (default: publishconf.py's)",
        "skip_export": "build from the existing export",
    }
)
def publish(c: Context, export: str = "var/export.json", target: str = "", skip_export: bool = False) -> None:
    """Export published answers from the relay, then build the site with publishconf.py."""
    import subprocess

    export_path = (ROOT / export).resolve()
    if not skip_export:
        subprocess.run([RELAY, "export", "--output", str(export_path)], check=True)
    overrides: dict[str, object] = {"PUBLIC_ANSWERS": {"export": str(export_path), "min_ranked_items": 5}}
    if target:
        overrides["OUTPUT_PATH"] = str(Path(target).resolve())
    settings = pelican_settings(PUBLISH_FILE, **overrides)
    run_build(settings)
    print(f"site published to {settings['OUTPUT_PATH']}")


@task
def check(c: Context) -> None:
    """Check all content (front matter, slugs, files, HTML) without building; exit 1 on any finding."""
    from citymodel import load_city

    city = load_city(pelican_settings())
    for problem in city.problems:
        print(problem, file=sys.stderr)
    for notice in city.notices:
        print(f"{notice}（生成网站时会自动删掉）", file=sys.stderr)
    if city.problems or city.notices:
        raise SystemExit(1)
    print(f"检查通过：{len(city.stations)} 个派出所，{len(city.posts)} 篇文章，{len(city.guides)} 篇办事指南")


@task(
    help={
        "station": "station slug, e.g. dongshan",
        "module": "worklog, warning, disclosure or an optional module",
        "title": "the post's title (Chinese is fine)",
    }
)
def new(c: Context, station: str, module: str, title: str) -> None:
    """Start a post with correct front matter and print its path."""
    from citymodel import load_city
    from citymodel.scaffold import ScaffoldError, new_post

    try:
        path = new_post(load_city(pelican_settings()), station, module, title)
    except ScaffoldError as error:
        print(f"错误：{error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


@task(
    help={
        "as_of": "the day to judge by, YYYY-MM-DD (default: today); posts dated after it do not count",
        "period": "also print every station's duty figures for the week, month, quarter or year holding that day",
    }
)
def duties(c: Context, as_of: str = "", period: str = "") -> None:
    """List stations late on their weekly work log or fortnightly warning (docs/kaohe.md, "Posting duty")."""
    from citymodel import load_city
    from citymodel.duties import PostingDuty
    from citymodel.periods import PERIOD_KINDS, period_of

    if period and period not in PERIOD_KINDS:
        print(f"error: --period must be one of {', '.join(PERIOD_KINDS)}", file=sys.stderr)
        raise SystemExit(2)
    city = load_city(pelican_settings())
    day = dt.date.fromisoformat(as_of) if as_of else city.local_now().date()
    duty = PostingDuty(city)
    late = duty.late(day)
    for item in late:
        print(item.describe())
    print(f"{len(late)} late duties as of {day.isoformat()}")
    if period:
        key, first, last = period_of(period, day)
        print(f"{key}（截至 {day.isoformat()}）：")
        for station in duty.stations():
            tallies = [
                duty.tally(station.slug, module, first, last, day).describe() for module in ("worklog", "warning")
            ]
            print(f"{station.name}（{station.slug}）工作记实 {tallies[0]}，预警提示 {tallies[1]}")


@task(
    help={
        "station": "station slug, e.g. hubin",
        "name": "the new chief's name",
        "rank": "警衔, e.g. 一级警督",
        "badge": "警号, six digits",
        "since": "the new chief's first day in post, YYYY-MM-DD",
        "photo": "the new chief's photo under content/, e.g. images/chiefs/hubin.jpg",
        "born": "year of birth (optional)",
    }
)
def new_chief(
    c: Context, station: str, name: str, rank: str, badge: str, since: str, photo: str, born: str = ""
) -> None:
    """Record a change of chief: the current chief becomes a Past_Chief line ending the day before."""
    from citymodel.handover import HandoverError, NewChief, hand_over

    try:
        first_day = dt.date.fromisoformat(since)
    except ValueError:
        print(f"错误：上任日期 '{since}' 写得不对：请写成 2026-11-18 这样的格式（年-月-日）", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        path = hand_over(pelican_settings(), station, NewChief(name, rank, badge, first_day, photo, born))
    except HandoverError as error:
        print(f"错误：{error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


@task(
    help={
        "root": "folder holding site-a/, site-b/ and the symlink current/ that the web server serves",
        "publish": "use publishconf.py (absolute URLs)",
        "no_relay": "content only: do not read answers from the relay",
        "once": "publish once and exit",
        "settle": "seconds of quiet that end a batch of changes",
        "metrics": "answer Prometheus on HOST:PORT (e.g. 127.0.0.1:9102); off when empty",
    }
)
def publisher(
    c: Context,
    root: str = "var/site",
    publish: bool = False,
    no_relay: bool = False,
    once: bool = False,
    settle: float = 0.2,
    metrics: str = "",
) -> None:
    """Publish content commits and relay approvals as they happen (a service; see docs/architecture.md)."""
    import logging
    import subprocess

    from publisher import Publisher, PublisherBusy

    settings_file = PUBLISH_FILE if publish else SETTINGS_FILE
    first = pelican_settings(settings_file)
    show_progress(first["PLUGINS"])
    logging.getLogger("publisher").setLevel(logging.INFO)
    store = None
    if not no_relay:
        from relay.settings import load_settings
        from relay.store import Store

        # Migrated by ``relay migrate``, in a process of its own: Alembic and what it loads (12 MB) would otherwise
        # stay in this one, which runs for good and whose memory every build adds to.
        subprocess.run([RELAY, "migrate"], check=True)
        store = Store(load_settings().database)
    worker = Publisher(
        Path(root).resolve(),
        lambda: pelican_settings(settings_file),
        store=store,
        settle=settle,
        metrics_address=metrics,
    )
    try:
        worker.run(Path(first["PATH"]).resolve(), once=once)
    except KeyboardInterrupt:
        worker.stop()
    except PublisherBusy as busy:
        print(f"publisher: {busy}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        if store is not None:
            store.close()


@task(
    help={
        "repo": "the bare repository chiefs push to (made if missing)",
        "checkout": "the publisher's content folder, which main is checked out into (CITY_CONTENT)",
        "seed": "for a new repository: the content folder its first commit holds",
        "shell_commands": "the SSH account's ~/git-shell-commands: installs push-as (one station per key)",
        "site_url": "the public site's address: a push lists where its posts are, e.g. https://yunlan-police.example",
    }
)
def content_repo(
    c: Context, repo: str, checkout: str, seed: str = "", shell_commands: str = "", site_url: str = ""
) -> None:
    """Make the repository chiefs push to: each push to main is checked and, if it passes, published."""
    from publisher.gitpush import install

    install(
        Path(repo).resolve(),
        Path(checkout).resolve(),
        ROOT,
        Path(seed).resolve() if seed else None,
        shell_commands=Path(shell_commands).resolve() if shell_commands else None,
        site_url=site_url,
    )
    print(f"{repo}: pushes to main are checked, then checked out into {checkout}")


@task(help={"port": "port to serve on", "bind": "address to bind", "root": "folder to serve (default output/)"})
def serve(c: Context, port: int = 8000, bind: str = "127.0.0.1", root: str = "") -> None:
    """Serve output/ (build first), one thread per connection."""
    import socketserver

    from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer

    class ThreadingServer(socketserver.ThreadingMixIn, RootedHTTPServer):
        # Pelican's server answers one connection at a time: a browser's idle
        # preconnect froze it for every other visitor.
        daemon_threads = True

    folder = str(Path(root).resolve() if root else ROOT / "output")
    server = ThreadingServer(folder, (bind, port), ComplexHTTPRequestHandler)
    print(f"site: http://{bind}:{port}/")
    server.serve_forever()


@task(help={"port": "port to serve on", "output": "output folder (default output/)"})
def livereload(c: Context, port: int = 8000, output: str = "") -> None:
    """Build, serve, and rebuild and reload the browser when content or theme changes.

    It watches the content folder the build reads (``CITY_CONTENT``, e.g. a chief's clone beside this checkout),
    not only this checkout's ``content/``."""
    from livereload import Server

    overrides: dict[str, object] = {"OUTPUT_PATH": str(Path(output).resolve())} if output else {}
    settings = pelican_settings(SETTINGS_FILE, **overrides)
    run_build(settings)
    server = Server()
    watched = [Path(settings["PATH"]) / "**" / "*"]
    watched += [ROOT / pattern for pattern in ("theme/templates/*.html", "theme/static/**/*", "plugins/**/*.py")]

    def rebuild() -> None:
        try:
            run_build(pelican_settings(SETTINGS_FILE, **overrides))
        except SystemExit:  # the problems are printed above; keep serving until the chief saves the fix
            print("网页没有更新：请按上面列出的问题改好文件并保存，保存后会再生成一次", file=sys.stderr, flush=True)

    for pattern in [*watched, SETTINGS_FILE]:
        server.watch(str(pattern), rebuild)
    server.serve(host="127.0.0.1", port=port, root=settings["OUTPUT_PATH"])


@task(
    help={
        "posts": "post counts, comma-separated, e.g. 1000,5000,20000 (default 1000)",
        "keep": "keep the last size's corpus, outputs and caches",
        "work": "work folder (default benchmarks/work)",
    }
)
def bench_build(c: Context, posts: str = "1000", keep: bool = False, work: str = "") -> None:
    """Benchmark our build, rebuilds and publisher against plain Pelican and Hugo on a synthetic city."""
    import shlex

    command = [sys.executable, str(ROOT / "benchmarks" / "bench_build.py"), "--posts", posts]
    command += ["--keep"] if keep else []
    command += ["--work", work] if work else []
    c.run(shlex.join(command), pty=False)


@task(help={"seconds": "how long to drive each server", "concurrency": "concurrent clients"})
def bench_relay(c: Context, seconds: int = 10, concurrency: int = 16) -> None:
    """Benchmark the relay's intake against a bare Starlette + SQLite endpoint."""
    c.run(
        f"{sys.executable} {ROOT / 'benchmarks' / 'bench_relay.py'} --seconds {seconds} --concurrency {concurrency}",
        pty=False,
    )


@task(
    help={
        "rate": "submissions a second",
        "seconds": "length of each run",
        "runs": "how many runs",
        "busy": "CPU-burning processes started 10 s into each run, for 15 s (a busy machine)",
    }
)
def bench_steady(c: Context, rate: int = 300, seconds: int = 60, runs: int = 1, busy: int = 0) -> None:
    """Drive the relay at a steady rate (open loop); print p50, p99 and the worst stall."""
    script = ROOT / "benchmarks" / "bench_steady.py"
    c.run(f"{sys.executable} {script} --rate {rate} --seconds {seconds} --runs {runs} --busy {busy}", pty=False)


def published_ids(export: Path) -> list[int]:
    import json

    return [item["id"] for item in json.loads(export.read_text(encoding="utf-8"))["items"]]


@task(help={"jieba": "also measure rules + jieba person names (needs pip install jieba)", "misses": "list each miss"})
def bench_mask(c: Context, jieba: bool = False, misses: bool = False) -> None:
    """Masking recall and false-positive rate per category on tests/data/mask_corpus.tsv."""
    flags = (" --jieba" if jieba else "") + (" --misses" if misses else "")
    c.run(f"{sys.executable} {ROOT / 'benchmarks' / 'bench_mask.py'}{flags}", pty=False)


def port_is_free(port: int, bind: str = "127.0.0.1") -> bool:
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((bind, port))
        except OSError:
            return False
    return True


def demo_store_files() -> list[Path]:
    """The demo's relay store and export under var/ (the secret key stays)."""
    var = ROOT / "var"
    return [var / name for name in ("relay.sqlite3", "relay.sqlite3-wal", "relay.sqlite3-shm", "export.json")]


@task(
    help={
        "site_port": "port for the site (default 8000)",
        "relay_port": "port for the relay (default 8001)",
        "reset": "start again from fresh demo data (deletes var/relay.sqlite3 and var/export.json)",
    }
)
def demo(c: Context, site_port: int = 8000, relay_port: int = 8001, reset: bool = False) -> None:
    """Build the demo site, start the relay on its embedded SQLite store, serve both."""
    import subprocess
    import time

    import httpx
    from invoke.exceptions import Exit

    for port, what, option in ((site_port, "site", "--site-port"), (relay_port, "relay", "--relay-port")):
        if not port_is_free(port):
            raise Exit(f"demo: port {port} (the {what}) is busy; stop what uses it, or choose another with {option}", 1)
    if reset:
        for path in demo_store_files():
            path.unlink(missing_ok=True)
        print("demo: fresh demo data")
    relay_url = f"http://127.0.0.1:{relay_port}"
    os.environ["RELAY_URL"] = relay_url
    run_build(pelican_settings(RELAY_URL=relay_url))  # the relay reads the station list from this build
    env = {
        **os.environ,
        "RELAY_STATIONS": str(ROOT / "output" / "api" / "stations.json"),
        "RELAY_SITE_URL": f"http://127.0.0.1:{site_port}",
        "RELAY_PUBLIC_URL": relay_url,
        "RELAY_PORT": str(relay_port),
        "RELAY_COOKIE_SECURE": "false",  # the demo is served over plain local HTTP
        "RELAY_SMS_DRIVER": os.environ.get("RELAY_SMS_DRIVER", "log"),  # SMS to var/sms.log (numbers masked)
    }
    subprocess.run([sys.executable, "-m", "relay.demo"], env=env, check=True)
    export = ROOT / "var" / "export.json"
    subprocess.run([RELAY, "export", "--output", str(export)], env=env, check=True)
    run_build(pelican_settings(RELAY_URL=relay_url, PUBLIC_ANSWERS={"export": str(export), "min_ranked_items": 5}))
    # The answers in that build are on the site now: their tracking pages may link to them.
    live = [str(item_id) for item_id in published_ids(export)]
    if live:
        subprocess.run([RELAY, "mark-live", *live], env=env, check=True)
    relay = subprocess.Popen([RELAY, "serve"], env=env)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{relay_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        print(f"\n  site:  http://127.0.0.1:{site_port}/")
        print(f"  relay: {relay_url}/ask  (store: {ROOT / 'var' / 'relay.sqlite3'})")
        print(f"  console: {relay_url}/console/  (logins above)")
        print(
            "  notices: `relay worker --once` sends queued e-mail (SMTP on 127.0.0.1:25) and writes SMS to var/sms.log"
        )
        print("  Ctrl-C stops both.\n")
        serve(c, port=site_port)
    except KeyboardInterrupt:
        pass
    finally:
        relay.terminate()
        relay.wait(timeout=10)
