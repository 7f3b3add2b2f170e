"""Real relay processes: ``relay serve`` under uvicorn on a free localhost port."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

RELAY = Path(sys.executable).with_name("relay")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def relay_server(
    env: dict[str, str],
    log: Path,
    port: int | None = None,
    args: tuple[str, ...] = (),
    open_files: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start a relay (``relay serve ARGS``, at most ``open_files`` descriptors); yield its URL and process; stop it."""
    with relay_servers(env, [log], [port or free_port()], args, open_files) as [started]:
        yield started


@contextmanager
def relay_servers(
    env: dict[str, str],
    logs: list[Path],
    ports: list[int] | None = None,
    args: tuple[str, ...] = (),
    open_files: int | None = None,
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """Start one relay per log file all at once, then wait until each is healthy; stop them all afterwards."""
    ports = ports or [free_port() for _ in logs]
    full_env = {**os.environ, "RELAY_LOG_LEVEL": "warning", **env}

    def limit_open_files() -> None:
        if open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for log, port in zip(logs, ports, strict=True):
            with log.open("ab") as log_file:
                process = subprocess.Popen(
                    [str(RELAY), "serve", "--port", str(port), *args],
                    env=full_env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    preexec_fn=limit_open_files,
                )
            started.append((f"http://127.0.0.1:{port}", process))
        for (url, process), log in zip(started, logs, strict=True):
            wait_until_healthy(url, process, log)
        yield started
    finally:
        for _url, process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _url, process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"relay exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"relay did not become healthy:\n{log.read_text(errors='replace')[-3000:]}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> float:
    """The most resident memory a process has used (``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def quiet_relay_env(tmp_path: Path, stations_json: Path, database_url: str) -> dict[str, str]:
    """A relay's environment for tests that post many times at once: its own data folder, no rate limits."""
    return {
        "RELAY_DATA_DIR": str(tmp_path / "data"),
        "RELAY_STATIONS": str(stations_json),
        "RELAY_DATABASE_URL": database_url,
        "RELAY_SECRET_KEY": "posts-at-once-secret",
        "RELAY_RATE_LIMIT_CLIENT": "100000/minute",
        "RELAY_RATE_LIMIT_STATION": "100000/minute",
        "RELAY_COOKIE_SECURE": "false",
    }


def posts_at_once(
    url: str, path: str, data: dict[str, str], count: int, cookies: httpx.Cookies | None = None
) -> list[httpx.Response]:
    """``count`` clients post ``data`` to ``path`` at the same moment (a double tap on a slow network)."""
    import threading

    barrier, answers = threading.Barrier(count), []

    def post() -> None:
        with httpx.Client(base_url=url, cookies=cookies, follow_redirects=False, timeout=30) as client:
            barrier.wait()
            answers.append(client.post(path, data=data))

    threads = [threading.Thread(target=post) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
