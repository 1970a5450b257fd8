"""Settings from the environment: defaults, valid and invalid values, the masked token."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import Secret, Settings
from bot.errors import ConfigError

TOKEN = "123456789:AAEhBP0av28-secret_Part"


def test_defaults_without_any_variable() -> None:
    settings = Settings.from_env({})
    assert settings.telegram_token is None
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.database_url == "sqlite:///data/omradesbot.db"
    assert settings.staff_ids == frozenset()
    assert settings.staff_chat_id is None
    assert settings.content_dir == Path("content")
    assert settings.timezone.key == "Europe/Stockholm"
    assert settings.question_retention_days == 90
    assert settings.flood_limit == 20
    assert settings.send_rate == 30.0
    assert settings.misfire_grace == dt.timedelta(hours=6)
    assert settings.remind_default == (dt.timedelta(days=7), dt.timedelta(days=1))
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert (settings.listen_host, settings.listen_port) == ("127.0.0.1", 8080)
    assert settings.ticket_limit == 3
    assert settings.failover_seconds == 15.0
    assert settings.log_level == "INFO"


def test_empty_values_count_as_unset() -> None:
    assert Settings.from_env({"TELEGRAM_BOT_TOKEN": "", "OMRADESBOT_FLOOD_LIMIT": "  "}) == (
        Settings.from_env({})
    )


@pytest.mark.parametrize(
    ("name", "raw", "attribute", "expected"),
    [
        (
            "TELEGRAM_API_URL",
            "http://127.0.0.1:8081/bot",
            "telegram_api_url",
            "http://127.0.0.1:8081/bot",
        ),
        (
            "OMRADESBOT_DATABASE_URL",
            "postgresql://postgres@127.0.0.1:5432/test",
            "database_url",
            "postgresql://postgres@127.0.0.1:5432/test",
        ),
        (
            "OMRADESBOT_DATABASE_URL",
            "sqlite+aiosqlite:///x.db",
            "database_url",
            "sqlite+aiosqlite:///x.db",
        ),
        ("OMRADESBOT_STAFF_IDS", " 12345, 67890 ,", "staff_ids", frozenset({12345, 67890})),
        ("OMRADESBOT_STAFF_CHAT_ID", "-1001234", "staff_chat_id", -1001234),
        ("OMRADESBOT_CONTENT_DIR", "/srv/content", "content_dir", Path("/srv/content")),
        ("OMRADESBOT_QUESTION_RETENTION_DAYS", "1", "question_retention_days", 1),
        ("OMRADESBOT_FLOOD_LIMIT", "5", "flood_limit", 5),
        ("OMRADESBOT_SEND_RATE", "0.5", "send_rate", 0.5),
        ("OMRADESBOT_BROADCAST_RATE", "20", "broadcast_rate", 20.0),
        ("OMRADESBOT_MISFIRE_GRACE", "30m", "misfire_grace", dt.timedelta(minutes=30)),
        ("OMRADESBOT_MISFIRE_GRACE", "1d", "misfire_grace", dt.timedelta(days=1)),
        (
            "OMRADESBOT_REMIND_DEFAULT",
            "1d, 2h,7d",
            "remind_default",
            (dt.timedelta(days=7), dt.timedelta(days=1), dt.timedelta(hours=2)),
        ),
        (
            "OMRADESBOT_WEBHOOK_URL",
            "https://bot.example.org/hook",
            "webhook_url",
            "https://bot.example.org/hook",
        ),
        ("OMRADESBOT_TICKET_LIMIT", "10", "ticket_limit", 10),
        ("OMRADESBOT_FAILOVER_SECONDS", "2.5", "failover_seconds", 2.5),
        ("OMRADESBOT_LOG_LEVEL", "debug", "log_level", "DEBUG"),
    ],
)
def test_valid_value_is_read(name: str, raw: str, attribute: str, expected: object) -> None:
    assert getattr(Settings.from_env({name: raw}), attribute) == expected


def test_timezone_is_read() -> None:
    assert Settings.from_env({"OMRADESBOT_TIMEZONE": "UTC"}).timezone.key == "UTC"


def test_listen_accepts_host_and_ipv6() -> None:
    settings = Settings.from_env({"OMRADESBOT_LISTEN": "0.0.0.0:8443"})
    assert (settings.listen_host, settings.listen_port) == ("0.0.0.0", 8443)
    settings = Settings.from_env({"OMRADESBOT_LISTEN": "[::1]:9000"})
    assert (settings.listen_host, settings.listen_port) == ("::1", 9000)


@pytest.mark.parametrize(
    ("name", "raw", "expected_words"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "BotFather"),
        ("TELEGRAM_API_URL", "api.telegram.org/bot", "http"),
        ("TELEGRAM_API_URL", "ftp://x/bot", "http"),
        ("OMRADESBOT_DATABASE_URL", "data/omradesbot.db", "sqlite:///"),
        ("OMRADESBOT_DATABASE_URL", "mysql://x/db", "postgresql://"),
        ("OMRADESBOT_STAFF_IDS", "12345,alice", "'alice'"),
        ("OMRADESBOT_STAFF_IDS", "-5", "user ids"),
        ("OMRADESBOT_STAFF_CHAT_ID", "staff", "chat id"),
        ("OMRADESBOT_TIMEZONE", "Mars/Olympus", "Europe/Stockholm"),
        ("OMRADESBOT_QUESTION_RETENTION_DAYS", "0", "at least 1"),
        ("OMRADESBOT_QUESTION_RETENTION_DAYS", "ninety", "whole number"),
        ("OMRADESBOT_FLOOD_LIMIT", "-1", "at least 1"),
        ("OMRADESBOT_SEND_RATE", "0", "greater than 0"),
        ("OMRADESBOT_SEND_RATE", "fast", "greater than 0"),
        ("OMRADESBOT_SEND_RATE", "nan", "greater than 0"),
        ("OMRADESBOT_BROADCAST_RATE", "0", "greater than 0"),
        ("OMRADESBOT_MISFIRE_GRACE", "6 hours", "30m, 6h, 1d"),
        ("OMRADESBOT_REMIND_DEFAULT", "7d,tomorrow", "7d,1d"),
        ("OMRADESBOT_WEBHOOK_URL", "http://bot.example.org/hook", "https://"),
        ("OMRADESBOT_WEBHOOK_SECRET", "has spaces!", "A-Z"),
        ("OMRADESBOT_LISTEN", "8080", "HOST:PORT"),
        ("OMRADESBOT_LISTEN", "127.0.0.1:99999", "HOST:PORT"),
        ("OMRADESBOT_TICKET_LIMIT", "0", "at least 1"),
        ("OMRADESBOT_FAILOVER_SECONDS", "-3", "greater than 0"),
        ("OMRADESBOT_LOG_LEVEL", "LOUD", "INFO"),
    ],
)
def test_invalid_value_names_variable_and_expectation(
    name: str, raw: str, expected_words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: raw})
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert expected_words in message


def test_token_is_masked_in_repr_and_str() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert "secret_Part" not in repr(settings)
    assert "secret_Part" not in str(settings)
    assert "123456789:***" in repr(settings)
    assert str(settings.telegram_token) == "123456789:***"
    assert settings.require_token().reveal() == TOKEN


def test_malformed_token_is_not_echoed_in_the_error() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": "123456789 AAEhBP0av28secret"})
    assert "AAEhBP0av28secret" not in str(caught.value)


def test_webhook_secret_is_masked() -> None:
    settings = Settings.from_env({"OMRADESBOT_WEBHOOK_SECRET": "s3cr3t_value"})
    assert "s3cr3t_value" not in repr(settings)
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.reveal() == "s3cr3t_value"


def test_secret_compares_by_value_without_showing_it() -> None:
    assert Secret("1:a") == Secret("1:a")
    assert Secret("1:a") != Secret("1:b")
    assert repr(Secret("plain")) == "Secret('***')"


def test_require_token_explains_botfather() -> None:
    with pytest.raises(ConfigError, match="BotFather") as caught:
        Settings.from_env({}).require_token()
    assert "/newbot" in str(caught.value)
    assert "TELEGRAM_BOT_TOKEN" in str(caught.value)
