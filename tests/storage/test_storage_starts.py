"""Start counts: one number per week and link, adding up, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.starts import WeeklyStarts, count_start, starts_since, week_of

MONDAY = dt.date(2027, 3, 1)


def test_a_week_begins_on_monday() -> None:
    assert week_of(MONDAY) == MONDAY
    assert week_of(MONDAY + dt.timedelta(days=6)) == MONDAY  # Sunday
    assert week_of(MONDAY + dt.timedelta(days=7)) == MONDAY + dt.timedelta(days=7)


async def test_starts_add_up_per_week_and_link(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        for day in (MONDAY, MONDAY + dt.timedelta(days=3), MONDAY + dt.timedelta(days=6)):
            await count_start(session, day, "balltorp", "sv", "trapphus")
        await count_start(session, MONDAY, "balltorp", None, None)
        await count_start(session, MONDAY + dt.timedelta(days=7), "balltorp", "sv", "trapphus")
        await count_start(session, MONDAY - dt.timedelta(days=1), "kallered", "en", None)

    async with sessions() as session:
        starts = await starts_since(session, MONDAY + dt.timedelta(days=2))

    next_week = MONDAY + dt.timedelta(days=7)
    assert starts == [
        WeeklyStarts(next_week, "balltorp", "sv", "trapphus", 1),
        WeeklyStarts(MONDAY, "balltorp", "sv", "trapphus", 3),
        WeeklyStarts(MONDAY, "balltorp", None, None, 1),
    ]


async def test_the_counts_table_has_no_place_for_a_chat_id(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda c: [column["name"] for column in inspect(c).get_columns("start_counts")]
        )
    assert sorted(columns) == ["area", "campaign", "count", "language", "week"]
