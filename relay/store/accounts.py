"""Console accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select

from ..models import Role, user_stations, users
from .core import StoreBase


class AccountStore(StoreBase):
    def create_user(self, username: str, password_hash: str, role: Role, stations: list[str], now: dt.datetime) -> int:
        with self.writing() as conn:
            user_id = conn.execute(
                insert(users).values(
                    username=username, password_hash=password_hash, role=role, created_at=now, disabled=False
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            for station in stations:
                conn.execute(insert(user_stations).values(user_id=user_id, station=station))
        return int(user_id)

    def user(self, username: str) -> dict[str, Any] | None:
        with self.reading() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
            if row is None:
                return None
            stations = list(
                conn.execute(select(user_stations.c.station).where(user_stations.c.user_id == row.id)).scalars()
            )
        return {**row._mapping, "stations": stations}
