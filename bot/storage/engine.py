"""Create the async engine and session factory for a database URL; SQLite gets safe pragmas."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import URL, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import StaticPool

from bot.storage.url import database_url, is_memory, safe_url

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5_000


def create_engine(
    url: URL | str, *, connect_args: Mapping[str, Any] | None = None, echo: bool = False
) -> AsyncEngine:
    """Build the engine for `url` (any form `database_url` accepts); nothing connects yet.

    `connect_args` go to the driver, e.g. `{"server_settings": {"search_path": "x"}}` for
    asyncpg.
    """
    if isinstance(url, str):
        url = database_url(url)
    kwargs: dict[str, Any] = {
        "echo": echo,
        "connect_args": dict(connect_args or {}),
        # A failed statement's error would otherwise carry its parameters (a resident's question
        # text) into the logs; the SQL and the error are enough to debug.
        "hide_parameters": True,
    }
    if url.get_backend_name() == "sqlite":
        if is_memory(url):
            # Each connection to :memory: is a new, empty database; share the one connection.
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
    engine = _create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(memory=is_memory(url)))
    log.debug("database engine for %s", safe_url(url))
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(*, memory: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                # WAL lets the sender write while handlers read, without "database is locked".
                cursor.execute("PRAGMA journal_mode=WAL")
                # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit costs
                # ~0.02 ms instead of ~2 ms here. A crash of the bot loses nothing; only a power
                # loss or OS crash may roll back the last commits (docs/delivery.md).
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    return on_connect
