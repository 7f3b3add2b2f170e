"""relay backup and relay restore, on SQLite and PostgreSQL, taken while submissions keep arriving."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import RELAY, relay_server
from services import empty_postgres_database
from sqlalchemy import select

from relay.models import items, metadata
from relay.store import Store

QUESTION = {"station": "dongshan", "kind": "question"}


def relay_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(RELAY), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'relay.sqlite3'}"
    else:
        with empty_postgres_database() as url:
            yield url


def rows_of_items(url: str, item_ids: set[int]) -> dict[str, set[tuple[object, ...]]]:
    """Every row of every table that belongs to one of ``item_ids``, by table name."""
    store = Store(url)
    found: dict[str, set[tuple[object, ...]]] = {}
    with store.reading() as conn:
        for table in metadata.sorted_tables:
            column = table.c.id if table is items else table.c.get("item_id")
            if column is None:
                continue
            found[table.name] = {tuple(row) for row in conn.execute(select(table).where(column.in_(item_ids)))}
    store.close()
    return found


def item_ids_and_codes(url: str) -> dict[int, str]:
    store = Store(url)
    with store.reading() as conn:
        found = {row.id: row.receipt_code for row in conn.execute(select(items.c.id, items.c.receipt_code))}
    store.close()
    return found


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_backup_taken_during_submissions_restores_everything_acknowledged(
    tmp_path: Path, stations_json: Path, kind: str
) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    expired = backups / f"relay-20000101-000000{'.sqlite3' if kind == 'sqlite' else '.pgdump'}"
    expired.write_bytes(b"old")
    os.utime(expired, (time.time() - 30 * 86400,) * 2)
    with database(kind, tmp_path / "live") as live_url, database(kind, tmp_path / "restored") as restored_url:
        env = {
            "RELAY_DATA_DIR": str(tmp_path / "live"),
            "RELAY_DATABASE_URL": live_url,
            "RELAY_STATIONS": str(stations_json),
            "RELAY_SECRET_KEY": "backup-test-secret",
            "RELAY_RATE_LIMIT_CLIENT": "100000/minute",
            "RELAY_RATE_LIMIT_STATION": "100000/minute",
            "RELAY_BACKUP_DIR": str(backups),
            "RELAY_BACKUP_RETENTION_DAYS": "7",
        }
        acknowledged: list[str] = []
        stop = threading.Event()

        with relay_server(env, tmp_path / "relay.log") as (url, _process):

            def submit(number: int) -> None:
                with httpx.Client(timeout=10) as http:
                    sent = 0
                    while not stop.is_set():
                        sent += 1
                        text = f"客户{number}的第{sent}个问题：请问户口迁移需要什么材料？"
                        response = http.post(f"{url}/ask", data={**QUESTION, "text": text})
                        if response.status_code == 303:
                            acknowledged.append(response.headers["location"].split("/")[2].split("?")[0])

            clients = [threading.Thread(target=submit, args=(n,)) for n in range(3)]
            for client in clients:
                client.start()
            while len(acknowledged) < 30:
                time.sleep(0.05)
            before_backup = set(acknowledged)
            made = relay_command(env, "backup")
            time.sleep(0.5)  # submissions go on after the backup
            stop.set()
            for client in clients:
                client.join()
        assert made.returncode == 0, made.stderr
        written = [p for p in backups.iterdir() if p != expired]
        assert len(written) == 1 and not expired.exists()
        backup_file = written[0]
        assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600

        restored_env = {**env, "RELAY_DATA_DIR": str(tmp_path / "restored"), "RELAY_DATABASE_URL": restored_url}
        loaded = relay_command(restored_env, "restore", str(backup_file))
        assert loaded.returncode == 0, loaded.stderr
        restored = item_ids_and_codes(restored_url)
        assert before_backup <= set(restored.values())
        assert len(set(acknowledged)) > len(restored)  # the backup is one moment, not the end
        # Every row of every restored item (history, audit, outbox) is there, exactly as in the live store.
        assert rows_of_items(restored_url, set(restored)) == rows_of_items(live_url, set(restored))

        refused = relay_command(restored_env, "restore", str(backup_file))
        assert refused.returncode == 1 and "not empty" in refused.stderr
        forced = relay_command(restored_env, "restore", "--force", str(backup_file))
        assert forced.returncode == 0, forced.stderr
        assert set(item_ids_and_codes(restored_url).values()) == set(restored.values())
