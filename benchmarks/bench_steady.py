"""Open-loop benchmark: the relay under a steady rate of submissions, looking for stalls.

A closed-loop benchmark (bench_relay.py) sends the next request when the last
one returns, so a server that stops for 20 s is simply asked less. This one
sends at a fixed rate whatever happens (open loop): request i is due at
``start + i / rate`` and its latency is counted from then, so a stall shows in
full. All requests come from one address, as in the issue that found the
stall; the relay's limits are raised out of reach.

The relay runs as ``relay serve`` (SQLite, the in-memory rate limiter unless
``--rate-limit-url``) in its own process; the load runs in another.
It prints p50, p99, the slowest response, the longest time without any
response (the worst stall), and how many responses took over a second;
``DIR/run-N/timings.tsv`` has every request's due time, latency and outcome.

``--busy N`` adds N processes that only burn CPU from ``--busy-at`` seconds into each run for ``--busy-for``
seconds: the machine taken by other programs for a while, which is how a server that is fast enough on a quiet
machine can fall behind and take seconds to catch up (or not catch up at all).

Usage: .venv/bin/python benchmarks/bench_steady.py [--rate 300] [--seconds 60] [--runs 1] [--rate-limit-url memory://]
       [--busy 2 --busy-at 10 --busy-for 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench_relay import (
    DISTRICTS,
    NAMES,
    NO_LIMIT,
    SLUGS,
    BenchError,
    cpu_seconds,
    free_port,
    percentile,
    stop,
    wait_ready,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK = ROOT / "benchmarks" / "work" / "steady"


class Connections:
    """Keep-alive HTTP/1.1 connections to the relay, opened as needed: a client per request in flight.

    Plain asyncio streams rather than an HTTP library: the load must cost far
    less than the server it measures (httpx spent more CPU than the relay at
    60/s here, and its pool slows down as connections pile up in a stall).
    """

    IDLE_SECONDS = 2.0  # below uvicorn's keep-alive timeout (5 s), so the server never closes one under us

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self.idle:
            reader, writer, since = self.idle.pop()
            if time.monotonic() - since < self.IDLE_SECONDS:
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port)

    async def post_form(self, path: str, fields: dict[str, str]) -> int:
        body = urlencode(fields).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        reader, writer = await self.connection()
        try:
            writer.write(head.encode() + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            headers = answer.lower()
            length = 0
            if b"content-length:" in headers:
                length = int(headers.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            if length:
                await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if b"connection: close" in headers:
            writer.close()
        else:
            self.idle.append((reader, writer, time.monotonic()))
        return int(answer.split(b" ", 2)[1])

    def close(self) -> None:
        for _reader, writer, _since in self.idle:
            writer.close()


async def open_loop(url: str, rate: float, seconds: float, timings_file: Path | None = None) -> dict[str, Any]:
    """Send ``rate`` submissions a second for ``seconds``, each on its own schedule; wait for every answer."""
    run = uuid.uuid4().hex[:8]
    address = urlsplit(url)
    connections = Connections(address.hostname or "127.0.0.1", address.port or 80)
    timings: list[tuple[float, float, str]] = []  # (due, answered, outcome)
    cpu_start = time.process_time()

    async def submit(number: int, due: float) -> None:
        fields = {"station": SLUGS[number % len(SLUGS)], "kind": "question"}
        fields["text"] = f"请问户籍窗口周末是否办理身份证？（稳态压测 {run} 第{number}条）"
        try:
            status = await connections.post_form("/ask", fields)
            outcome = "ok" if status == 303 else f"HTTP {status}"
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            outcome = type(error).__name__
        timings.append((due, time.perf_counter(), outcome))

    start = time.perf_counter() + 0.5
    tasks = []
    for number in range(int(rate * seconds)):
        due = start + number / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(submit(number, due)))
    await asyncio.gather(*tasks)
    connections.close()
    if timings_file is not None:
        rows = [f"{due - start:.3f}\t{answered - due:.4f}\t{outcome}" for due, answered, outcome in sorted(timings)]
        timings_file.write_text("due_s\tlatency_s\toutcome\n" + "\n".join(rows) + "\n", encoding="utf-8")
    latencies = sorted(answered - due for due, answered, _ in timings)
    answered_at = sorted(answered for _, answered, _ in timings)
    gaps = [later - earlier for earlier, later in zip([start, *answered_at], answered_at, strict=False)]
    errors: dict[str, int] = {}
    for _, _, outcome in timings:
        if outcome != "ok":
            errors[outcome] = errors.get(outcome, 0) + 1
    return {
        "sent": len(timings),
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "worst_ms": latencies[-1] * 1000,
        "worst_stall_ms": max(gaps) * 1000,
        "over_1s": sum(1 for latency in latencies if latency > 1.0),
        "errors": errors,
        "load_cpu_s": time.process_time() - cpu_start,
    }


def write_stations(path: Path) -> None:
    entries = [
        dict(slug=s, name=f"{n}派出所", district=DISTRICTS[i % 4], phone=f"0417-20000{i:02d}", url=f"stations/{s}/")
        for i, (s, n) in enumerate(zip(SLUGS, NAMES, strict=True), 1)
    ]
    path.write_text(json.dumps({"schema": 1, "city": "云澜市", "stations": entries}, ensure_ascii=False), "utf-8")


BURN = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass\n"


def busy_machine(count: int, at: float, seconds: float) -> list[threading.Thread]:
    """Start ``count`` CPU-burning processes ``at`` seconds from now (the load starts 0.5 s after it is
    launched, so ``at`` is roughly seconds into the run), each for ``seconds``."""

    def burn() -> None:
        time.sleep(at + 0.5)
        subprocess.run([sys.executable, "-c", BURN.format(seconds=seconds)], check=True)

    threads = [threading.Thread(target=burn, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def one_run(args: argparse.Namespace, number: int) -> dict[str, Any]:
    work: Path = args.work / f"run-{number}"
    work.mkdir(parents=True, exist_ok=True)
    for leftover in work.glob("relay.sqlite3*"):
        leftover.unlink()
    write_stations(work / "stations.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAY_")}
    env |= {"RELAY_DATA_DIR": str(work), "RELAY_STATIONS": str(work / "stations.json")}
    env |= {"RELAY_SECRET_KEY": "bench-not-a-secret", "RELAY_LOG_LEVEL": "warning"}
    env |= {"RELAY_RATE_LIMIT_URL": args.rate_limit_url, "RELAY_RATE_LIMIT_CLIENT": NO_LIMIT}
    env |= {"RELAY_RATE_LIMIT_STATION": NO_LIMIT}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "relay.log"
    command = [str(Path(sys.executable).with_name("relay")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    burners: list[threading.Thread] = []
    try:
        wait_ready("relay", proc, url, log)
        cpu_before = cpu_seconds(proc.pid)
        burners += busy_machine(args.busy, args.busy_at, args.busy_for)
        load = [sys.executable, __file__, "--load", url, "--rate", str(args.rate), "--seconds", str(args.seconds)]
        load += ["--timings", str(work / "timings.tsv")]
        done = subprocess.run(load, cwd=ROOT, capture_output=True, text=True, timeout=args.seconds + 900)
        if done.returncode != 0:
            raise BenchError(f"load generator failed ({done.returncode}):\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["relay_cpu_s"] = cpu_seconds(proc.pid) - cpu_before
    finally:
        stop(proc)
        for burner in burners:
            burner.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300.0, help="submissions a second (default 300)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run (default 60)")
    parser.add_argument("--runs", type=int, default=1, help="how many runs, each with a fresh relay and database")
    parser.add_argument("--rate-limit-url", default="memory://", help="RELAY_RATE_LIMIT_URL (default memory://)")
    parser.add_argument("--busy", type=int, default=0, help="CPU-burning processes to start during each run")
    parser.add_argument("--busy-at", type=float, default=10.0, help="when they start, seconds into the run")
    parser.add_argument("--busy-for", type=float, default=15.0, help="how long they burn, seconds")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="work folder (default benchmarks/work/steady)")
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--timings", type=Path, help=argparse.SUPPRESS)  # each run writes DIR/run-N/timings.tsv
    args = parser.parse_args(argv)
    if args.load:
        try:
            import uvloop

            uvloop.install()  # a cheaper client loop, when installed (uvicorn[standard] brings it)
        except ImportError:
            pass
        print(json.dumps(asyncio.run(open_loop(args.load, args.rate, args.seconds, args.timings))))
        return 0
    busy = f", {args.busy} busy process(es) from {args.busy_at:g} s for {args.busy_for:g} s" if args.busy else ""
    print(
        f"bench_steady: {args.rate:g}/s for {args.seconds:g} s, {args.runs} run(s), limiter {args.rate_limit_url}{busy}"
    )
    print("run     sent   p50 ms   p99 ms  worst ms  worst stall ms  >1 s  errors  relay CPU s  load CPU s")
    slow_runs = 0
    for number in range(1, args.runs + 1):
        r = one_run(args, number)
        errors = sum(r["errors"].values())
        slow_runs += bool(r["over_1s"] or errors)
        print(
            f"{number:>3}{r['sent']:>9}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['worst_ms']:>10.0f}"
            f"{r['worst_stall_ms']:>16.0f}{r['over_1s']:>6}{errors:>8}{r['relay_cpu_s']:>13.1f}{r['load_cpu_s']:>12.1f}",
            flush=True,
        )
    print(f"\nruns with a response slower than 1 s or an error: {slow_runs} of {args.runs}")
    return 1 if slow_runs else 0


if __name__ == "__main__":
    raise SystemExit(main())
