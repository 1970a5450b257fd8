"""Running in production: webhook settings, one process per SQLite file, JSON logs, readiness."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.errors import ConfigError, StorageError
from bot.health import check_readiness
from bot.instance_lock import instance_lock
from bot.storage import create_engine, session_factory
from bot.storage.url import database_url
from bot.telegram.logs import configure_logging

TOKEN = "4242424242:AAE-operations-test-token"


@pytest.fixture
def bot_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A token and an SQLite file in the environment; no webhook settings."""
    for name in ("OMRADESBOT_WEBHOOK_URL", "OMRADESBOT_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    database = tmp_path / "data" / "bot.db"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("OMRADESBOT_DATABASE_URL", f"sqlite:///{database}")
    return database


def test_webhook_mode_without_a_url_is_a_clear_error(
    bot_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--webhook"]) == 2
    assert "webhook mode needs OMRADESBOT_WEBHOOK_URL" in capsys.readouterr().err


def test_webhook_url_without_a_secret_is_a_clear_error(
    bot_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The URL alone switches to webhook mode; then the secret is required.
    monkeypatch.setenv("OMRADESBOT_WEBHOOK_URL", "https://bot.example.test/telegram")
    assert main(["run"]) == 2
    assert "webhook mode needs OMRADESBOT_WEBHOOK_SECRET" in capsys.readouterr().err


def test_a_second_process_on_one_sqlite_file_is_refused(
    bot_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = instance_lock(database_url(f"sqlite:///{bot_env}"))
    assert first is not None
    with first:
        assert main(["run"]) == 1
        err = capsys.readouterr().err
        assert f"already running on the SQLite database {bot_env.resolve()}" in err
        assert "move to PostgreSQL" in err
    # Once the first process is gone, the file is free again.
    second = instance_lock(database_url(f"sqlite:///{bot_env}"))
    assert second is not None
    with second:
        third = instance_lock(database_url(f"sqlite:///{bot_env}"))
        assert third is not None
        with pytest.raises(StorageError, match=r"pid \d+"):
            third.acquire()


def test_only_sqlite_files_take_the_process_lock() -> None:
    assert instance_lock(database_url("sqlite:///:memory:")) is None
    assert instance_lock(database_url("postgresql://bot@db.example:5432/bot")) is None


def test_json_logs_are_one_object_per_line_with_the_traceback_inside() -> None:
    stream = io.StringIO()
    root_level = logging.getLogger().level
    handler = configure_logging("INFO", secrets=[TOKEN], stream=stream, log_format="json")
    try:
        log = logging.getLogger("bot.test")
        log.info("delivery %d sent to chat %d", 5, 7001)
        try:
            raise RuntimeError(f"token {TOKEN} inside")
        except RuntimeError:
            log.exception("sending failed")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(root_level)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "delivery 5 sent to chat 7001"
    assert first["level"] == "INFO"
    assert first["logger"] == "bot.test"
    assert first["time"].endswith("+00:00")
    assert "RuntimeError: token *** inside" in second["exception"]
    assert TOKEN not in stream.getvalue()


def test_log_format_setting() -> None:
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"OMRADESBOT_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(ConfigError, match="OMRADESBOT_LOG_FORMAT: expected one of text, json"):
        Settings.from_env({"OMRADESBOT_LOG_FORMAT": "xml"})


async def test_readiness_reports_an_unreachable_database_without_credentials() -> None:
    engine = create_engine("postgresql://bot:hunter2@127.0.0.1:1/bot")
    try:
        readiness = await check_readiness(session_factory(engine), lambda: "standby", timeout=5)
    finally:
        await engine.dispose()
    assert not readiness.ready
    assert readiness.database.startswith("unreachable")
    assert readiness.role == "standby"
    assert readiness.backlog is None
    assert "hunter2" not in json.dumps(readiness.to_json())
    assert readiness.to_json()["status"] == "unavailable"
