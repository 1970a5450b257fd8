"""Turn the database URL operators copy from docs into one SQLAlchemy can drive asynchronously."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"

# Operators paste what their hosting panel or the PostgreSQL docs show; each maps to one driver.
_DRIVERS: dict[str, str] = {
    "sqlite": SQLITE_DRIVER,
    "sqlite+aiosqlite": SQLITE_DRIVER,
    "sqlite+pysqlite": SQLITE_DRIVER,
    "postgresql": POSTGRES_DRIVER,
    "postgres": POSTGRES_DRIVER,
    "postgresql+asyncpg": POSTGRES_DRIVER,
    "postgresql+psycopg": POSTGRES_DRIVER,
    "postgresql+psycopg2": POSTGRES_DRIVER,
}

_EXAMPLES = "sqlite:///data/omradesbot.db or postgresql://user@host:5432/db"


def database_url(raw: str) -> URL:
    """Parse `raw` and choose the async driver; raise ConfigError for anything unsupported.

    The parent directory of an SQLite file is created, so the embedded default works on a
    fresh checkout.
    """
    text = raw.strip()
    if not text:
        raise ConfigError(f"OMRADESBOT_DATABASE_URL is empty; use e.g. {_EXAMPLES}")
    try:
        url = make_url(text)
    except ArgumentError:
        raise ConfigError(
            f"OMRADESBOT_DATABASE_URL is not a database URL; use e.g. {_EXAMPLES}"
        ) from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise ConfigError(
            f"OMRADESBOT_DATABASE_URL uses {url.drivername!r}, which is not supported; "
            f"use e.g. {_EXAMPLES}"
        )
    url = url.set(drivername=driver)
    if driver == SQLITE_DRIVER:
        if url.host:
            raise ConfigError(
                "OMRADESBOT_DATABASE_URL: an SQLite URL has three slashes before a relative "
                "path (sqlite:///data/bot.db) and four before an absolute one"
            )
        if not is_memory(url):
            assert url.database is not None
            directory = Path(url.database).expanduser().parent
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ConfigError(
                    f"OMRADESBOT_DATABASE_URL: cannot create the directory {directory}: "
                    f"{error.strerror}"
                ) from error
    elif not url.database:
        raise ConfigError("OMRADESBOT_DATABASE_URL names no PostgreSQL database (…:5432/<db>)")
    return url


def is_memory(url: URL) -> bool:
    """True for an in-memory SQLite database, which lives only as long as its connection."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def safe_url(url: URL) -> str:
    """The URL as text for logs and errors, with any password replaced by `***`."""
    return url.render_as_string(hide_password=True)
