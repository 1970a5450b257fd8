"""Run the Alembic migrations shipped inside the package, from any working directory."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import StorageError
from bot.storage.engine import create_engine
from bot.storage.url import safe_url

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations; no alembic.ini needed.

    With `connection`, env.py migrates over it instead of opening its own.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of the bot."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(target: AsyncEngine | URL | str, revision: str = "head") -> None:
    """Migrate the database to `revision` (default the newest); StorageError when it fails."""
    engine, owned = _engine_for(target)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_sync, revision)
    except (SQLAlchemyError, OSError) as error:
        raise StorageError(f"could not migrate {safe_url(engine.url)}: {error}") from error
    finally:
        if owned:
            await engine.dispose()
    log.info("database %s migrated to %s", safe_url(engine.url), revision)


async def current_revision(target: AsyncEngine | URL | str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    engine, owned = _engine_for(target)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_sync)
    except (SQLAlchemyError, OSError) as error:
        raise StorageError(f"could not read {safe_url(engine.url)}: {error}") from error
    finally:
        if owned:
            await engine.dispose()


def _engine_for(target: AsyncEngine | URL | str) -> tuple[AsyncEngine, bool]:
    if isinstance(target, AsyncEngine):
        return target, False
    return create_engine(target), True


def _upgrade_sync(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def _current_sync(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
