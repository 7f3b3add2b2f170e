"""``relay``: serve, migrate, create-user, purge. ``relay --help`` lists them."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import sys

from .models import Role
from .settings import SettingsError, load_settings
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
    serve.add_argument("--no-migrate", action="store_true", help="do not run migrations first")
    commands.add_parser("migrate", help="bring the database schema up to date (Alembic)")
    user = commands.add_parser("create-user", help="create a console account")
    user.add_argument("username")
    user.add_argument("--role", choices=[r.value for r in Role], required=True)
    user.add_argument("--station", action="append", default=[], help="station slug (repeat; role 'station' only)")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    purge = commands.add_parser("purge", help="delete contact details and client hashes past the retention period")
    purge.add_argument("--days", type=int, help="retention in days (RELAY_RETENTION_DAYS, default 180)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"relay: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = Store(settings.database)
    if args.command == "migrate":
        store.migrate()
        print(f"relay: schema up to date ({store.engine.url.render_as_string(hide_password=True)})")
        return 0
    if args.command == "serve":
        import uvicorn

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
        )
        return 0
    if args.command == "create-user":
        return create_user(store, args)
    if args.command == "purge":
        days = args.days or settings.retention_days
        count = store.purge(dt.datetime.now(dt.UTC), days)
        print(f"relay: purged contact details of {count} items older than {days} days")
        return 0
    return 2


def create_user(store: Store, args: argparse.Namespace) -> int:
    from argon2 import PasswordHasher

    role = Role(args.role)
    if role is Role.STATION and not args.station:
        print("relay: a station account needs at least one --station", file=sys.stderr)
        return 2
    if role is not Role.STATION and args.station:
        print("relay: --station is only for role 'station'", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")
    if len(password) < 10:
        print("relay: the password must be at least 10 characters", file=sys.stderr)
        return 2
    store.migrate()
    if store.user(args.username):
        print(f"relay: user '{args.username}' exists", file=sys.stderr)
        return 1
    store.create_user(args.username, PasswordHasher().hash(password), role, args.station, dt.datetime.now(dt.UTC))
    print(f"relay: created {role.value} '{args.username}'")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
