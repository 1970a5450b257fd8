"""Alembic environment: migrates over the connection `bot.storage.migrate` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.storage.models import Base

target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    """Configure Alembic for `connection` and run the pending migrations."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through bot.storage.migrate.upgrade (or `omradesbot db upgrade`), "
        "which passes the connection in"
    )
run_migrations(connection)
