"""The delivery outbox: one row per recipient, claimed and settled by the sender.

Every function works inside the caller's transaction and never commits. The sender's cycle:

    async with sessions() as s, s.begin():
        batch = await claim_pending(s, limit=25, now=clock())   # rows become 'sending' + lease
    ...send each...
    async with sessions() as s, s.begin():
        await mark_sent(s, delivery.id, message_id, now=clock())  # or blocked/failed/reschedule

A sender killed between a send and its commit leaves the row 'sending'; after the lease it is
claimed again, so only the messages in flight at that moment can repeat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Select, Table, and_, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.columns import utcnow
from bot.storage.models import ERROR_TEXT_LIMIT, Broadcast, Delivery, Language
from bot.storage.residents import Recipient, deactivate_subscriptions, subscribers_of

DEFAULT_LEASE = dt.timedelta(seconds=60)
_UNFINISHED = ("pending", "sending")


@dataclass(frozen=True)
class ClaimedDelivery:
    """One message the sender now owns until `lease_until`."""

    id: int
    broadcast_id: int
    chat_id: int
    language: Language
    attempts: int
    target_message_id: int | None
    lease_until: dt.datetime


@dataclass(frozen=True)
class DeliveryCounts:
    """Where the deliveries of one broadcast stand; the staff report reads this."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0

    @property
    def finished(self) -> bool:
        """True when nothing is left to send."""
        return self.pending == 0 and self.sending == 0


async def add_broadcast(session: AsyncSession, broadcast: Broadcast) -> Broadcast | None:
    """Store a draft or scheduled broadcast without recipients; None if its dedupe_key exists."""
    if broadcast.dedupe_key is not None and await _dedupe_key_taken(session, broadcast.dedupe_key):
        return None
    session.add(broadcast)
    await session.flush()
    return broadcast


async def _mark_queued(session: AsyncSession, broadcast: Broadcast) -> bool:
    """Store a new broadcast (False when its dedupe_key was enqueued before) and mark it queued."""
    if broadcast.id is None and await add_broadcast(session, broadcast) is None:
        return False
    broadcast.status = "queued"
    await session.flush()
    return True


async def enqueue_broadcast(
    session: AsyncSession,
    broadcast: Broadcast,
    recipients: Sequence[Recipient],
    *,
    now: dt.datetime | None = None,
) -> Broadcast | None:
    """Write one pending delivery per recipient and mark the broadcast 'queued'.

    `broadcast` may be new or already stored (a draft confirmed, a scheduled one come due).
    Returns None, writing nothing, when a new broadcast's `dedupe_key` was enqueued before, so
    a reminder can never go out twice. Duplicate recipients are sent once.
    """
    now = now or utcnow()
    if not await _mark_queued(session, broadcast):
        return None
    seen: set[int] = set()
    rows = []
    for recipient in recipients:
        if recipient.chat_id in seen:
            continue
        seen.add(recipient.chat_id)
        rows.append(
            {
                "broadcast_id": broadcast.id,
                "chat_id": recipient.chat_id,
                "language": recipient.language,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "updated_at": now,
            }
        )
    if rows:
        # A bulk INSERT of dicts: batched multi-row statements, no ORM object per recipient.
        await session.execute(insert(Delivery), rows)
    return broadcast


async def enqueue_for_area(
    session: AsyncSession, broadcast: Broadcast, *, now: dt.datetime | None = None
) -> int | None:
    """Like `enqueue_broadcast` for every active subscriber of `broadcast.area`; how many.

    One `INSERT INTO deliveries ... SELECT ... FROM residents` in the caller's transaction
    (the one that marks the broadcast 'queued'): the database writes the rows, so 100,000
    subscribers cost no Python object each. Each chat once (a resident row per chat), and
    UNIQUE(broadcast_id, chat_id) still guards against any second copy. None, writing
    nothing, when a new broadcast's `dedupe_key` was enqueued before.
    """
    now = now or utcnow()
    if not await _mark_queued(session, broadcast):
        return None
    recipients = subscribers_of(broadcast.area).subquery()
    return await queue_deliveries(
        session, broadcast.id, select(recipients.c.chat_id, recipients.c.language), now=now
    )


