"""Counts of starts through deep links, per local week and link: numbers, never a chat id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._dialect import upsert
from bot.storage.models import StartCount


@dataclass(frozen=True)
class WeeklyStarts:
    """How many starts one link had in one week (`language`/`campaign` None: not in the link)."""

    week: dt.date  # the Monday the week begins
    area: str
    language: str | None
    campaign: str | None
    count: int


def week_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


async def count_start(
    session: AsyncSession, day: dt.date, area: str, language: str | None, campaign: str | None
) -> None:
    """Add one start on local `day` through the link (area, language, campaign)."""
    statement = upsert(session, StartCount).values(
        week=week_of(day).isoformat(),
        area=area,
        language=language or "",
        campaign=campaign or "",
        count=1,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["week", "area", "language", "campaign"],
            set_={"count": StartCount.count + statement.excluded.count},
        )
    )


async def starts_since(session: AsyncSession, day: dt.date) -> list[WeeklyStarts]:
    """Every link's starts in the weeks from `day`'s on: newest week first, then most starts."""
    rows = await session.execute(
        select(StartCount).where(StartCount.week >= week_of(day).isoformat())
    )
    starts = [
        WeeklyStarts(
            week=dt.date.fromisoformat(row.week),
            area=row.area,
            language=row.language or None,
            campaign=row.campaign or None,
            count=row.count,
        )
        for row in rows.scalars()
    ]
    return sorted(
        starts,
        key=lambda s: (-s.week.toordinal(), -s.count, s.area, s.language or "", s.campaign or ""),
    )
