"""The ``relay`` command as an operator runs it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest
from console_kit import add_item, create_accounts
from servers import RELAY, free_port
from test_mailer import SMTPServer
from test_publishing import published_item

from relay.store import Store


@pytest.fixture
def env(tmp_path: Path, stations_json: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RELAY_DATA_DIR": str(tmp_path / "data"),
        "RELAY_STATIONS": str(stations_json),
        "RELAY_SECRET_KEY": "cli-test",
        "RELAY_LOG_LEVEL": "warning",
    }


def relay(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(RELAY), *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)


def store_of(env: dict[str, str]) -> Store:
    return Store(f"sqlite:///{Path(env['RELAY_DATA_DIR']) / 'relay.sqlite3'}")


def test_help_for_every_command(env: dict[str, str]) -> None:
    main = relay(env, "--help")
    assert main.returncode == 0
    for command in (
        "serve",
        "migrate",
        "create-account",
        "purge",
        "overdue",
        "digest",
        "worker",
        "export",
        "mark-live",
        "remind",
    ):
        assert command in main.stdout
        assert relay(env, command, "--help").returncode == 0, command


def test_migrate_and_create_account(env: dict[str, str]) -> None:
    assert relay(env, "migrate").returncode == 0
    created = relay(
        env,
        "create-account",
        "chief",
        "--role",
        "station",
        "--station",
        "dongshan",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    assert created.returncode == 0, created.stderr
    assert (
        relay(
            env, "create-account", "chief", "--role", "admin", "--password-stdin", stdin="a-long-password\n"
        ).returncode
        == 1
    )
    assert (
        relay(env, "create-account", "x", "--role", "station", "--password-stdin", stdin="a-long-password\n").returncode
        == 2
    )
    assert relay(env, "create-account", "y", "--role", "admin", "--password-stdin", stdin="short\n").returncode == 2
    store = store_of(env)
    account = store.account("chief")
    store.close()
    assert account is not None and account.stations == ("dongshan",)


def test_bad_setting_is_a_clear_error(env: dict[str, str]) -> None:
    result = relay({**env, "RELAY_PORT": "eighty"}, "migrate")
    assert result.returncode == 2 and "RELAY_PORT='eighty' is not a valid int" in result.stderr


def test_overdue_digest_and_worker(env: dict[str, str]) -> None:
    store = store_of(env)
    store.migrate()
    create_accounts(store)
    now = dt.datetime.now(dt.UTC)
    add_item(store, text="超时的问题：户口迁移？", received=now - dt.timedelta(hours=30))
    add_item(store, text="新问题：护照？", received=now - dt.timedelta(hours=1))
    overdue = relay(env, "overdue")
    assert overdue.returncode == 1
    lines = overdue.stdout.strip().splitlines()
    assert len(lines) == 1 and "\tdongshan\tquestion\tnew\t" in lines[0] and "已超时 6 小时" in lines[0]
    digest = relay(env, "digest")
    assert digest.returncode == 0 and "queued for 3 recipients" in digest.stdout
    port = free_port()
    down = relay({**env, "RELAY_SMTP_PORT": str(port)}, "worker", "--once")
    assert down.returncode == 0 and "sent 0, failed 3, still queued 3" in down.stdout
    with SMTPServer(port) as server:
        store.close()
        store = store_of(env)
        with store.engine.begin() as conn:  # pretend the retry time has come
            from sqlalchemy import text

            conn.execute(text("UPDATE outbox SET next_attempt_at = created_at"))
        up = relay({**env, "RELAY_SMTP_PORT": str(port)}, "worker", "--once")
        assert "sent 3, failed 0, still queued 0" in up.stdout, up.stdout + up.stderr
        recipients = sorted(m["To"] for m in server.handler.messages())
    assert recipients == ["admin@console.example", "moderator2@console.example", "moderator@console.example"]
    assert "户口迁移" not in "".join(
        str(m) for m in server.handler.messages()
    )  # the digest names items, not their text
    store.close()


def test_purge(env: dict[str, str]) -> None:
    assert relay(env, "migrate").returncode == 0
    result = relay(env, "purge", "--days", "30")
    assert (
        result.returncode == 0
        and "purged contact details of 0 items older than 30 days, and ended sessions" in result.stdout
    )


def test_purge_drops_ended_sessions(env: dict[str, str]) -> None:
    store = store_of(env)
    store.migrate()
    create_accounts(store)
    account = store.account("moderator")
    assert account is not None
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    store.create_session(account.id, "old-token-hash", "csrf", old)
    store.create_session(account.id, "new-token-hash", "csrf", dt.datetime.now(dt.UTC))
    assert relay(env, "purge").returncode == 0
    assert store.session("old-token-hash") is None and store.session("new-token-hash") is not None
    store.close()


def test_mark_live(env: dict[str, str]) -> None:
    assert relay(env, "migrate").returncode == 0
    store = store_of(env)
    try:
        published, waiting = published_item(store), add_item(store, text="请问护照怎么办理？")
        result = relay(env, "mark-live", str(published), str(waiting))
        assert result.returncode == 0, result.stderr
        assert "1 of 2 items marked live" in result.stdout
        assert store.published_not_live() == []
    finally:
        store.close()
    assert relay(env, "mark-live").returncode == 2


def test_create_an_officer_account(env: dict[str, str]) -> None:
    base = ["create-account", "li", "--role", "officer", "--station", "dongshan", "--password-stdin"]
    nameless = relay(env, *base, stdin="a-long-password\n")
    assert nameless.returncode == 2 and "--name" in nameless.stderr
    created = relay(env, *base, "--name", "李明", "--email", "li@example.test", stdin="a-long-password\n")
    assert created.returncode == 0, created.stderr
    store = store_of(env)
    account = store.account("li")
    assert account is not None and account.display_name == "李明" and account.stations == ("dongshan",)
    assert [o.username for o in store.officers_of("dongshan")] == ["li"]
    store.close()
