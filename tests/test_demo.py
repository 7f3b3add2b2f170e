"""The demo's commands: a static server that an idle browser connection cannot freeze, and a clear word on busy ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import citykit

ROOT = Path(__file__).resolve().parent.parent
INVOKE = Path(sys.executable).with_name("invoke")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[str]:
    output = tmp_path / "output"
    citykit.build(citykit.make_city(tmp_path / "city"), output)
    port = free_port()
    server = subprocess.Popen(
        [str(INVOKE), "serve", "--port", str(port), "--root", str(output)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_an_idle_connection_does_not_freeze_the_site(served_site: str) -> None:
    port = int(served_site.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]  # a browser's preconnects
    idle[0].sendall(b"GET / HTTP/1.1\r\n")  # and one that stops mid-request
    try:
        for path in ("/", "/stations/", "/theme/css/site.css"):
            assert httpx.get(served_site + path, timeout=5).status_code == 200
    finally:
        for sock in idle:
            sock.close()


def test_a_busy_port_is_one_line_before_any_build(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        started = time.monotonic()
        finished = subprocess.run(
            [str(INVOKE), "demo", "--site-port", str(busy), "--relay-port", str(free_port())],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "CITY_CACHE": str(tmp_path / "cache")},
        )
    assert finished.returncode != 0
    said = (finished.stdout + finished.stderr).strip().splitlines()
    assert len(said) == 1 and "Traceback" not in said[0], said
    assert str(busy) in said[0] and "--site-port" in said[0]
    assert time.monotonic() - started < 30  # refused before building anything
