"""Reminder jobs rebuilt from the database: late ones sent once within the grace, none repeated."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.storage.milestones import add_milestone
from bot.storage.models import Broadcast, Delivery
from bot.storage.residents import get_or_create_resident, subscribe
from scheduler.jobs import Jobs

WHEN = dt.datetime(2030, 5, 10, 18, 0, tzinfo=STOCKHOLM)
ADDED = dt.datetime(2030, 4, 1, 12, 0, tzinfo=STOCKHOLM)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    await upgrade(engine)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        await get_or_create_resident(session, 11, "sv", now=ADDED)
        await subscribe(session, 11, ["balltorp"])
        await add_milestone(
            session,
            "open-house",
            area="balltorp",
            when_at=WHEN,
            title_sv="Öppet hus",
            title_en="Open house",
            created_by=1,
            now=ADDED,
        )
    yield factory
    await engine.dispose()


def jobs_at(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    now: dt.datetime,
    scheduler: AsyncIOScheduler | None = None,
) -> Jobs:
    return Jobs(
        sessions,
        lambda: content,
        clock=lambda: now,
        default_offsets=(dt.timedelta(days=7), dt.timedelta(days=1)),
        misfire_grace=dt.timedelta(hours=6),
        scheduler=scheduler,
    )


async def reminders(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Broadcast.dedupe_key, func.count(Delivery.id))
            .join(Delivery, Delivery.broadcast_id == Broadcast.id)
            .where(Broadcast.kind == "reminder")
            .group_by(Broadcast.id)
        )
        return [(row[0], row[1]) for row in rows]


async def test_a_reminder_missed_while_down_is_sent_once_at_start_up(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    three_hours_late = WHEN - dt.timedelta(days=1) + dt.timedelta(hours=3)

    plan = await jobs_at(sessions, content, three_hours_late).rebuild()
    again = await jobs_at(sessions, content, three_hours_late + dt.timedelta(minutes=5)).rebuild()

    assert [r.job_id for r in plan.late] == ["reminder:open-house:1d"]
    assert [r.job_id for r in plan.missed] == ["reminder:open-house:1w"]
    assert again.late == ()
    assert [key for key, _ in await reminders(sessions)] == [
        "reminder:open-house:1d:20300510T1600Z"  # keyed by the milestone date
    ]


async def test_start_up_schedules_upcoming_reminders_with_stable_ids(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    scheduler = AsyncIOScheduler(timezone=STOCKHOLM)
    scheduler.start(paused=True)
    try:
        await jobs_at(sessions, content, ADDED, scheduler).rebuild()
        await jobs_at(sessions, content, ADDED, scheduler).rebuild()  # a restart: same jobs

        jobs = {job.id: job.trigger.run_date for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert jobs == {
        "reminder:open-house:1w": WHEN - dt.timedelta(days=7),
        "reminder:open-house:1d": WHEN - dt.timedelta(days=1),
    }
    assert await reminders(sessions) == []
