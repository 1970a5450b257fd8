"""The core of deep-link starts, without Telegram: groups, counts, the /stats lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import build_services
from bot.config import DEFAULT_TIMEZONE, Settings
from bot.content import Content
from bot.core.invitations import starts_lines
from bot.domain import Caller
from bot.services import Services
from bot.storage.starts import WeeklyStarts, starts_since

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2027, 3, 3, 12, 0, tzinfo=DEFAULT_TIMEZONE)  # a Wednesday


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}", content_dir=ROOT / "content"
    )
    services = build_services(settings, clock=lambda: NOW)
    await services.prepare_database()
    yield services
    await services.close()


async def _counted(services: Services) -> list[WeeklyStarts]:
    async with services.sessions() as session:
        return await starts_since(session, NOW.date())


async def test_a_link_pasted_in_a_group_is_an_ordinary_welcome(services: Services) -> None:
    assert services.invitations is not None
    group = Caller(chat_id=-100, private=False, language_code="sv")

    welcome = await services.invitations.start(group, "balltorp-en")

    assert welcome == await services.invitations.start(group, None)
    assert await _counted(services) == []


async def test_a_start_is_counted_in_its_local_week(services: Services) -> None:
    assert services.invitations is not None
    await services.invitations.start(Caller(chat_id=1), "balltorp-en-trapphus")
    await services.invitations.start(Caller(chat_id=2), "balltorp-en-trapphus")
    await services.invitations.start(Caller(chat_id=3), "kallered")

    monday = dt.date(2027, 3, 1)
    assert await _counted(services) == [
        WeeklyStarts(monday, "balltorp", "en", "trapphus", 2),
        WeeklyStarts(monday, "kallered", None, None, 1),
    ]
    # Without a language in the link, the resident's own stays theirs to choose.
    assert await services.residents.language(Caller(chat_id=3, language_code="en")) == "en"


async def test_without_a_username_there_is_no_share_button(services: Services) -> None:
    assert services.invitations is not None
    welcome = await services.invitations.start(Caller(chat_id=1), "balltorp")
    assert all(button.url is None for row in welcome.buttons for button in row)


def test_stats_lines_group_links_by_week(content: Content) -> None:
    this, last = dt.date(2027, 3, 1), dt.date(2027, 2, 22)
    starts = [
        WeeklyStarts(this, "balltorp", "sv", "trapphus", 3),
        WeeklyStarts(this, "all", None, None, 1),
        WeeklyStarts(last, "kallered", "en", "bibliotek", 2),
    ]

    text = starts_lines(starts, content.texts, "en")

    assert text.splitlines() == [
        "Starts through a link or poster, per week:",
        "week 9 (2027-03-01): Balltorp sv trapphus: 3; Both areas – –: 1",
        "week 8 (2027-02-22): Kållered en bibliotek: 2",
    ]
    assert starts_lines([], content.texts, "sv") == content.texts.get(
        "staff_stats_starts_none", "sv"
    )
