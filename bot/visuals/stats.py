"""The numbers behind the staff charts and report: read once, summarised by local day.

`summarize` and `summarize_counts` are pure (rows or counts in, `StaffStats` out) so they are
tested without a database; `collect_stats` reads counts by UTC hour in one short session.
`StaffStats` is hashable, so the charts are cached exactly while these numbers stay the same.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DEFAULT_TIMEZONE
from bot.storage.models import SUBSCRIPTION_AREAS
from bot.storage.questions import top_topics
from bot.storage.trends import questions_by_hour, subscription_starts_by_hour

DEFAULT_DAYS = 28  # four whole weeks: long enough for a trend, short enough to read per day
TOP_TOPICS = 5


@dataclass(frozen=True)
class AreaSeries:
    """Subscribers of one area at the end of each day (today's subscribers by start day)."""

    area: str
    points: tuple[tuple[dt.date, int], ...]

    @property
    def current(self) -> int:
        """The number at the last day."""
        return self.points[-1][1] if self.points else 0


@dataclass(frozen=True)
class QuestionDay:
    """Questions logged on one local day, and how many got an answer."""

    day: dt.date
    total: int
    answered: int

    @property
    def share_answered(self) -> float:
        """Answered as a fraction of all; 0.0 on a day without questions."""
        return self.answered / self.total if self.total else 0.0


@dataclass(frozen=True)
class StaffStats:
    """Everything the staff charts show, as of one local day."""

    as_of: dt.date
    days: int
    subscribers: tuple[AreaSeries, ...]
    questions: tuple[QuestionDay, ...]
    top_topics: tuple[tuple[str, int], ...]

    @property
    def total_questions(self) -> int:
        """Questions in the window."""
        return sum(d.total for d in self.questions)

    @property
    def answered_questions(self) -> int:
        """Answered questions in the window."""
        return sum(d.answered for d in self.questions)

    @property
    def share_answered(self) -> float:
        """Answered as a fraction of all in the window; 0.0 without questions."""
        total = self.total_questions
        return self.answered_questions / total if total else 0.0

    @property
    def busiest_day(self) -> QuestionDay | None:
        """The (earliest) day with the most questions, or None when nobody asked anything."""
        busiest = max(self.questions, key=lambda d: d.total, default=None)
        return busiest if busiest is not None and busiest.total else None


def _local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def summarize(
    starts: Iterable[tuple[str, dt.datetime]],
    asked: Iterable[tuple[dt.datetime, bool]],
    top_topics: Sequence[tuple[str, int]],
    *,
    now: dt.datetime,
    days: int = DEFAULT_DAYS,
    zone: ZoneInfo = DEFAULT_TIMEZONE,
) -> StaffStats:
    """Daily series from raw rows: (area, subscribed at) and (asked at, answered)."""
    return summarize_counts(
        ((area, at, 1) for area, at in starts),
        ((at, 1, int(was_answered)) for at, was_answered in asked),
        top_topics,
        now=now,
        days=days,
        zone=zone,
    )


def summarize_counts(
    starts: Iterable[tuple[str, dt.datetime, int]],
    asked: Iterable[tuple[dt.datetime, int, int]],
    top_topics: Sequence[tuple[str, int]],
    *,
    now: dt.datetime,
    days: int = DEFAULT_DAYS,
    zone: ZoneInfo = DEFAULT_TIMEZONE,
) -> StaffStats:
    """Daily series from counts: (area, moment, subscriptions) and (moment, asked, answered).

    Each count goes to the local day of its moment, so a count may stand for a span (the UTC
    hours the database counts by) as long as the span lies within one local day: true of whole
    UTC hours in any zone a whole number of hours from UTC (the default, Tokyo; not India).
    `zone` is the settings' time zone.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if days < 1:
        raise ValueError("days must be at least 1")
    today = _local_day(now, zone)
    window = _days(today - dt.timedelta(days=days - 1), today)

    started: dict[str, Counter[dt.date]] = {area: Counter() for area in SUBSCRIPTION_AREAS}
    for area, at, count in starts:
        started.setdefault(area, Counter())[_local_day(at, zone)] += count
    first_start = min((day for c in started.values() for day in c), default=window[0])
    series = []
    for area, per_day in started.items():
        running, points = 0, []
        for day in _days(min(first_start, window[0]), today):
            running += per_day.get(day, 0)
            points.append((day, running))
        series.append(AreaSeries(area, tuple(points)))

    totals: Counter[dt.date] = Counter()
    answered: Counter[dt.date] = Counter()
    for at, total, was_answered in asked:
        day = _local_day(at, zone)
        totals[day] += total
        answered[day] += was_answered
    questions = tuple(QuestionDay(day, totals[day], answered[day]) for day in window)
    return StaffStats(today, days, tuple(series), questions, tuple(top_topics))


async def collect_stats(
    sessions: async_sessionmaker[AsyncSession],
    now: dt.datetime,
    *,
    days: int = DEFAULT_DAYS,
    top: int = TOP_TOPICS,
    zone: ZoneInfo = DEFAULT_TIMEZONE,
) -> StaffStats:
    """Read what the charts need in one session, counted by hour in SQL, and summarise it.

    Local days are days in `zone`, the settings' time zone.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    start_of_window = dt.datetime.combine(
        _local_day(now, zone) - dt.timedelta(days=days - 1), dt.time(0), tzinfo=zone
    )
    async with sessions() as session:
        starts = await subscription_starts_by_hour(session)
        asked = await questions_by_hour(session, start_of_window)
        topics = await top_topics(session, start_of_window, top=top)
    return summarize_counts(starts, asked, topics, now=now, days=days, zone=zone)
