"""Migrations: the packaged Alembic scripts build exactly the schema the models describe."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from dbfixtures import Database
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import StorageError
from bot.storage import (
    Base,
    create_engine,
    current_revision,
    head_revision,
    session_factory,
    upgrade,
)
from bot.storage.models import Resident


def _schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_reaches_head(empty_engine: AsyncEngine) -> None:
    assert await current_revision(empty_engine) is None
    await upgrade(empty_engine)
    assert await current_revision(empty_engine) == head_revision()
    async with empty_engine.connect() as connection:
        tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    assert set(Base.metadata.tables) | {"alembic_version"} == tables


async def test_upgrade_twice_is_harmless(engine: AsyncEngine) -> None:
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_schema_differences)
    assert differences == []


async def test_models_changed_without_migration_would_be_noticed(
    empty_engine: AsyncEngine,
) -> None:
    # The comparison above must be able to fail: an unmigrated database differs from the models.
    async with empty_engine.connect() as connection:
        differences = await connection.run_sync(_schema_differences)
    assert len(differences) >= len(Base.metadata.tables)


async def test_upgrade_from_a_url_in_another_directory(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The packaged migrations are found whatever the working directory (no alembic.ini).
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    if database.backend == "sqlite":
        await upgrade(database.url)
        assert await current_revision(database.url) == head_revision()
    else:
        engine = database.engine()
        try:
            await upgrade(engine)
            assert await current_revision(engine) == head_revision()
        finally:
            await engine.dispose()


async def test_a_file_that_is_no_database_is_a_storage_error(tmp_path: Path) -> None:
    garbage = tmp_path / "bot.db"
    garbage.write_bytes(b"this is not an SQLite database, just text" * 100)
    with pytest.raises(StorageError, match="could not migrate"):
        await upgrade(f"sqlite:///{garbage}")


async def test_unreachable_postgres_is_a_storage_error_without_password() -> None:
    # Port 1 on localhost: nothing listens, the connection is refused at once.
    with pytest.raises(StorageError, match="could not migrate") as caught:
        await upgrade("postgresql://bot:s3cret-pw@127.0.0.1:1/bot")
    assert "s3cret-pw" not in str(caught.value)


async def test_aware_datetimes_round_trip(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    stockholm_evening = dt.datetime(2027, 1, 15, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    async with sessions() as session, session.begin():
        session.add(
            Resident(
                chat_id=1, language="sv", created_at=stockholm_evening, updated_at=stockholm_evening
            )
        )
    async with sessions() as session:
        stored = await session.get(Resident, 1)
        assert stored is not None
        assert stored.created_at == stockholm_evening
        assert stored.created_at.utcoffset() == dt.timedelta(0)
        assert stored.created_at.hour == 17


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    naive = dt.datetime(2027, 1, 15, 18, 0)
    with pytest.raises(Exception, match="naive datetime"):
        async with sessions() as session, session.begin():
            session.add(Resident(chat_id=1, language="sv", created_at=naive, updated_at=naive))


async def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
            timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
            synchronous = (await connection.execute(text("PRAGMA synchronous"))).scalar()
    finally:
        await engine.dispose()
    assert (journal, foreign_keys, timeout) == ("wal", 1, 5000)
    assert synchronous == 1  # NORMAL: no fsync per commit in WAL mode
