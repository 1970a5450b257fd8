"""database_url: the plain URLs operators copy become async ones; anything else is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.storage import create_engine, database_url, safe_url


@pytest.mark.parametrize(
    ("raw", "driver", "host", "port", "database"),
    [
        ("postgresql://user@db.example:5432/bot", "postgresql+asyncpg", "db.example", 5432, "bot"),
        ("postgres://user@db.example/bot", "postgresql+asyncpg", "db.example", None, "bot"),
        ("postgresql+asyncpg://user@h:5433/bot", "postgresql+asyncpg", "h", 5433, "bot"),
        ("postgresql+psycopg2://user@h/bot", "postgresql+asyncpg", "h", None, "bot"),
        ("  postgresql://user@h/bot\n", "postgresql+asyncpg", "h", None, "bot"),
        ("sqlite:///:memory:", "sqlite+aiosqlite", None, None, ":memory:"),
    ],
)
def test_accepts_the_forms_operators_copy(
    raw: str, driver: str, host: str | None, port: int | None, database: str
) -> None:
    url = database_url(raw)
    assert (url.drivername, url.host, url.port, url.database) == (driver, host, port, database)


@pytest.mark.parametrize("scheme", ["sqlite", "sqlite+aiosqlite"])
def test_sqlite_file_gets_its_directory(
    scheme: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    relative = database_url(f"{scheme}:///data/nested/bot.db")
    absolute = database_url(f"{scheme}:///{tmp_path}/abs/bot.db")
    assert relative.drivername == absolute.drivername == "sqlite+aiosqlite"
    assert relative.database == "data/nested/bot.db"
    assert (tmp_path / "data" / "nested").is_dir()
    assert (tmp_path / "abs").is_dir()


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("not a url", "not a database URL"),
        ("mysql://user@h/bot", "'mysql'"),
        ("http://example.org/", "'http'"),
        ("postgresql://user@h:5432", "names no PostgreSQL database"),
        ("sqlite://host/bot.db", "three slashes"),
    ],
)
def test_refuses_anything_else_with_a_clear_error(raw: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match="OMRADESBOT_DATABASE_URL") as caught:
        database_url(raw)
    assert fragment in str(caught.value)


def test_password_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    url = database_url("postgresql://bot:s3cret-pw@h:5432/bot")
    assert url.password == "s3cret-pw"  # the driver still gets it
    assert "s3cret-pw" not in safe_url(url)
    assert "s3cret-pw" not in repr(url)
    with caplog.at_level(logging.DEBUG, logger="bot.storage"):
        create_engine(url)
    assert caplog.records
    assert "s3cret-pw" not in caplog.text


def test_error_for_bad_driver_does_not_echo_the_password() -> None:
    with pytest.raises(ConfigError) as caught:
        database_url("mysql://bot:s3cret-pw@h/bot")
    assert "s3cret-pw" not in str(caught.value)


def test_sqlite_directory_that_cannot_be_made_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    with pytest.raises(ConfigError, match="cannot create the directory"):
        database_url(f"sqlite:///{blocker}/bot.db")
