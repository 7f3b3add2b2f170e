"""The relay as real uvicorn processes: a form post, a SIGKILL mid-traffic, two processes on PostgreSQL and Redis."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from pathlib import Path

import httpx
from servers import relay_server
from services import require_postgres, require_redis

from relay.store import Store

QUESTION = {"station": "dongshan", "kind": "question"}


def base_env(tmp_path: Path, stations_json: Path, **extra: str) -> dict[str, str]:
    return {
        "RELAY_DATA_DIR": str(tmp_path / "data"),
        "RELAY_STATIONS": str(stations_json),
        "RELAY_SECRET_KEY": "process-test-secret",
        "RELAY_RATE_LIMIT_CLIENT": "100000/minute",
        "RELAY_RATE_LIMIT_STATION": "100000/minute",
        **extra,
    }


def test_form_post_through_a_real_uvicorn_process(tmp_path: Path, stations_json: Path) -> None:
    env = base_env(tmp_path, stations_json)
    with relay_server(env, tmp_path / "relay.log") as (url, _process):
        response = httpx.post(
            f"{url}/ask", data={**QUESTION, "text": "请问身份证丢失后怎么补办？"}, follow_redirects=False
        )
        assert response.status_code == 303
        receipt = httpx.get(url + response.headers["location"])
        assert receipt.status_code == 200 and "已受理" in receipt.text
        assert httpx.get(f"{url}/static/css/site.css").status_code == 200
        assert "请问身份证" not in (tmp_path / "relay.log").read_text(errors="replace")


def test_every_303_survives_a_sigkill(tmp_path: Path, stations_json: Path) -> None:
    """Clients keep submitting; the server is killed; every acknowledged item is in the database."""
    env = base_env(tmp_path, stations_json)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    with relay_server(env, tmp_path / "relay.log") as (url, process):

        def client(number: int) -> None:
            with httpx.Client(timeout=5) as http:
                for sent in range(10_000):
                    if stop.is_set():
                        return
                    try:
                        response = http.post(
                            f"{url}/ask", data={**QUESTION, "text": f"客户{number}的第{sent}个问题：请问办证进度？"}
                        )
                    except httpx.HTTPError:
                        return  # the server is gone
                    if response.status_code == 303:
                        with lock:
                            acknowledged.append(response.headers["location"].split("/")[-1])

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 15
        while len(acknowledged) < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    assert len(acknowledged) >= 50
    store = Store(f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    stored = store.receipt_codes()
    store.close()
    missing = set(acknowledged) - stored
    assert missing == set()


def test_two_processes_share_postgresql_and_redis(tmp_path: Path, stations_json: Path) -> None:
    from conftest import fresh_postgres_store

    database = require_postgres()
    redis_url = require_redis()
    fresh_postgres_store().close()
    limit = 12
    env = base_env(
        tmp_path,
        stations_json,
        RELAY_DATABASE_URL=database,
        RELAY_RATE_LIMIT_URL=redis_url,
        RELAY_RATE_LIMIT_CLIENT=f"{limit}/minute",
        RELAY_RATE_LIMIT_STATION="100000/minute",
        RELAY_TRUSTED_PROXIES="127.0.0.1",  # as behind nginx: the client is the forwarded address
    )
    run = uuid.uuid4().hex[:8]
    client = f"2001:db8::{uuid.uuid4().hex[:4]}"  # a fresh client per run on the shared Redis
    with relay_server(env, tmp_path / "a.log") as (first, _a), relay_server(env, tmp_path / "b.log") as (second, _b):
        statuses = []
        codes: dict[str, str] = {}
        for number in range(30):
            server = first if number % 2 else second
            response = httpx.post(
                f"{server}/ask",
                data={**QUESTION, "text": f"{run} 第{number}个问题：请问怎么办理居住证？"},
                headers={"X-Forwarded-For": client},
                follow_redirects=False,
            )
            statuses.append(response.status_code)
            if response.status_code == 303:
                codes[response.headers["location"].split("/")[-1]] = server
        assert statuses.count(303) == limit
        assert statuses.count(429) == 30 - limit
        for code, server in codes.items():
            other = second if server == first else first
            assert httpx.get(f"{other}/track/{code}").status_code == 200
    store = Store(database)
    assert set(codes) <= store.receipt_codes()
    assert store.count_items() == limit
    store.close()


def test_a_submission_waiting_for_another_writer_does_not_hold_up_other_requests(
    tmp_path: Path, stations_json: Path
) -> None:
    """Submissions on SQLite are written on the event loop (Store.writing_now) unless the write lock is taken.
    Here another process (a purge, a backup, the publisher) holds it: the submission must wait in a thread,
    not on the loop, so other pages still answer; once the lock is free the submission is stored."""
    import sqlite3

    env = base_env(tmp_path, stations_json)
    with relay_server(env, tmp_path / "relay.log") as (url, _process):
        other_writer = sqlite3.connect(tmp_path / "data" / "relay.sqlite3", isolation_level=None)
        other_writer.execute("BEGIN IMMEDIATE")  # held until we say
        answers: list[httpx.Response] = []
        text = f"另一个写入者占着锁时提交 {uuid.uuid4().hex[:6]}"
        poster = threading.Thread(
            target=lambda: answers.append(
                httpx.post(f"{url}/ask", data={**QUESTION, "text": text}, follow_redirects=False, timeout=30)
            )
        )
        poster.start()
        try:
            time.sleep(0.5)  # let the post reach the relay (if it has not, the checks below still hold)
            for path in ("/ask", "/static/css/site.css", "/healthz"):
                assert httpx.get(url + path, timeout=5).status_code == 200, path  # not stuck behind the post
            assert poster.is_alive() and not answers  # still waiting for the lock, nothing acknowledged
        finally:
            other_writer.execute("ROLLBACK")
            other_writer.close()
        poster.join(timeout=20)
        assert [a.status_code for a in answers] == [303]
        code = answers[0].headers["location"].rsplit("/", 1)[-1]
    store = Store(f"sqlite:///{tmp_path / 'data' / 'relay.sqlite3'}")
    try:
        stored = store.item_by_code(code)
        assert stored is not None and stored.text == text
    finally:
        store.close()
