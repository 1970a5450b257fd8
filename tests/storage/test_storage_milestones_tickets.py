"""Staff milestones and YAML overrides; tickets from open to answered, once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import (
    add_milestone,
    answer_ticket,
    close_ticket,
    create_ticket,
    get_or_create_resident,
    milestone_rows,
    move_milestone,
    open_ticket_count,
    open_tickets,
    prune_tickets,
    record_ticket_message,
    remove_milestone,
    ticket_for_message,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
STAFF, STAFF_CHAT, ANNA = 555, -1_001_234_567_890, 7_000_000_001


async def test_staff_milestones_and_yaml_overrides(session: AsyncSession) -> None:
    later = NOW + dt.timedelta(days=30)
    async with session.begin():
        added = await add_milestone(
            session,
            "open-house",
            area="balltorp",
            when_at=later,
            title_sv="Öppet hus",
            title_en="Open house",
            created_by=STAFF,
            now=NOW,
        )
        assert added is not None
        assert (
            await add_milestone(
                session,
                "open-house",
                area="kallered",
                when_at=later,
                title_sv="x",
                title_en="x",
                created_by=STAFF,
            )
            is None
        )
        await move_milestone(session, "start-balltorp", later, moved_by=STAFF, now=NOW)
        await remove_milestone(session, "survey", removed_by=STAFF, now=NOW)
        await move_milestone(session, "open-house", later + dt.timedelta(days=1), moved_by=STAFF)
    async with session.begin():
        rows = {row.id: row for row in await milestone_rows(session)}
    assert set(rows) == {"open-house", "start-balltorp", "survey"}
    assert (rows["open-house"].source, rows["open-house"].when_at) == (
        "staff",
        later + dt.timedelta(days=1),
    )
    assert (rows["start-balltorp"].source, rows["start-balltorp"].when_at) == ("yaml", later)
    assert (rows["survey"].source, rows["survey"].removed, rows["survey"].when_at) == (
        "yaml",
        True,
        None,
    )


async def test_ticket_round_trip_is_answered_once(session: AsyncSession) -> None:
    async with session.begin():
        await get_or_create_resident(session, ANNA, "en")
        ticket = await create_ticket(
            session, ANNA, "Who do I call?", "en", area="kallered", now=NOW
        )
        await record_ticket_message(session, ticket.id, STAFF_CHAT, 42)
        assert await open_ticket_count(session, ANNA) == 1
    async with session.begin():
        found = await ticket_for_message(session, STAFF_CHAT, 42)
        assert found is not None
        assert found.id == ticket.id
        assert await ticket_for_message(session, STAFF_CHAT, 43) is None
        answered = await answer_ticket(session, ticket.id, "The staff", answered_by=STAFF, now=NOW)
        assert answered is not None
        assert answered.status == "answered"
        assert await answer_ticket(session, ticket.id, "Again", answered_by=STAFF + 1) is None
        assert await close_ticket(session, ticket.id) is None
        assert await open_tickets(session) == []
        assert await open_ticket_count(session, ANNA) == 0


async def test_only_settled_old_tickets_are_pruned(session: AsyncSession) -> None:
    old = NOW - dt.timedelta(days=100)
    async with session.begin():
        await get_or_create_resident(session, ANNA, "sv")
        closed = await create_ticket(session, ANNA, "gammal", "sv", now=old)
        await close_ticket(session, closed.id, now=old)
        await create_ticket(session, ANNA, "öppen", "sv", now=old)
        await create_ticket(session, ANNA, "ny", "sv", now=NOW)
    async with session.begin():
        assert await prune_tickets(session, older_than=NOW - dt.timedelta(days=90)) == 1
        assert [t.text for t in await open_tickets(session)] == ["öppen", "ny"]
