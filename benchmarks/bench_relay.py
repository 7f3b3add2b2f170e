"""Throughput benchmark: the relay's ``POST /ask`` against a bare Starlette + SQLite baseline.

Both servers run under uvicorn (one worker, no access log, log level warning) in their own subprocess on a free
127.0.0.1 port, each with a fresh SQLite file (WAL, synchronous=FULL) in the work folder. The relay is started with
``relay serve`` (migrations first) and rate limits set far out of reach; the baseline is the small app below: it parses
the same form, inserts one row in a threadpool and answers 303. A second process (``--load URL``) drives each server
for the same time with N concurrent httpx workers, every request with unique text and redirects not followed, and
reports accepted (303) submissions per second, p50/p99 latency of the accepted requests and errors.
At the end the relay's database must hold at least as many items as 303 answers were counted.

Usage: .venv/bin/python benchmarks/bench_relay.py [--seconds 10] [--concurrency 16] [--work DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK = ROOT / "benchmarks" / "work" / "relay"
UVICORN_OPTIONS: dict[str, Any] = {"workers": 1, "proxy_headers": False, "log_level": "warning", "access_log": False}
STARTUP_SECONDS = 30.0
STOP_SECONDS = 15.0
REQUEST_TIMEOUT = 10.0
NO_LIMIT = "1000000/minute"
SLUGS = ["dongshan", "ximen", "nanqiao", "beilin", "qingyuan", "huwan", "jiangping", "ganghe", "taoshan", "liumen"]
NAMES = ["东山", "西门", "南桥", "北林", "青园", "湖湾", "江坪", "港河", "桃山", "柳门"]
DISTRICTS = ["东城区", "西城区", "南湖区", "北岸区"]


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why."""


