"""Database fixtures for the service tests: an SQLite file, and a PostgreSQL schema when configured.

Same approach as tests/storage/conftest.py (a throw-away schema per test via search_path), reused
through its importable `Database` helper.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.storage.url import database_url
from tests.storage.dbfixtures import Database

POSTGRES_ENV = "OMRADESBOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "OMRADESBOT_REQUIRE_POSTGRES"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database: an SQLite file, or a fresh schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield Database("sqlite", database_url(f"sqlite:///{tmp_path / 'db' / 'bot.db'}"))
        return
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(f"PostgreSQL tests skipped: set {POSTGRES_ENV} to run them")
    url = database_url(raw)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL unreachable: {error}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message} ({REQUIRE_ENV}=1)")
        pytest.skip(message)
    schema = f"t_{secrets.token_hex(6)}"
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        yield Database("postgres", url, {"server_settings": {"search_path": schema}})
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()
