"""When the weekly digest is due: OMRADESBOT_DIGEST and the schedule it makes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.config import DigestSchedule, Settings
from bot.core.digest import last_due, next_due
from bot.errors import ConfigError

TOKEN = "4242424242:AAE-digest-test-token"


def test_digest_schedule_from_the_environment() -> None:
    base = {"TELEGRAM_BOT_TOKEN": TOKEN}
    assert Settings.from_env(base).digest == DigestSchedule(0, dt.time(8, 0))
    assert Settings.from_env({**base, "OMRADESBOT_DIGEST": "Fri 16:30"}).digest == DigestSchedule(
        4, dt.time(16, 30)
    )
    assert Settings.from_env({**base, "OMRADESBOT_DIGEST": "off"}).digest is None
    for bad in ("monday", "mon 25:00", "xyz 08:00", "mon 8", "mon 08:00 extra"):
        with pytest.raises(ConfigError, match="OMRADESBOT_DIGEST"):
            Settings.from_env({**base, "OMRADESBOT_DIGEST": bad})


def test_the_digest_is_due_on_the_configured_weekday_and_time() -> None:
    schedule = DigestSchedule(0, dt.time(8, 0))
    sunday = dt.datetime(2026, 11, 29, 23, 0, tzinfo=STOCKHOLM)
    assert next_due(schedule, sunday) == dt.datetime(2026, 11, 30, 8, 0, tzinfo=STOCKHOLM)
    monday = dt.datetime(2026, 11, 30, 8, 0, tzinfo=STOCKHOLM)
    assert last_due(schedule, monday) == monday
    assert next_due(schedule, monday) == monday + dt.timedelta(days=7)
