"""Alembic environment: the relay's tables, on the engine the Store hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from relay.models import metadata

engine = context.config.attributes.get("engine")
if engine is None:
    from relay.settings import load_settings

    engine = create_engine(load_settings().database)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
