"""The store's core: engine, transactions, migrations. The only place (with its siblings) that talks SQL.

Every write is one transaction; callers answer 2xx only after it returns.
SQLite runs in WAL mode with full synchronous commits and ``BEGIN IMMEDIATE``
for writes, so concurrent writers queue instead of failing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
PUBLISH_CHANNEL = "relay_publish"
MIGRATION_LOCK_KEY = 0x72656C6179  # "relay": the PostgreSQL advisory lock held while migrating
BUSY_TIMEOUT_MS = 10_000  # how long a SQLite writer waits for another one (off the event loop)


class WriterBusy(Exception):
    """Another writer holds SQLite's write lock (a thread here or another process): write later, in a thread."""


class StoreBase:
    """Engine, transactions and schema; the mixins add the queries."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        # A file cannot drop the connection: the ping (a query per checkout) is for PostgreSQL only.
        ping = not url.startswith("sqlite")
        self.engine: Engine = create_engine(url, echo=echo, pool_pre_ping=ping, future=True, hide_parameters=True)
        if self.engine.dialect.name == "sqlite":
            database = self.engine.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            _configure_sqlite(self.engine)
        self._write_lock: threading.Lock | contextlib.nullcontext[None] = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        # SQLite has one writer at a time. Queueing this process's writers on a
        # lock wakes them in turn, instead of each sleeping and retrying inside
        # busy_timeout (which let newcomers overtake and pushed p99 near 1 s).
        with self._write_lock, self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def writing_now(self) -> Iterator[Connection]:
        """Like ``writing``, but never waits for another writer: raises ``WriterBusy`` first, before
        anything is written, when this process or another holds SQLite's write lock, and always on
        PostgreSQL (its writes wait for the network, so they stay in threads).

        For the event loop: handing a short write to a worker thread cost more than the write, since under
        load the thread waited for the GIL after every statement while the loop held it (at 300
        submissions/s on a busy 2-core machine the queue grew to seconds). Waiting for a lock here would
        hold up every request, so the caller writes in a thread with ``writing`` instead. The commit's
        fsync still runs here (about 0.3 ms on the machines we measured)."""
        lock = self._write_lock
        if isinstance(lock, contextlib.nullcontext) or not lock.acquire(blocking=False):
            raise WriterBusy
        try:
            with self.engine.connect() as conn, _no_busy_wait(conn):
                immediate = conn.execution_options(sqlite_begin="IMMEDIATE")
                with _begin_or_busy(immediate):
                    yield immediate
        finally:
            lock.release()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def announce_change(self, conn: Connection) -> None:
        """Wake ``wait_for_change`` in other processes when this transaction commits (PostgreSQL NOTIFY).

        Call it from every write that changes ``publish_token()``; SQLite waiters poll instead.
        """
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"NOTIFY {PUBLISH_CHANNEL}")

    # -- schema ---------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision, one process at a time.

        Processes started together (several ``relay serve``, or ``relay migrate``
        beside them) wait for each other: on PostgreSQL behind an advisory lock,
        on SQLite behind an exclusive lock on a file beside the database. The
        second one then finds the schema up to date.
        """
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        with self.migration_lock():
            command.upgrade(config, "head")

    @contextmanager
    def migration_lock(self) -> Iterator[None]:
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                    conn.commit()
            return
        database = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not database or database == ":memory:":
            yield
            return
        import fcntl

        with open(f"{database}.migrate-lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def ping(self) -> bool:
        with self.reading() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1


@contextmanager
def _no_busy_wait(conn: Connection) -> Iterator[None]:
    """SQLite gives up at once on a taken lock on this connection, until the block ends."""
    raw: Any = conn.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _begin_or_busy(conn: Connection) -> Any:
    """``conn.begin()``, with SQLite's "database is locked" turned into ``WriterBusy``."""
    try:
        return conn.begin()
    except OperationalError as error:
        if getattr(error.orig, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED"):
            raise WriterBusy from None
        raise


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below choose the mode
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
