"""``relay``: serve, migrate, create-account, export, mark-live, purge and more. ``relay --help`` lists them."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import sys

from .models import Role
from .settings import Settings, SettingsError, load_settings
from .store import Store


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relay", description="The public's question relay (settings: RELAY_* variables, see docs/relay.md)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="migrate the store, then serve the relay with uvicorn")
    serve.add_argument("--host", help="address to bind (RELAY_HOST)")
    serve.add_argument("--port", type=int, help="port (RELAY_PORT)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.add_argument(
        "--loop", choices=["auto", "asyncio", "uvloop"], default="auto", help="event loop (auto: uvloop when installed)"
    )
    serve.add_argument("--no-migrate", action="store_true", help="do not run migrations first")
    commands.add_parser("migrate", help="bring the database schema up to date (Alembic)")
    user = commands.add_parser("create-account", help="create a console account")
    user.add_argument("username")
    user.add_argument("--role", choices=[r.value for r in Role], required=True)
    user.add_argument(
        "--station", action="append", default=[], help="station slug (repeat; roles 'station' and 'officer' only)"
    )
    user.add_argument("--name", default=None, help="the officer's name, shown as the responsible officer")
    user.add_argument("--email", default=None, help="where reminders and assignments are e-mailed")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    commands.add_parser("overdue", help="print items past their reply deadline (for cron); exit 1 if any")
    commands.add_parser(
        "remind", help="queue reminders before deadlines and when they are missed (run every few minutes)"
    )
    commands.add_parser("digest", help="queue the daily e-mail digest of overdue items to moderators and admins")
    worker = commands.add_parser("worker", help="send queued e-mail (retries while the SMTP server is down)")
    worker.add_argument("--once", action="store_true", help="one delivery round, then exit")
    worker.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
    export = commands.add_parser(
        "export", help="write export.json: published answers, ratings and 考核 figures (public fields only)"
    )
    export.add_argument("--output", default="var/export.json", help="where to write it (default var/export.json)")
    live = commands.add_parser("mark-live", help="record that the site now shows these published answers")
    live.add_argument("item_ids", metavar="ID", type=int, nargs="+", help="item id (the number in the answer's URL)")
    purge = commands.add_parser("purge", help="delete contact details and client hashes past the retention period")
    purge.add_argument("--days", type=int, help="retention in days (RELAY_RETENTION_DAYS, default 180)")
    backup = commands.add_parser(
        "backup", help="write a consistent copy of the store (mode 0600) and delete copies past retention"
    )
    backup.add_argument("--folder", help="where to write it (RELAY_BACKUP_DIR, default <data dir>/backups)")
    restore = commands.add_parser("restore", help="load a backup into an empty store (stop the relay first)")
    restore.add_argument("file", help="a file written by relay backup")
    restore.add_argument("--force", action="store_true", help="replace what a non-empty store holds")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"relay: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    store = Store(settings.database)
    if args.command == "migrate":
        store.migrate()
        print(f"relay: schema up to date ({store.engine.url.render_as_string(hide_password=True)})")
        return 0
    if args.command == "serve":
        import uvicorn

        from .serving import http_protocol

        if not args.no_migrate:
            store.migrate()
        store.close()
        uvicorn.run(
            "relay.app:app_from_environment",
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers,
            proxy_headers=False,
            log_level=settings.log_level,
            access_log=False,
            http=http_protocol(settings.header_timeout),
            loop=args.loop,
        )
        return 0
    if args.command == "create-account":
        return create_account(store, args)
    if args.command == "remind":
        store.migrate()
        return remind(store, settings)
    if args.command in ("overdue", "digest", "worker"):
        store.migrate()
        return run_notifications(store, settings, args)
    if args.command == "export":
        from pathlib import Path

        from .export import write_export
        from .stations import StationsUnavailable, load_stations

        store.migrate()
        try:
            stations = load_stations(settings.stations)  # the chiefs' terms, to split the figures by chief
        except StationsUnavailable as error:
            print(f"relay: {error}; exporting the figures by station only", file=sys.stderr)
            stations = None
        data = write_export(store, Path(args.output), stations=stations)
        print(f"relay: exported {len(data['items'])} published items to {args.output}")
        return 0
    if args.command == "mark-live":
        store.migrate()
        count = store.mark_live(args.item_ids, dt.datetime.now(dt.UTC))
        print(f"relay: {count} of {len(args.item_ids)} items marked live (the rest: not published, or live already)")
        return 0
    if args.command == "purge":
        days = args.days or settings.retention_days
        now = dt.datetime.now(dt.UTC)
        count = store.purge(now, days)
        store.delete_old_sessions(now - dt.timedelta(hours=settings.session_max_hours))
        print(f"relay: purged contact details of {count} items older than {days} days, and ended sessions")
        return 0
    if args.command in ("backup", "restore"):
        return run_backup(store, settings, args)
    return 2


def run_backup(store: Store, settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from .backup import BackupError, backup, prune, restore

    now = dt.datetime.now(dt.UTC)
    try:
        if args.command == "backup":
            folder = Path(args.folder) if args.folder else settings.backups
            written = backup(store, folder, now)
            removed = prune(folder, settings.backup_retention_days, now)
            print(
                f"relay: backup written to {written}; {len(removed)} older than {settings.backup_retention_days} days deleted"
            )
            return 0
        restore(store, Path(args.file), force=args.force)
        print(f"relay: restored {args.file}")
        return 0
    except BackupError as error:
        print(f"relay: {error}", file=sys.stderr)
        return 1


def create_account(store: Store, args: argparse.Namespace) -> int:
    from argon2 import PasswordHasher

    role = Role(args.role)
    if role.station_bound and not args.station:
        print(f"relay: a {role.value} account needs at least one --station", file=sys.stderr)
        return 2
    if not role.station_bound and args.station:
        print("relay: --station is only for roles 'station' and 'officer'", file=sys.stderr)
        return 2
    if role is Role.OFFICER and not args.name:
        print("relay: an officer account needs --name (shown on the items they are responsible for)", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")
    if len(password) < 10:
        print("relay: the password must be at least 10 characters", file=sys.stderr)
        return 2
    store.migrate()
    if store.account(args.username):
        print(f"relay: user '{args.username}' exists", file=sys.stderr)
        return 1
    store.create_account(
        args.username,
        PasswordHasher().hash(password),
        role,
        args.station,
        dt.datetime.now(dt.UTC),
        email=args.email,
        display_name=args.name,
    )
    print(f"relay: created {role.value} '{args.username}'")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def remind(store: Store, settings: Settings) -> int:
    from .casework import Planner
    from .casework.reminders import send_due_reminders
    from .stations import load_stations

    planner = Planner(load_stations(settings.stations), settings, officers=store.officers_of)
    sent = send_due_reminders(store, planner, dt.datetime.now(dt.UTC))
    print(f"relay: queued {sent} reminder(s)")
    return 0


def run_notifications(store: Store, settings: Settings, args: argparse.Namespace) -> int:
    from . import mailer, notices
    from .casework import current_deadline, describe_time_left
    from .stations import load_stations
    from .timefmt import local_time

    now = dt.datetime.now(dt.UTC)
    if args.command == "worker":
        if args.once:
            report = mailer.deliver_due(store, settings, now)
            print(f"relay: sent {report.sent}, failed {report.failed}, still queued {store.outbox.pending_count()}")
            return 0
        mailer.run_worker(store, settings, interval=args.interval)
        return 0
    rows = store.overdue_items(now)
    if args.command == "overdue":
        for row in rows:
            deadline = current_deadline(row)
            left, _ = describe_time_left(deadline, now)
            print(
                f"{row.receipt_code}\t{row.station}\t{row.kind.value}\t{row.status.value}\t{local_time(deadline) if deadline else ''}\t{left}"
            )
        print(f"relay: {len(rows)} overdue", file=sys.stderr)
        return 1 if rows else 0
    if not rows:
        print("relay: nothing overdue, no digest")
        return 0
    subject, body = notices.overdue_digest(rows, load_stations(settings.stations), settings)
    recipients = [a.email for a in store.accounts() if a.email and not a.disabled and not a.role.station_bound]
    for recipient in recipients:
        store.outbox.add(recipient, subject, body, now)
    print(f"relay: digest of {len(rows)} overdue items queued for {len(recipients)} recipients")
    return 0
