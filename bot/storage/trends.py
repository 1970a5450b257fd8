"""Queries for the staff charts: when today's subscribers subscribed, and questions by time.

Only what the charts need. The database counts by UTC hour (a million questions become at most
a few thousand rows); the caller folds the hours into local days of the settings' time zone,
exactly for a zone a whole number of hours from UTC (the default is), and because SQL time zone
functions differ between SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._dialect import dialect_name
from bot.storage.models import Question, Subscription

# Inlined, not bound: a bound format would be a different parameter in SELECT and GROUP BY.
_SQLITE_HOUR: ColumnElement[Any] = literal_column("'%Y-%m-%d %H'")


def _utc_hour(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The UTC hour a timestamp column falls in, as each dialect can compute it."""
    if dialect_name(session) == "postgresql":
        # timestamptz: convert to UTC first, or date_trunc would use the session's time zone.
        utc = func.timezone(literal_column("'UTC'"), column)
        return func.date_trunc(literal_column("'hour'"), utc)
    return func.strftime(_SQLITE_HOUR, column)  # SQLite stores UTC as 'YYYY-MM-DD HH:MM:SS'


def _hour_start(value: dt.datetime | str) -> dt.datetime:
    """The aware UTC start of an hour bucket from either dialect."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC)
    return dt.datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)


async def subscription_starts_by_hour(session: AsyncSession) -> list[tuple[str, dt.datetime, int]]:
    """(area, UTC hour, how many) of the active subscriptions started in each hour, oldest first.

    Unsubscribing deletes the row, so this is today's subscribers by start time, not a log of
    every subscriber there ever was.
    """
    hour = _utc_hour(session, Subscription.created_at).label("hour")
    rows = await session.execute(
        select(Subscription.area, hour, func.count())
        .where(Subscription.active.is_(True))
        .group_by(Subscription.area, hour)
        .order_by(hour, Subscription.area)
    )
    return [(str(area), _hour_start(at), int(count)) for area, at, count in rows]


async def questions_by_hour(
    session: AsyncSession, since: dt.datetime
) -> list[tuple[dt.datetime, int, int]]:
    """(UTC hour, questions, answered) for each hour with questions at or after `since`."""
    hour = _utc_hour(session, Question.asked_at).label("hour")
    answered = func.sum(case((Question.answered.is_(True), 1), else_=0))
    rows = await session.execute(
        select(hour, func.count(), answered)
        .where(Question.asked_at >= since)
        .group_by(hour)
        .order_by(hour)
    )
    return [(_hour_start(at), int(total), int(yes)) for at, total, yes in rows]
