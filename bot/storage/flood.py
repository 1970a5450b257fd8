"""The flood gate's count where several processes share it: one row per message, for a minute."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._dialect import dialect_name
from bot.storage.models import FloodMessage

# pg_advisory_xact_lock(FLOOD_LOCK, chat): one chat's messages are counted one at a time.
FLOOD_LOCK = 0x0F100D


async def count_message(
    session: AsyncSession, chat_id: int, now: dt.datetime, window: dt.timedelta
) -> int:
    """Record one message from `chat_id` at `now`; how many fall in the last `window`, this one
    included. Counted under a per-chat lock, so two processes never see the same number."""
    if dialect_name(session) == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:lock, :chat)"),
            {"lock": FLOOD_LOCK, "chat": chat_id % 2**31},
        )
    since = now - window
    await session.execute(
        delete(FloodMessage).where(FloodMessage.chat_id == chat_id, FloodMessage.at <= since)
    )
    await session.execute(insert(FloodMessage).values(chat_id=chat_id, at=now))
    count = await session.scalar(
        select(func.count())
        .select_from(FloodMessage)
        .where(FloodMessage.chat_id == chat_id, FloodMessage.at > since)
    )
    return int(count or 0)


async def prune_flood(session: AsyncSession, before: dt.datetime) -> int:
    """Delete counted messages older than the window, of chats that went quiet."""
    result = await session.execute(delete(FloodMessage).where(FloodMessage.at <= before))
    return int(result.rowcount)  # type: ignore[attr-defined]