async def queue_deliveries(
    session: AsyncSession,
    broadcast_id: int,
    recipients: Select[int, Language],
    *,
    now: dt.datetime,
) -> int:
    """One pending delivery of `broadcast_id` per (chat_id, language) row that `recipients`
    selects, in one INSERT ... SELECT (the database writes the rows); how many."""
    columns = Delivery.__table__.c
    source = recipients.subquery()
    rows = select(
        literal(broadcast_id, columns.broadcast_id.type),
        source.c[0],
        source.c[1],
        literal("pending", columns.status.type),
        literal(0, columns.attempts.type),
        literal(now, columns.next_attempt_at.type),
        literal(now, columns.updated_at.type),
    )
    result = await session.execute(
        insert(Delivery).from_select(
            [
                "broadcast_id",
                "chat_id",
                "language",
                "status",
                "attempts",
                "next_attempt_at",
                "updated_at",
            ],
            rows,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def enqueue_followup(
    session: AsyncSession,
    parent_id: int,
    kind: str,
    *,
    text_sv: str = "",
    text_en: str = "",
    created_by: int | None = None,
    staff_chat_id: int | None = None,
    now: dt.datetime | None = None,
) -> Broadcast:
    """Queue a 'correction' (edit) or 'retraction' (delete) of every sent copy of a broadcast.

    Each delivery carries the `target_message_id` to edit or delete in that chat.
    """
    if kind not in ("correction", "retraction"):
        raise ValueError(f"a follow-up is a correction or a retraction, not {kind!r}")
    now = now or utcnow()
    parent = await session.get(Broadcast, parent_id)
    if parent is None:
        raise LookupError(f"no broadcast {parent_id}")
    followup = Broadcast(
        kind=kind,
        area=parent.area,
        text_sv=text_sv,
        text_en=text_en,
        parent_id=parent_id,
        created_by=created_by,
        created_at=now,
        staff_chat_id=staff_chat_id,
        status="queued",
    )
    session.add(followup)
    await session.flush()
    sent = await session.execute(
        select(Delivery.chat_id, Delivery.language, Delivery.sent_message_id).where(
            Delivery.broadcast_id == parent_id,
            Delivery.status == "sent",
            Delivery.sent_message_id.is_not(None),
        )
    )
    rows = [
        {
            "broadcast_id": followup.id,
            "chat_id": chat_id,
            "language": language,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "target_message_id": message_id,
            "updated_at": now,
        }
        for chat_id, language, message_id in sent
    ]
    if rows:
        await session.execute(insert(Delivery), rows)
    if kind == "retraction":
        parent.status = "retracted"
    elif text_sv:
        parent.text_sv, parent.text_en = text_sv, text_en or text_sv
    await session.flush()
    return followup


async def claim_pending(
    session: AsyncSession,
    limit: int,
    now: dt.datetime,
    *,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> list[ClaimedDelivery]:
    """Take up to `limit` due deliveries: pending ones, or 'sending' ones whose lease ran out.

    They become 'sending' with `next_attempt_at = now + lease` and one more attempt. On
    PostgreSQL rows locked by another sender are skipped (FOR UPDATE SKIP LOCKED), so two
    senders never claim the same row; on SQLite (one writer) a plain select inside the write
    transaction, with the UPDATE re-checking that each row is still due. Commit right after
    claiming, so the locks are held only for this moment.
    """
    due = or_(
        and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        and_(Delivery.status == "sending", Delivery.next_attempt_at <= now),
    )
    # Two statements on purpose: PostgreSQL may re-run an `IN (SELECT … LIMIT n FOR UPDATE)`
    # subquery per row and so update more than n rows.
    chosen = list(
        await session.scalars(
            select(Delivery.id)
            .where(due)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # rendered as nothing on SQLite
        )
    )
    if not chosen:
        return []
    lease_until = now + lease
    # `due` again: on SQLite another process may have claimed a row since our read.
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(chosen), due)
        .values(
            status="sending",
            attempts=Delivery.attempts + 1,
            next_attempt_at=lease_until,
            updated_at=now,
        )
        .returning(
            Delivery.id,
            Delivery.broadcast_id,
            Delivery.chat_id,
            Delivery.language,
            Delivery.attempts,
            Delivery.target_message_id,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = [
        ClaimedDelivery(
            id=id_,
            broadcast_id=broadcast_id,
            chat_id=chat_id,
            language=language,
            attempts=attempts,
            target_message_id=target,
            lease_until=lease_until,
        )
        for id_, broadcast_id, chat_id, language, attempts, target in result
    ]
    claimed.sort(key=lambda delivery: delivery.id)
    return claimed


async def broadcasts_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Broadcast]:
    """The broadcasts behind a batch of claimed deliveries, to render their texts."""
    rows = await session.scalars(select(Broadcast).where(Broadcast.id.in_(set(ids))))
    return {broadcast.id: broadcast for broadcast in rows}


async def mark_sent(
    session: AsyncSession,
    delivery_id: int,
    message_id: int | None,
    *,
    now: dt.datetime | None = None,
) -> bool:
    """Record a successful send and the Telegram message id (for retract/correct)."""
    return await _settle(
        session, delivery_id, now, status="sent", sent_message_id=message_id, error=None
    )


async def mark_sent_many(
    session: AsyncSession,
    sent: Sequence[tuple[int, int | None]],
    *,
    now: dt.datetime | None = None,
) -> None:
    """Record many successful sends, (delivery id, message id) each, in one executemany.

    The sender settles a whole group commit this way: one statement and one round trip to the
    database instead of one per message.
    """
    if not sent:
        return
    now = now or utcnow()
    # A Core executemany: unlike the ORM's bulk update by primary key, it does not fail when a
    # resident's /forget deleted a row while its message was in flight.
    deliveries = cast(Table, Delivery.__table__)
    await session.execute(
        update(deliveries)
        .where(deliveries.c.id == bindparam("delivery_id"))
        .values(
            status="sent",
            error=None,
            updated_at=now,
            # None keeps what is stored, as mark_sent does.
            sent_message_id=func.coalesce(bindparam("message_id"), deliveries.c.sent_message_id),
        ),
        [
            {"delivery_id": delivery_id, "message_id": message_id}
            for delivery_id, message_id in sent
        ],
    )


async def mark_blocked(
    session: AsyncSession, delivery_id: int, error: str, *, now: dt.datetime | None = None
) -> bool:
    """Record a 403 (blocked, deactivated) and pause the resident's subscriptions; no retry."""
    chat_id = await session.scalar(select(Delivery.chat_id).where(Delivery.id == delivery_id))
    if chat_id is None:
        return False
    await deactivate_subscriptions(session, chat_id)
    return await _settle(session, delivery_id, now, status="blocked", error=error)


async def mark_failed(
    session: AsyncSession, delivery_id: int, error: str, *, now: dt.datetime | None = None
) -> bool:
    """Give up on a delivery after its retries, keeping the last error."""
    return await _settle(session, delivery_id, now, status="failed", error=error)


async def reschedule(
    session: AsyncSession,
    delivery_id: int,
    next_attempt_at: dt.datetime,
    *,
    error: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Put a delivery back to pending until `next_attempt_at` (429 retry_after, network error)."""
    return await _settle(
        session,
        delivery_id,
        now,
        status="pending",
        next_attempt_at=next_attempt_at,
        error=error,
    )


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    """The broadcast with this id, or None."""
    return await session.get(Broadcast, broadcast_id)


async def delivery_total(session: AsyncSession, broadcast_id: int) -> int:
    """How many deliveries a broadcast has, whatever their state."""
    count = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.broadcast_id == broadcast_id)
    )
    return int(count or 0)


async def delivery_counts(session: AsyncSession, broadcast_id: int) -> DeliveryCounts:
    """How many deliveries of the broadcast are in each state."""
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    )
    return DeliveryCounts(**{status: int(count) for status, count in rows})


async def finish_broadcasts(session: AsyncSession) -> list[Broadcast]:
    """Mark broadcasts with nothing left to send 'done'; return those still owing a report.

    The caller sends each report to `staff_chat_id`, then calls `mark_report_sent`.
    """
    unfinished = select(Delivery.id).where(
        Delivery.broadcast_id == Broadcast.id, Delivery.status.in_(_UNFINISHED)
    )
    await session.execute(
        update(Broadcast)
        .where(Broadcast.status.in_(("queued", "sending")), ~unfinished.exists())
        .values(status="done")
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(Broadcast)
        .where(
            Broadcast.status.in_(("done", "retracted")),
            Broadcast.report_sent.is_(False),
            Broadcast.staff_chat_id.is_not(None),
            ~unfinished.exists(),
        )
        .order_by(Broadcast.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def mark_report_sent(session: AsyncSession, broadcast_id: int) -> None:
    """Remember that staff got the delivery report, so a restart does not repeat it."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(report_sent=True)
        .execution_options(synchronize_session=False)
    )


async def due_scheduled(session: AsyncSession, now: dt.datetime) -> list[Broadcast]:
    """Scheduled broadcasts whose time has come, oldest first; enqueue each with its recipients."""
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.status == "scheduled", Broadcast.scheduled_for <= now)
        .order_by(Broadcast.scheduled_for, Broadcast.id)
    )
    return list(rows)


