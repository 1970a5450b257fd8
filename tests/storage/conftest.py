"""Database fixtures: each storage test runs on an SQLite file and on its own PostgreSQL schema.

The `database` fixture itself (both backends) lives in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from dbfixtures import Database
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage import session_factory, upgrade


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
