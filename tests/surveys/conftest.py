"""Survey test fixtures: a migrated database (SQLite and PostgreSQL) and its sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import session_factory, upgrade
from tests.databases import Database


@pytest.fixture
async def sessions(database: Database) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The production session factory on a database migrated to head."""
    engine = database.engine()
    await upgrade(engine)
    yield session_factory(engine)
    await engine.dispose()