async def scheduled_broadcasts(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts waiting for their time, for /scheduled."""
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.status == "scheduled")
        .order_by(Broadcast.scheduled_for, Broadcast.id)
    )
    return list(rows)


async def cancel_broadcast(session: AsyncSession, broadcast_id: int) -> bool:
    """Cancel a draft or scheduled broadcast; False when there is none or it is already queued."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(("draft", "scheduled")))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def pending_count(session: AsyncSession) -> int:
    """Deliveries not yet settled: the outbox backlog /readyz reports."""
    count = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.status.in_(_UNFINISHED))
    )
    return int(count or 0)


async def _dedupe_key_taken(session: AsyncSession, key: str) -> bool:
    found = await session.scalar(select(Broadcast.id).where(Broadcast.dedupe_key == key))
    return found is not None


async def _settle(
    session: AsyncSession,
    delivery_id: int,
    now: dt.datetime | None,
    *,
    status: str,
    error: str | None,
    sent_message_id: int | None = None,
    next_attempt_at: dt.datetime | None = None,
) -> bool:
    now = now or utcnow()
    values: dict[str, object] = {
        "status": status,
        "error": error[:ERROR_TEXT_LIMIT] if error else None,
        "updated_at": now,
    }
    if sent_message_id is not None:
        values["sent_message_id"] = sent_message_id
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
