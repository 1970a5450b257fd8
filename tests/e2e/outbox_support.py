"""Helpers for the outbox tests: a migrated SQLite file, subscribers, a PTB bot on the emulator."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.content import Content
from bot.storage import outbox as store
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.storage.models import Broadcast, Delivery, Resident, Subscription
from bot.storage.residents import subscriber_chat_ids
from bot.telegram.messenger import PtbMessenger
from scheduler.outbox import Renderer, Sender
from tests.databases import postgres_schema
from tools.emulator import BotApiEmulator

# PTB 22 warns (an error under pytest) when a RetryAfter is built, unless it may use timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")

STAFF_CHAT = 900_001
NOW = dt.datetime(2027, 1, 10, 12, 0, tzinfo=dt.UTC)


@asynccontextmanager
async def sqlite_database(path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated SQLite file database."""
    engine = create_engine(f"sqlite:///{path}")
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


async def add_subscribers(
    sessions: async_sessionmaker[AsyncSession],
    chat_ids: Iterable[int],
    area: str,
    language: str = "sv",
) -> list[int]:
    """Residents with one active subscription each, written in bulk."""
    ids = list(chat_ids)
    async with sessions() as session, session.begin():
        await session.execute(
            insert(Resident),
            [
                {
                    "chat_id": c,
                    "language": language,
                    "language_chosen": True,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for c in ids
            ],
        )
        await session.execute(
            insert(Subscription),
            [{"chat_id": c, "area": area, "active": True, "created_at": NOW} for c in ids],
        )
    return ids


async def enqueue(
    sessions: async_sessionmaker[AsyncSession],
    area: str,
    text_sv: str,
    text_en: str | None = None,
    *,
    staff_chat_id: int | None = STAFF_CHAT,
) -> int:
    """A staff broadcast to every subscriber of `area`, queued; returns its id."""
    async with sessions() as session, session.begin():
        recipients = await subscriber_chat_ids(session, area)
        broadcast = Broadcast(
            kind="broadcast",
            area=area,
            text_sv=text_sv,
            text_en=text_en or text_sv,
            created_by=1,
            staff_chat_id=staff_chat_id,
            status="draft",
        )
        stored = await store.enqueue_broadcast(session, broadcast, recipients)
        assert stored is not None
        return stored.id


async def delivery_statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[int, str]:
    """chat id -> delivery status, for a database holding one broadcast."""
    async with sessions() as session:
        rows = await session.execute(select(Delivery.chat_id, Delivery.status))
        return {row.chat_id: row.status for row in rows}


def ptb_bot(emulator: BotApiEmulator) -> Bot:
    """A real PTB Bot on the emulator, with a connection pool wide enough for the sender."""
    return Bot(
        emulator.token,
        base_url=emulator.base_url,
        request=HTTPXRequest(connection_pool_size=32),
    )


def make_sender(
    engine: AsyncEngine, bot: Bot, content: Content, *, rate: float, **options: float
) -> Sender:
    """The production sender over PTB, with the real texts."""
    return Sender(
        session_factory(engine),
        PtbMessenger(bot),
        Renderer(lambda: content.texts),
        rate=rate,
        **options,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def migrated_postgres_engine() -> AsyncIterator[AsyncEngine]:
    """An engine on a migrated, throw-away schema of the test PostgreSQL server."""
    async with postgres_schema() as database:
        engine = database.engine()
        try:
            await upgrade(engine)
            yield engine
        finally:
            await engine.dispose()
