"""Queries for the staff charts: when today's subscribers subscribed, and questions by time.

Only what the charts need, read in one pass; grouping by local day happens in the caller,
because "day" depends on the time zone and SQL date functions differ between SQLite and
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Question, Subscription


async def subscription_starts(session: AsyncSession) -> list[tuple[str, dt.datetime]]:
    """(area, subscribed at) of every active subscription, oldest first.

    Unsubscribing deletes the row, so this is today's subscribers by start date, not a log of
    every subscriber there ever was.
    """
    rows = await session.execute(
        select(Subscription.area, Subscription.created_at)
        .where(Subscription.active.is_(True))
        .order_by(Subscription.created_at, Subscription.id)
    )
    return [(str(area), created_at) for area, created_at in rows]


async def questions_since(
    session: AsyncSession, since: dt.datetime
) -> list[tuple[dt.datetime, bool]]:
    """(asked at, answered) of every question logged at or after `since`, oldest first."""
    rows = await session.execute(
        select(Question.asked_at, Question.answered)
        .where(Question.asked_at >= since)
        .order_by(Question.asked_at, Question.id)
    )
    return [(asked_at, bool(answered)) for asked_at, answered in rows]
