"""Database fixtures: each storage test runs on an SQLite file and on its own PostgreSQL schema."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from dbfixtures import Database
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage import database_url, session_factory, upgrade

POSTGRES_ENV = "OMRADESBOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "OMRADESBOT_REQUIRE_POSTGRES"


async def _postgres_database() -> AsyncIterator[Database]:
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(
            f"PostgreSQL tests skipped: set {POSTGRES_ENV} (CI uses postgresql://postgres@127.0.0.1:5432/test)"
        )
    url = database_url(raw)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {url.render_as_string(hide_password=True)} unreachable: {error}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message} ({REQUIRE_ENV}=1)")
        pytest.skip(message)
    schema = f"t_{secrets.token_hex(6)}"
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        # search_path makes every unqualified table, alembic_version included, live in the
        # schema, so tests neither see each other's rows nor leave any behind.
        yield Database("postgres", url, {"server_settings": {"search_path": schema}})
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database, once as an SQLite file and once as a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield Database("sqlite", database_url(f"sqlite:///{tmp_path / 'db' / 'bot.db'}"))
        return
    async for database in _postgres_database():
        yield database


@pytest.fixture
async def empty_engine(database: Database) -> AsyncIterator[AsyncEngine]:
    """An engine on the empty, unmigrated database."""
    engine = database.engine()
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(empty_engine: AsyncEngine) -> AsyncEngine:
    """An engine on a database migrated to head."""
    await upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The production session factory on the migrated database."""
    return session_factory(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session; tests open transactions with `async with session.begin():`."""
    async with sessions() as session:
        yield session
