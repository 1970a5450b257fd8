"""Counts for the staff charts, by UTC hour in SQL: the same days as counting row by row."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import Question, Resident, Subscription
from bot.storage.trends import questions_by_hour, subscription_starts_by_hour
from bot.visuals.stats import collect_stats, summarize

UTC = dt.UTC
NOW = dt.datetime(2026, 4, 10, 12, 0, tzinfo=UTC)  # 28 days back crosses the change to summer time
TOPICS = ("tidplan", "bostader", "trygghet", None)
# Around local midnight in winter (23:00 UTC) and in summer (22:00 UTC), and the change itself.
EDGES = (
    dt.datetime(2026, 3, 20, 22, 59, 59, 999_999, tzinfo=UTC),
    dt.datetime(2026, 3, 20, 23, 0, tzinfo=UTC),
    dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
    dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    dt.datetime(2026, 4, 2, 21, 59, 59, tzinfo=UTC),
    dt.datetime(2026, 4, 2, 22, 0, tzinfo=UTC),
    dt.datetime(2026, 3, 13, 22, 59, tzinfo=UTC),  # the day before the window starts
    dt.datetime(2026, 3, 13, 23, 0, tzinfo=UTC),  # the first moment of the window
)


async def fill(sessions: async_sessionmaker[AsyncSession]) -> tuple[list, list, list]:
    """Residents, subscriptions and questions at random moments plus the edges; the raw rows."""
    rng = random.Random(7)
    start = NOW - dt.timedelta(days=40)
    moments = [
        start + dt.timedelta(seconds=rng.randrange(40 * 86_400)) for _ in range(2_000)
    ] + list(EDGES)
    asked = [(at, rng.random() < 0.7, rng.choice(TOPICS)) for at in moments]
    subscribed = [
        (chat, rng.choice(("balltorp", "kallered")), moment, chat % 7 != 0)
        for chat, moment in enumerate(moments[:500], start=1)
    ]
    async with sessions() as session, session.begin():
        await session.execute(
            insert(Resident),
            [
                {
                    "chat_id": c,
                    "language": "sv",
                    "language_chosen": True,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for c in range(1, 501)
            ],
        )
        await session.execute(
            insert(Subscription),
            [
                {"chat_id": c, "area": area, "active": active, "created_at": at}
                for c, area, at, active in subscribed
            ],
        )
        await session.execute(
            insert(Question),
            [
                {
                    "chat_id": 1 + n % 500,
                    "asked_at": at,
                    "text": "?",
                    "language": "sv",
                    "topic": topic,
                    "score": 0.5,
                    "answered": answered,
                }
                for n, (at, answered, topic) in enumerate(asked)
            ],
        )
    starts = [(area, at) for _, area, at, active in subscribed if active]
    return starts, asked, subscribed


async def test_hourly_counts_give_the_same_chart_as_counting_every_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    starts, asked, _ = await fill(sessions)

    stats = await collect_stats(sessions, NOW, days=28)

    window_start = dt.datetime(2026, 3, 13, 23, 0, tzinfo=UTC)  # 14 March, 00:00 in Mölndal
    in_window = [(at, answered, topic) for at, answered, topic in asked if at >= window_start]
    counts: dict[str, int] = {}
    for _, _, topic in in_window:
        if topic is not None:
            counts[topic] = counts.get(topic, 0) + 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:5]
    expected = summarize(
        starts, [(at, answered) for at, answered, _ in in_window], top, now=NOW, days=28
    )
    assert stats == expected
    assert stats.total_questions == len(in_window)


async def test_questions_are_counted_by_utc_hour_whatever_the_session_time_zone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    at = dt.datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    async with sessions() as session, session.begin():
        await session.execute(
            insert(Resident),
            [
                {
                    "chat_id": 1,
                    "language": "sv",
                    "language_chosen": True,
                    "created_at": at,
                    "updated_at": at,
                }
            ],
        )
        await session.execute(
            insert(Question),
            [
                {
                    "chat_id": 1,
                    "asked_at": at + dt.timedelta(minutes=m),
                    "text": "?",
                    "language": "sv",
                    "topic": None,
                    "score": 0.5,
                    "answered": m < 30,
                }
                for m in (10, 20, 50, 70)
            ],
        )
        await session.execute(
            insert(Subscription),
            [{"chat_id": 1, "area": "balltorp", "active": True, "created_at": at}],
        )
    async with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            # A zone half an hour from UTC would split the hours if the bucket followed it.
            await session.execute(text("SET TIME ZONE 'Asia/Kolkata'"))
        hours = await questions_by_hour(session, at - dt.timedelta(days=1))
        starts = await subscription_starts_by_hour(session)

    assert hours == [(at, 3, 2), (at + dt.timedelta(hours=1), 1, 0)]
    assert starts == [("balltorp", at, 1)]
