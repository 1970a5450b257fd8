"""Staff changes to the timeline: milestones added in Telegram, and moves/removals of YAML ones.

The scheduler merges these rows with content/milestones.yaml: a row with `source='staff'` is
a milestone of its own; a row with `source='yaml'` overrides the YAML entry of the same id
(`when_at` when moved, `removed` when removed).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.columns import utcnow
from bot.storage.models import MilestoneRow


async def milestone_rows(session: AsyncSession) -> list[MilestoneRow]:
    """Every staff milestone and YAML override, removed ones included, by id."""
    return list(await session.scalars(select(MilestoneRow).order_by(MilestoneRow.id)))


async def add_milestone(
    session: AsyncSession,
    milestone_id: str,
    *,
    area: str,
    when_at: dt.datetime,
    title_sv: str,
    title_en: str,
    created_by: int,
    now: dt.datetime | None = None,
) -> MilestoneRow | None:
    """Store a staff milestone; None when the id is taken (by a staff or YAML milestone row)."""
    if await session.get(MilestoneRow, milestone_id) is not None:
        return None
    now = now or utcnow()
    row = MilestoneRow(
        id=milestone_id,
        source="staff",
        area=area,
        when_at=when_at,
        title_sv=title_sv,
        title_en=title_en,
        removed=False,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def move_milestone(
    session: AsyncSession,
    milestone_id: str,
    when_at: dt.datetime,
    *,
    moved_by: int,
    now: dt.datetime | None = None,
) -> MilestoneRow:
    """Give a milestone a new date; for an id only in the YAML, an override row is created.

    The caller checks that `milestone_id` exists (in the YAML or here) before calling.
    """
    return await _override(session, milestone_id, moved_by, now, when_at=when_at)


async def remove_milestone(
    session: AsyncSession, milestone_id: str, *, removed_by: int, now: dt.datetime | None = None
) -> MilestoneRow:
    """Take a milestone off the timeline (kept as a row so the YAML one stays hidden too)."""
    return await _override(session, milestone_id, removed_by, now, removed=True)


async def _override(
    session: AsyncSession,
    milestone_id: str,
    staff_id: int,
    now: dt.datetime | None,
    *,
    when_at: dt.datetime | None = None,
    removed: bool | None = None,
) -> MilestoneRow:
    now = now or utcnow()
    row = await session.get(MilestoneRow, milestone_id)
    if row is None:
        row = MilestoneRow(
            id=milestone_id, source="yaml", removed=False, created_by=staff_id, created_at=now
        )
        session.add(row)
    if when_at is not None:
        row.when_at = when_at
    if removed is not None:
        row.removed = removed
    row.updated_at = now
    await session.flush()
    return row
