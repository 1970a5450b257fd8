"""The delivery outbox: fast bulk enqueue, no duplicate reminders, claims that never overlap."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from dbfixtures import Database
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import (
    Broadcast,
    Recipient,
    Resident,
    add_broadcast,
    cancel_broadcast,
    claim_pending,
    delivery_counts,
    due_scheduled,
    enqueue_broadcast,
    enqueue_followup,
    finish_broadcasts,
    mark_blocked,
    mark_failed,
    mark_report_sent,
    mark_sent,
    pending_count,
    reschedule,
    subscribe,
    subscriptions_of,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the night Sweden leaves summer time
STAFF = 555
FIRST_CHAT = 7_000_000_000


def _broadcast(**overrides: object) -> Broadcast:
    fields: dict[str, object] = {
        "kind": "broadcast",
        "area": "all",
        "text_sv": "Hej grannar",
        "text_en": "Hi neighbours",
        "created_by": STAFF,
        "created_at": NOW,
        "staff_chat_id": STAFF,
    }
    fields.update(overrides)
    return Broadcast(**fields)


async def _residents(session: AsyncSession, count: int) -> list[Recipient]:
    rows = [
        {
            "chat_id": FIRST_CHAT + i,
            "language": "en" if i % 3 == 0 else "sv",
            "language_chosen": False,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(count)
    ]
    await session.execute(insert(Resident), rows)
    return [Recipient(row["chat_id"], row["language"]) for row in rows]  # type: ignore[arg-type]


@pytest.mark.timing
async def test_enqueue_10000_recipients_quickly(
    session: AsyncSession, database: Database, record_property: pytest.RecordProperty
) -> None:
    async with session.begin():
        recipients = await _residents(session, 10_000)
    started = time.perf_counter()
    async with session.begin():
        broadcast = await enqueue_broadcast(session, _broadcast(), recipients, now=NOW)
    elapsed = time.perf_counter() - started
    record_property(f"enqueue_10000_seconds_{database.backend}", round(elapsed, 3))
    print(f"enqueue 10,000 recipients on {database.backend}: {elapsed:.3f} s")
    assert broadcast is not None
    async with session.begin():
        counts = await delivery_counts(session, broadcast.id)
        assert counts.pending == 10_000
        assert await pending_count(session) == 10_000
    # Generous for slow CI machines; a typical run is far below (see the report in -s output).
    assert elapsed < 2.0


async def test_a_reminder_is_enqueued_once(session: AsyncSession) -> None:
    async with session.begin():
        recipients = await _residents(session, 3)
        key = "reminder:start-balltorp:7d"
        first = await enqueue_broadcast(
            session, _broadcast(kind="reminder", dedupe_key=key), recipients, now=NOW
        )
        again = await enqueue_broadcast(
            session, _broadcast(kind="reminder", dedupe_key=key), recipients, now=NOW
        )
    assert first is not None
    assert again is None
    async with session.begin():
        assert await pending_count(session) == 3


async def test_duplicate_recipients_get_one_delivery(session: AsyncSession) -> None:
    async with session.begin():
        recipients = await _residents(session, 2)
        broadcast = await enqueue_broadcast(session, _broadcast(), recipients * 3, now=NOW)
        assert broadcast is not None
        assert (await delivery_counts(session, broadcast.id)).pending == 2


async def test_claim_settle_and_report(session: AsyncSession) -> None:
    async with session.begin():
        recipients = await _residents(session, 5)
        for recipient in recipients:
            await subscribe(session, recipient.chat_id, ["all"], now=NOW)
        broadcast = await enqueue_broadcast(session, _broadcast(), recipients, now=NOW)
        assert broadcast is not None
    async with session.begin():
        first = await claim_pending(session, 3, NOW)
        second = await claim_pending(session, 3, NOW)
    assert len(first) == 3
    assert len(second) == 2
    assert {c.chat_id for c in first}.isdisjoint({c.chat_id for c in second})
    assert all(c.attempts == 1 and c.lease_until > NOW for c in first + second)
    sent, blocked, failed, retry_429, retry_again = first + second
    later = NOW + dt.timedelta(seconds=30)
    async with session.begin():
        assert await mark_sent(session, sent.id, 1001, now=NOW)
        assert await mark_blocked(session, blocked.id, "Forbidden: bot was blocked by the user")
        assert await mark_failed(session, failed.id, "network down " * 100)
        assert await reschedule(session, retry_429.id, later, error="429 retry_after=30")
        assert await reschedule(session, retry_again.id, later)
        assert await finish_broadcasts(session) == []  # two still pending
        assert await subscriptions_of(session, blocked.chat_id) == []  # 403 pauses them
        assert await subscriptions_of(session, sent.chat_id) == ["balltorp", "kallered"]
    async with session.begin():
        assert await claim_pending(session, 10, NOW) == []  # not due before `later`
        retried = await claim_pending(session, 10, later)
    assert sorted(c.id for c in retried) == sorted([retry_429.id, retry_again.id])
    assert all(c.attempts == 2 for c in retried)
    async with session.begin():
        for claimed in retried:
            await mark_sent(session, claimed.id, 2000 + claimed.id, now=later)
        done = await finish_broadcasts(session)
        assert [b.id for b in done] == [broadcast.id]
        assert done[0].status == "done"
        counts = await delivery_counts(session, broadcast.id)
        await mark_report_sent(session, broadcast.id)
    assert (counts.sent, counts.blocked, counts.failed, counts.finished) == (3, 1, 1, True)
    async with session.begin():
        assert await finish_broadcasts(session) == []  # a report goes out once


async def test_a_dead_senders_rows_come_back_after_the_lease(session: AsyncSession) -> None:
    async with session.begin():
        broadcast = await enqueue_broadcast(
            session, _broadcast(), await _residents(session, 2), now=NOW
        )
        assert broadcast is not None
    lease = dt.timedelta(seconds=60)
    async with session.begin():
        claimed = await claim_pending(session, 10, NOW, lease=lease)
    # The sender dies here: nothing marked. Within the lease nobody else takes the rows...
    async with session.begin():
        assert await claim_pending(session, 10, NOW + dt.timedelta(seconds=59), lease=lease) == []
        again = await claim_pending(session, 10, NOW + lease, lease=lease)
    # ...after it, they are sent again: the in-flight window is the only repeat.
    assert [c.id for c in again] == [c.id for c in claimed]
    assert all(c.attempts == 2 for c in again)


async def test_scheduled_broadcast_waits_and_can_be_cancelled(session: AsyncSession) -> None:
    tomorrow = NOW + dt.timedelta(days=1)
    async with session.begin():
        kept = await add_broadcast(session, _broadcast(status="scheduled", scheduled_for=tomorrow))
        dropped = await add_broadcast(
            session, _broadcast(status="scheduled", scheduled_for=tomorrow)
        )
        assert kept is not None
        assert dropped is not None
        assert await cancel_broadcast(session, dropped.id)
        assert not await cancel_broadcast(session, dropped.id)
        assert await due_scheduled(session, NOW) == []
        due = await due_scheduled(session, tomorrow)
        assert [b.id for b in due] == [kept.id]
        recipients = await _residents(session, 2)
        await enqueue_broadcast(session, due[0], recipients, now=tomorrow)
        assert not await cancel_broadcast(session, kept.id)  # already on its way
        assert await due_scheduled(session, tomorrow) == []
        assert await pending_count(session) == 2


async def test_retraction_targets_every_sent_message(session: AsyncSession) -> None:
    async with session.begin():
        recipients = await _residents(session, 3)
        original = await enqueue_broadcast(session, _broadcast(), recipients, now=NOW)
        assert original is not None
        claimed = await claim_pending(session, 10, NOW)
        await mark_sent(session, claimed[0].id, 111, now=NOW)
        await mark_sent(session, claimed[1].id, 222, now=NOW)
        await mark_blocked(session, claimed[2].id, "blocked", now=NOW)
        retraction = await enqueue_followup(
            session, original.id, "retraction", created_by=STAFF, now=NOW
        )
        assert original.status == "retracted"
        targets = await claim_pending(session, 10, NOW + dt.timedelta(seconds=1))
    assert {c.target_message_id for c in targets} == {111, 222}
    assert {c.broadcast_id for c in targets} == {retraction.id}


async def test_two_postgres_senders_claim_disjoint_rows(
    database: Database, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if database.backend != "postgres":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has a single writer")
    async with sessions() as session, session.begin():
        await enqueue_broadcast(session, _broadcast(), await _residents(session, 10), now=NOW)
    async with sessions() as first, sessions() as second, first.begin():
        mine = await claim_pending(first, 6, NOW)
        # The first transaction still holds its row locks: without SKIP LOCKED the second
        # sender would block here (and the wait_for fail) or take the same rows.
        async with second.begin():
            theirs = await asyncio.wait_for(claim_pending(second, 6, NOW), timeout=5)
    assert len(mine) == 6
    assert len(theirs) == 4
    assert {c.id for c in mine}.isdisjoint({c.id for c in theirs})
