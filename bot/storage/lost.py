"""Counts of messages the bot could not deliver, per day and reason (numbers only)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._dialect import upsert
from bot.storage.models import LostMessage


async def count_lost(session: AsyncSession, day: dt.date, reason: str, count: int = 1) -> None:
    """Add `count` messages lost on `day` (UTC) for `reason`."""
    statement = upsert(session, LostMessage).values(day=day.isoformat(), reason=reason, count=count)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "reason"],
            set_={"count": LostMessage.count + statement.excluded.count},
        )
    )


async def lost_since(session: AsyncSession, day: dt.date) -> dict[str, int]:
    """Messages lost from `day` (UTC) on, per reason."""
    rows = await session.execute(
        select(LostMessage.reason, func.sum(LostMessage.count))
        .where(LostMessage.day >= day.isoformat())
        .group_by(LostMessage.reason)
    )
    return {reason: int(total) for reason, total in rows}