def baseline_app(db: Path) -> Starlette:
    """The baseline (own process: --baseline-serve PORT): parse the form, insert one row in a threadpool, 303."""
    local = threading.local()  # one connection per threadpool thread, like the relay's connection pool
    opened: list[sqlite3.Connection] = []

    def insert(station: str, kind: str, text: str, contact: str) -> int:
        if not hasattr(local, "conn"):
            # BEGIN IMMEDIATE and a 10 s busy timeout, as the relay's store does
            local.conn = sqlite3.connect(db, isolation_level="IMMEDIATE", check_same_thread=False, timeout=10)
            local.conn.execute("PRAGMA synchronous=FULL")
            opened.append(local.conn)
        conn: sqlite3.Connection = local.conn
        with conn:  # one transaction: commit, or roll back on error
            cursor = conn.execute(
                "INSERT INTO items (station, kind, text, contact, received_at) VALUES (?, ?, ?, ?, datetime('now'))",
                (station, kind, text, contact or None),
            )
        return int(cursor.lastrowid or 0)

    async def ask(request: Request) -> Response:
        form = await request.form()
        station, kind, text, contact = (
            str(form.get(name) or "").strip() for name in ("station", "kind", "text", "contact")
        )
        await form.close()
        if station not in SLUGS or kind != "question" or not 5 <= len(text) <= 2000:
            return PlainTextResponse("invalid form", status_code=422)
        item_id = await run_in_threadpool(insert, station, kind, text, contact)
        return RedirectResponse(f"/receipt/{item_id}", status_code=303)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        for conn in opened:
            conn.close()

    return Starlette(routes=[Route("/ask", ask, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan)


def serve_baseline(port: int, db: Path) -> None:
    import uvicorn

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")  # persistent: every later connection is in WAL mode
    conn.execute(
        "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, station TEXT NOT NULL, kind TEXT NOT NULL,"
        " text TEXT NOT NULL, contact TEXT, received_at TEXT NOT NULL)"
    )
    conn.close()
    uvicorn.run(baseline_app(db), host="127.0.0.1", port=port, **UVICORN_OPTIONS)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (nan if empty)."""
    if not sorted_values:
        return math.nan
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


async def drive(url: str, seconds: float, concurrency: int, tag: str) -> dict[str, Any]:
    """The load generator (own process: --load URL); requests in flight at the deadline are let finish."""
    run = uuid.uuid4().hex[:8]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    cpu_start, start = time.process_time(), time.perf_counter()
    deadline = start + seconds
    client = httpx.AsyncClient(base_url=url, follow_redirects=False, timeout=REQUEST_TIMEOUT, limits=limits)
    async with client:

        async def worker(number: int) -> None:
            sent = 0
            while time.perf_counter() < deadline:
                sent += 1
                text = f"请问户籍窗口周末是否办理身份证？（压测 {tag} {run} 第{number}路 第{sent}条）"  # unique
                data = {"station": SLUGS[(number + sent) % len(SLUGS)], "kind": "question", "text": text}
                if sent % 2:
                    data["contact"] = "13800138000"
                began = time.perf_counter()
                try:
                    response = await client.post("/ask", data=data)
                except httpx.HTTPError as error:
                    key = type(error).__name__
                else:
                    if response.status_code == 303 and response.headers.get("location", "").startswith("/receipt/"):
                        latencies.append(time.perf_counter() - began)
                        continue
                    key = f"HTTP {response.status_code}"
                errors[key] = errors.get(key, 0) + 1

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "accepted": len(latencies),
        "elapsed": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "errors": errors,
        "load_cpu": (time.process_time() - cpu_start) / elapsed,
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc (nan where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return math.nan


def wait_ready(name: str, proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{name} exited with code {proc.returncode} before it was ready; {log}:\n{tail(log)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise BenchError(f"{name} not ready at {url}/healthz after {STARTUP_SECONDS:.0f} s; {log}:\n{tail(log)}")


def stop(proc: subprocess.Popen[bytes]) -> str | None:
    """SIGTERM, then wait (SIGKILL if it hangs); a problem, if any, as text."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_SECONDS)
            return f"did not stop within {STOP_SECONDS:.0f} s of SIGTERM; killed it"
    return None if proc.returncode in (0, -signal.SIGTERM) else f"exited with code {proc.returncode}"


def measure(name: str, command: list[str], env: dict[str, str], args: argparse.Namespace, port: int) -> dict[str, Any]:
    """Start a server, wait for /healthz, drive it from a load process, stop it; the load figures plus server CPU."""
    log = args.work / "logs" / f"{name}.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(name, proc, url, log)
        load_command = [sys.executable, __file__, "--load", url, "--tag", name]
        load_command += ["--seconds", str(args.seconds), "--concurrency", str(args.concurrency)]
        cpu_before = cpu_seconds(proc.pid)
        try:
            done = subprocess.run(load_command, cwd=ROOT, capture_output=True, text=True, timeout=args.seconds + 60)
        except subprocess.TimeoutExpired:
            raise BenchError(f"load generator for {name} did not finish in time") from None
        if done.returncode != 0:
            raise BenchError(f"load generator for {name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["server_cpu"] = (cpu_seconds(proc.pid) - cpu_before) / result["elapsed"]
        if proc.poll() is not None:
            raise BenchError(f"{name} died under load (code {proc.returncode}); {log}:\n{tail(log)}")
    finally:
        problem = stop(proc)  # reported only when nothing else went wrong
    if problem:
        raise BenchError(f"{name} {problem}; {log}:\n{tail(log)}")
    return result


def count_items(db: Path) -> int:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])


def benchmark(args: argparse.Namespace) -> int:
    work: Path = args.work
    (work / "logs").mkdir(parents=True, exist_ok=True)
    relay_db, baseline_db = work / "relay.sqlite3", work / "baseline.sqlite3"
    for db in (relay_db, baseline_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    stations = work / "stations.json"
    entries = [
        dict(slug=s, name=f"{n}派出所", district=DISTRICTS[i % 4], phone=f"0417-20000{i:02d}", url=f"stations/{s}/")
        for i, (s, n) in enumerate(zip(SLUGS, NAMES, strict=True), 1)
    ]
    stations.write_text(json.dumps({"schema": 1, "city": "云澜市", "stations": entries}, ensure_ascii=False), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAY_")}
    env |= {"RELAY_DATA_DIR": str(work), "RELAY_DATABASE_URL": f"sqlite:///{relay_db}", "RELAY_STATIONS": str(stations)}
    env |= {"RELAY_SECRET_KEY": "bench-not-a-secret", "RELAY_LOG_LEVEL": "warning", "RELAY_RATE_LIMIT_URL": "memory://"}
    env |= {"RELAY_RATE_LIMIT_CLIENT": NO_LIMIT, "RELAY_RATE_LIMIT_STATION": NO_LIMIT}  # limiting out of reach
    relay_bin = Path(sys.executable).with_name("relay")
    relay_cmd = [str(relay_bin)] if relay_bin.exists() else [sys.executable, "-m", "relay.cli"]
    relay_cmd += ["serve", "--host", "127.0.0.1", "--port"]
    print(f"bench_relay: {args.seconds:g} s per server, {args.concurrency} concurrent workers, {os.cpu_count()} CPUs")
    print(f"work folder: {work}")
    results: dict[str, dict[str, Any]] = {}
    port = free_port()
    results["relay"] = measure("relay", [*relay_cmd, str(port)], env, args, port)
    port = free_port()
    baseline_cmd = [sys.executable, __file__, "--baseline-serve", str(port), "--db", str(baseline_db)]
    results["baseline"] = measure("baseline", baseline_cmd, env, args, port)

    print()
    print("server      accepted  accepted/s   p50 ms   p99 ms  errors  server CPU  load CPU")
    for name, r in results.items():
        errors = sum(r["errors"].values())
        print(
            f"{name:<10}{r['accepted']:>10}{r['per_second']:>12.1f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{errors:>8}"
            f"{r['server_cpu']:>12.0%}{r['load_cpu']:>10.0%}"
        )
    relay, base = results["relay"], results["baseline"]
    print()
    print(f"relay/baseline: throughput {relay['per_second'] / base['per_second']:.2f}x, ", end="")
    print(f"p50 {relay['p50_ms'] / base['p50_ms']:.2f}x, p99 {relay['p99_ms'] / base['p99_ms']:.2f}x")

    failures = [f"{name} errors: {r['errors']}" for name, r in results.items() if r["errors"]]
    failures += [f"{name} accepted no submissions" for name, r in results.items() if not r["accepted"]]
    print()
    for name, db in (("relay", relay_db), ("baseline", baseline_db)):
        stored, accepted = count_items(db), results[name]["accepted"]
        verdict = "OK" if stored >= accepted else "FAIL"
        print(f"check {name}: {stored} items in {db.name} >= {accepted} accepted (303) submissions: {verdict}")
        if verdict == "FAIL":
            failures.append(f"{name} database holds {stored} items but {accepted} submissions were answered 303")
    if failures:
        print("\nbench_relay: FAILED\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per server (default 10)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent load workers (default 16)")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"work folder (default {DEFAULT_WORK})")
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="load", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-serve", metavar="PORT", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.concurrency < 1:
        parser.error("--seconds must be > 0 and --concurrency >= 1")
    if args.load:
        print(json.dumps(asyncio.run(drive(args.load, args.seconds, args.concurrency, args.tag))))
        return 0
    if args.baseline_serve:
        serve_baseline(args.baseline_serve, args.db)
        return 0
    args.work = args.work.resolve()
    try:
        return benchmark(args)
    except BenchError as error:
        print(f"bench_relay: FAILED: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
