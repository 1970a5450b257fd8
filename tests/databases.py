"""Throw-away test databases: an SQLite file, a PostgreSQL schema, or a whole PostgreSQL database.

The PostgreSQL server comes from OMRADESBOT_TEST_POSTGRES_URL. Unset: PostgreSQL variants skip
with a visible reason. Set but unreachable: they skip too, unless OMRADESBOT_REQUIRE_POSTGRES=1
(CI), where they fail.

- `postgres_schema()`: a fresh schema reached through `search_path`, for engines built in this
  process (connect_args).
- `postgres_database()`: a fresh database with a plain URL, for code that builds its own engine
  from a URL (`Services.create`, an `omradesbot run` subprocess).
- `postgres_admin()`: a superuser connection to the server, e.g. to terminate the bot's sessions.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import create_engine
from bot.storage.url import database_url

POSTGRES_ENV = "OMRADESBOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "OMRADESBOT_REQUIRE_POSTGRES"
CI_URL = "postgresql://postgres@127.0.0.1:5432/test"

# For `@pytest.fixture(params=BACKENDS)`: the PostgreSQL variant carries the `postgres` mark.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Database:
    """A throw-away database: its URL and what the engine must be told to stay inside it."""

    backend: str
    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)

    def engine(self) -> AsyncEngine:
        """A new engine on this database."""
        return create_engine(self.url, connect_args=self.connect_args)

    @property
    def plain_url(self) -> str:
        """The URL as an operator writes it (password kept), for settings and subprocesses."""
        return self.url.render_as_string(hide_password=False)


def sqlite_database(path: os.PathLike[str] | str) -> Database:
    """An SQLite file database at `path` (not created until first used)."""
    return Database("sqlite", database_url(f"sqlite:///{path}"))


@asynccontextmanager
async def postgres_admin() -> AsyncIterator[tuple[URL, asyncpg.Connection]]:
    """The test server's URL and a superuser connection to it (skip or fail as CI says)."""
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(f"PostgreSQL tests skipped: set {POSTGRES_ENV} (CI uses {CI_URL})")
    url = database_url(raw)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {url.render_as_string(hide_password=True)} unreachable: {error}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message} ({REQUIRE_ENV}=1)")
        pytest.skip(message)
    try:
        yield url, admin
    finally:
        await admin.close()


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[Database]:
    """A fresh schema on the test server, dropped afterwards with everything in it."""
    async with postgres_admin() as (url, admin):
        schema = f"t_{secrets.token_hex(6)}"
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            # search_path makes every unqualified table, alembic_version included, live in the
            # schema, so tests neither see each other's rows nor leave any behind.
            yield Database("postgres", url, {"server_settings": {"search_path": schema}})
        finally:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@asynccontextmanager
async def postgres_database() -> AsyncIterator[Database]:
    """A fresh database on the test server, reachable by a plain URL; dropped afterwards."""
    async with postgres_admin() as (url, admin):
        name = f"t_{secrets.token_hex(6)}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield Database("postgres", url.set(database=name))
        finally:
            # WITH (FORCE): a killed bot process may leave a session behind for a moment.
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
