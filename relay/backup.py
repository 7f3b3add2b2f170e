"""Backups of the store and their restore: consistent while the relay serves, readable by nobody but the owner.

SQLite: the online backup API copies the database page by page under its own
read transaction, so the copy is one consistent moment even while submissions
are committed. PostgreSQL: ``pg_dump --format=custom`` (one snapshot) and
``pg_restore``. Backups hold contact details, so every file is created with
mode 0600. Old backups are deleted after ``RELAY_BACKUP_RETENTION_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL

from .models import metadata
from .store import Store

SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


class BackupError(RuntimeError):
    """Why a backup or a restore could not be done, for the command line."""


def backup_name(dialect: str, now: dt.datetime) -> str:
    return f"relay-{now.astimezone(dt.UTC):%Y%m%d-%H%M%S}{SUFFIXES[dialect]}"


@contextmanager
def private_file(path: Path) -> Iterator[Path]:
    """A new file at ``path.partial``, mode 0600 from its first byte, renamed to ``path`` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield partial
        os.chmod(partial, 0o600)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def libpq_url(url: URL) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it (no ``+psycopg`` driver part)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup(store: Store, folder: Path, now: dt.datetime) -> Path:
    """Write a consistent copy of the store into ``folder``; return its path."""
    dialect = store.engine.dialect.name
    if dialect not in SUFFIXES:
        raise BackupError(f"no backup method for {dialect}")
    target = folder / backup_name(dialect, now)
    with private_file(target) as partial:
        if dialect == "sqlite":
            source = sqlite3.connect(f"file:{store.engine.url.database}?mode=ro", uri=True)
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        else:
            run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), libpq_url(store.engine.url)])
    return target


def prune(folder: Path, retention_days: int, now: dt.datetime) -> list[Path]:
    """Delete this command's backups older than ``retention_days``; return what was deleted."""
    cutoff = (now - dt.timedelta(days=retention_days)).timestamp()
    removed = []
    for path in sorted(folder.glob("relay-*")):
        if path.suffix in SUFFIXES.values() and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    return removed


def stored_rows(store: Store) -> int:
    """Rows in the relay's tables (0 for a database without them)."""
    present = set(inspect(store.engine).get_table_names())
    with store.reading() as conn:
        return sum(
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
            if table.name in present
        )


def restore(store: Store, source: Path, force: bool = False) -> None:
    """Load ``source`` into the store, which must be empty unless ``force``; then migrate it to the newest schema."""
    dialect = store.engine.dialect.name
    if not source.is_file():
        raise BackupError(f"{source}: no such backup")
    if source.suffix != SUFFIXES.get(dialect):
        raise BackupError(f"{source.name} is not a {dialect} backup (expected {SUFFIXES.get(dialect, '?')})")
    if not force and stored_rows(store):
        raise BackupError("the store is not empty; stop the relay and use --force to replace what it holds")
    if dialect == "sqlite":
        store.close()
        backup_copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(str(store.engine.url.database))
        try:
            backup_copy.backup(target)
        finally:
            target.close()
            backup_copy.close()
    else:
        store.close()
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        run(["pg_restore", *options, "--dbname", libpq_url(store.engine.url), str(source)])
    store.migrate()


def run(command: list[str]) -> None:
    try:
        finished = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)") from None
    if finished.returncode != 0:
        # pg_dump's messages name tables and options, never row contents.
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()[-500:]}")
