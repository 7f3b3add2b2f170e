"""The migrations build exactly the tables the code declares (relay/models.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from relay.models import metadata
from relay.store import Store


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False, "compare_server_default": False})
        differences = [
            d
            for d in compare_metadata(context, metadata)
            if not (isinstance(d, tuple) and d[0] in ("add_index", "remove_index", "add_fk", "remove_fk"))
        ]
    assert differences == []
