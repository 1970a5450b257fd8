"""Dialect-specific statements the queries need (INSERT … ON CONFLICT exists in both, apart)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    """'sqlite' or 'postgresql' for the database behind `session`."""
    return session.get_bind().dialect.name


def insert_ignoring_conflicts(session: AsyncSession, table: Any) -> Any:
    """An INSERT for `table` that silently skips rows violating a unique constraint."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def upsert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT for `table`, which has `on_conflict_do_update`."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
