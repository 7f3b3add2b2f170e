"""Console accounts and their server-side sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from ..casework.change import Officer
from ..models import Role, sessions, user_stations, users
from .core import StoreBase


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: Role
    stations: tuple[str, ...]
    email: str | None
    disabled: bool
    password_hash: str
    display_name: str | None = None

    @property
    def shown_name(self) -> str:
        """How the account appears on items: the officer's name, else the username."""
        return self.display_name or self.username


@dataclass(frozen=True)
class SessionRow:
    id: int
    user_id: int
    csrf_token: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    revoked_at: dt.datetime | None


class AccountStore(StoreBase):
    def create_account(
        self,
        username: str,
        password_hash: str,
        role: Role,
        stations: list[str],
        now: dt.datetime,
        email: str | None = None,
        display_name: str | None = None,
    ) -> int:
        with self.writing() as conn:
            user_id = conn.execute(
                insert(users).values(
                    username=username,
                    password_hash=password_hash,
                    role=role,
                    created_at=now,
                    disabled=False,
                    email=email,
                    display_name=display_name,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            for station in stations:
                conn.execute(insert(user_stations).values(user_id=user_id, station=station))
        return int(user_id)

    def account(self, username: str | None = None, user_id: int | None = None) -> Account | None:
        query = select(users)
        query = (
            query.where(users.c.username == username) if username is not None else query.where(users.c.id == user_id)
        )
        with self.reading() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            stations = tuple(
                conn.execute(
                    select(user_stations.c.station)
                    .where(user_stations.c.user_id == row.id)
                    .order_by(user_stations.c.station)
                ).scalars()
            )
        return Account(
            row.id, row.username, row.role, stations, row.email, row.disabled, row.password_hash, row.display_name
        )

    def accounts(self) -> list[Account]:
        with self.reading() as conn:
            names = list(conn.execute(select(users.c.username).order_by(users.c.username)).scalars())
        return [a for a in (self.account(username=n) for n in names) if a is not None]

    def officers_of(self, station: str) -> list[Officer]:
        """The station's enabled officer accounts, by name: who its items can be assigned to."""
        query = (
            select(users.c.username, users.c.display_name, users.c.email)
            .join(user_stations, user_stations.c.user_id == users.c.id)
            .where(user_stations.c.station == station, users.c.role == Role.OFFICER, users.c.disabled.is_(False))
            .order_by(users.c.display_name, users.c.username)
        )
        with self.reading() as conn:
            return [Officer(r.username, r.display_name or r.username, r.email) for r in conn.execute(query)]

    def set_password(self, user_id: int, password_hash: str) -> None:
        with self.writing() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))

    def set_disabled(self, user_id: int, disabled: bool, now: dt.datetime) -> None:
        with self.writing() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(disabled=disabled))
            if disabled:
                conn.execute(
                    update(sessions)
                    .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
                    .values(revoked_at=now)
                )

    # -- sessions -----------------------------------------------------------

    def create_session(self, user_id: int, token_hash: str, csrf_token: str, now: dt.datetime) -> SessionRow:
        """A new session of the account, last seen ``now``: the row as ``session`` would read it back."""
        with self.writing() as conn:
            session_id = conn.execute(
                insert(sessions).values(
                    token_hash=token_hash, user_id=user_id, csrf_token=csrf_token, created_at=now, last_seen_at=now
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        moment = now.astimezone(dt.UTC)
        return SessionRow(
            id=session_id,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=moment,
            last_seen_at=moment,
            revoked_at=None,
        )

    def session(self, token_hash: str) -> SessionRow | None:
        with self.reading() as conn:
            row = conn.execute(
                select(
                    sessions.c.id,
                    sessions.c.user_id,
                    sessions.c.csrf_token,
                    sessions.c.created_at,
                    sessions.c.last_seen_at,
                    sessions.c.revoked_at,
                ).where(sessions.c.token_hash == token_hash)
            ).first()
        return SessionRow(**row._mapping) if row else None

    def has_session_token(self, user_id: int, csrf_token: str) -> bool:
        """Whether ``csrf_token`` is the token of one of this account's sessions, ended ones too."""
        query = select(sessions.c.id).where(sessions.c.user_id == user_id, sessions.c.csrf_token == csrf_token)
        with self.reading() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def touch_session(self, session_id: int, now: dt.datetime) -> None:
        with self.writing() as conn:
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(last_seen_at=now))

    def revoke_session(self, session_id: int, now: dt.datetime) -> None:
        with self.writing() as conn:
            conn.execute(
                update(sessions)
                .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    def revoke_sessions_of(self, user_id: int, now: dt.datetime) -> None:
        with self.writing() as conn:
            conn.execute(
                update(sessions)
                .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    def delete_old_sessions(self, before: dt.datetime) -> None:
        with self.writing() as conn:
            conn.execute(delete(sessions).where(sessions.c.created_at < before))
