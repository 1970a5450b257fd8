"""Fixtures for the visuals tests: the real content, a fixed 'now', PNG checks, a database."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content, load_content
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.storage.url import database_url
from bot.visuals.png import PNG_SIGNATURE, png_dimensions

ROOT = Path(__file__).resolve().parents[2]
# Between the article's spring 2021 survey and the autumn 2021 start: some steps done, two ahead.
WINTER_2021 = dt.datetime(2021, 1, 15, 12, 0, tzinfo=STOCKHOLM)
POSTGRES_ENV = "OMRADESBOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "OMRADESBOT_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def real_content() -> Content:
    """content/ as shipped (the article's milestones, the UI texts)."""
    return load_content(ROOT / "content")


def assert_sensible_png(data: bytes, *, width: int = 1080) -> tuple[int, int]:
    """A real PNG, phone width, between 10 KB and 2 MB; returns (width, height)."""
    assert data.startswith(PNG_SIGNATURE)
    size = png_dimensions(data)
    assert size[0] == width
    assert 400 <= size[1] <= 4000
    assert 10_000 < len(data) < 2_000_000
    return size


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated database: an SQLite file, or a fresh schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        engine = create_engine(database_url(f"sqlite:///{tmp_path / 'bot.db'}"))
        await upgrade(engine)
        yield engine
        await engine.dispose()
        return
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(f"PostgreSQL tests skipped: set {POSTGRES_ENV}")
    url = database_url(raw)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"PostgreSQL unreachable: {error} ({REQUIRE_ENV}=1)")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    schema = f"v_{secrets.token_hex(6)}"
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The production session factory on the migrated database."""
    return session_factory(engine)
