"""A broadcast enqueued from the subscriptions inside the database: each subscriber once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import outbox as store
from bot.storage.models import Broadcast, Delivery
from bot.storage.residents import get_or_create_resident, subscribe, subscriber_count

NOW = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


async def test_every_active_subscriber_once_in_their_language(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        for chat_id, lang, areas in (
            (1, "sv", ["balltorp"]),
            (2, "en", ["balltorp", "kallered"]),  # two subscriptions, one delivery
            (3, "sv", ["kallered"]),
        ):
            await get_or_create_resident(session, chat_id, lang, now=NOW)
            await subscribe(session, chat_id, areas, now=NOW)
        assert await subscriber_count(session, "all") == 3
        assert await subscriber_count(session, "balltorp") == 2
        broadcast = Broadcast(
            kind="broadcast", area="all", text_sv="Hej", text_en="Hi", created_at=NOW
        )
        count = await store.enqueue_for_area(session, broadcast, now=NOW)

    assert count == 3
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Delivery.chat_id, Delivery.language, Delivery.status).order_by(
                    Delivery.chat_id
                )
            )
        ).all()
        stored = await session.get(Broadcast, broadcast.id)
        claimed = await store.claim_pending(session, 10, NOW + dt.timedelta(seconds=1))
        total = await session.scalar(select(func.count()).select_from(Delivery))
    assert [tuple(r) for r in rows] == [
        (1, "sv", "pending"),
        (2, "en", "pending"),
        (3, "sv", "pending"),
    ]
    assert stored is not None
    assert stored.status == "queued"
    assert sorted(d.chat_id for d in claimed) == [1, 2, 3]  # due at once
    assert total == 3
