"""The live timeline: milestones.yaml with the staff's additions, moves and removals applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content, Milestone
from bot.storage.milestones import milestone_rows
from bot.storage.models import MilestoneRow


def merge_milestones(
    yaml: Iterable[Milestone], rows: Sequence[MilestoneRow], zone: ZoneInfo
) -> tuple[list[Milestone], dict[str, dt.datetime]]:
    """The live timeline: YAML milestones with staff moves/removals applied, plus staff ones.

    Staff dates are stored in UTC; they come back as wall times in `zone`, the settings' zone.

    Also returns, per milestone id, when staff last set its date: reminders due before that
    moment are never sent (a milestone already past when it was added stays silent).
    """
    by_id = {row.id: row for row in rows}
    merged: list[Milestone] = []
    set_at: dict[str, dt.datetime] = {}
    for original in yaml:
        row = by_id.get(original.id)
        if row is not None and row.removed:
            continue
        if row is not None and row.when_at is not None:
            # A moved milestone has an exact date now, so its seasonal label goes.
            merged.append(
                Milestone(
                    id=original.id,
                    area=original.area,
                    when=row.when_at.astimezone(zone),
                    title=original.title,
                    details=original.details,
                    remind=original.remind,
                )
            )
            set_at[original.id] = row.updated_at
        else:
            merged.append(original)
    yaml_ids = {m.id for m in merged} | {r.id for r in rows if r.source == "yaml"}
    for row in rows:
        if row.source != "staff" or row.removed or row.id in yaml_ids:
            continue
        assert row.when_at is not None
        assert row.title_sv
        assert row.title_en
        assert row.area
        merged.append(
            Milestone(
                id=row.id,
                area=row.area,  # type: ignore[arg-type]
                when=row.when_at.astimezone(zone),
                title={"sv": row.title_sv, "en": row.title_en},
            )
        )
        set_at[row.id] = row.updated_at
    return sorted(merged, key=lambda m: m.when), set_at


async def live_timeline(session: AsyncSession, content: Content) -> list[Milestone]:
    """The milestones residents see now, sorted by date."""
    milestones, _ = merge_milestones(
        content.milestones, await milestone_rows(session), content.zone
    )
    return milestones
