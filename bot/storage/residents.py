"""Residents and their per-area subscriptions; functions work inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._dialect import insert_ignoring_conflicts
from bot.storage.columns import utcnow
from bot.storage.models import SUBSCRIPTION_AREAS, Language, Resident, Subscription


@dataclass(frozen=True)
class Recipient:
    """Who receives a push, and in which language."""

    chat_id: int
    language: Language


def expand_areas(areas: Iterable[str]) -> list[str]:
    """The subscription areas meant by `areas` ('all' = every area); ValueError for others."""
    wanted: set[str] = set()
    for area in areas:
        if area == "all":
            wanted.update(SUBSCRIPTION_AREAS)
        elif area in SUBSCRIPTION_AREAS:
            wanted.add(area)
        else:
            raise ValueError(f"unknown area {area!r}")
    return [area for area in SUBSCRIPTION_AREAS if area in wanted]


async def get_or_create_resident(
    session: AsyncSession, chat_id: int, language_hint: Language, *, now: dt.datetime | None = None
) -> Resident:
    """The resident of `chat_id`, created with `language_hint` on first contact.

    Until the resident picks a language with /language, it follows Telegram's
    (`language_hint`), so a changed app language is honoured.
    """
    now = now or utcnow()
    await session.execute(
        insert_ignoring_conflicts(session, Resident).values(
            chat_id=chat_id,
            language=language_hint,
            language_chosen=False,
            created_at=now,
            updated_at=now,
        )
    )
    resident = await session.get(Resident, chat_id, populate_existing=True)
    assert resident is not None
    if not resident.language_chosen and resident.language != language_hint:
        resident.language = language_hint
        resident.updated_at = now
        await session.flush()
    return resident


async def get_resident(session: AsyncSession, chat_id: int) -> Resident | None:
    """The resident of `chat_id`, or None when the bot stores nothing about them."""
    return await session.get(Resident, chat_id, populate_existing=True)


async def set_language(
    session: AsyncSession, chat_id: int, language: Language, *, now: dt.datetime | None = None
) -> Resident:
    """Remember the language the resident chose explicitly."""
    resident = await get_or_create_resident(session, chat_id, language, now=now)
    resident.language = language
    resident.language_chosen = True
    resident.updated_at = now or utcnow()
    await session.flush()
    return resident


async def subscribe(
    session: AsyncSession, chat_id: int, areas: Iterable[str], *, now: dt.datetime | None = None
) -> list[str]:
    """Subscribe to `areas` ('all' = every area); return the areas that were not active before.

    The resident must exist (call `get_or_create_resident` first). Subscribing again is
    harmless and reactivates a subscription paused because the resident had blocked the bot.
    """
    wanted = expand_areas(areas)
    now = now or utcnow()
    existing = {
        row.area: row
        for row in await session.scalars(
            select(Subscription).where(Subscription.chat_id == chat_id)
        )
    }
    added: list[str] = []
    for area in wanted:
        row = existing.get(area)
        if row is None:
            session.add(Subscription(chat_id=chat_id, area=area, active=True, created_at=now))
            added.append(area)
        elif not row.active:
            row.active = True
            added.append(area)
    await session.flush()
    return added


async def unsubscribe(session: AsyncSession, chat_id: int, areas: Iterable[str]) -> list[str]:
    """Delete the subscriptions to `areas` ('all' = every area); return those that were active."""
    wanted = expand_areas(areas)
    removed = await session.execute(
        delete(Subscription)
        .where(Subscription.chat_id == chat_id, Subscription.area.in_(wanted))
        .returning(Subscription.area, Subscription.active)
        .execution_options(synchronize_session=False),
    )
    active = {area for area, was_active in removed if was_active}
    return [area for area in SUBSCRIPTION_AREAS if area in active]


async def subscriptions_of(session: AsyncSession, chat_id: int) -> list[str]:
    """The areas the resident actively subscribes to, in a stable order."""
    rows = set(
        await session.scalars(
            select(Subscription.area).where(
                Subscription.chat_id == chat_id, Subscription.active.is_(True)
            )
        )
    )
    return [area for area in SUBSCRIPTION_AREAS if area in rows]


async def deactivate_subscriptions(session: AsyncSession, chat_id: int) -> int:
    """Pause every subscription of a resident who blocked the bot; return how many."""
    result = await session.execute(
        update(Subscription)
        .where(Subscription.chat_id == chat_id, Subscription.active.is_(True))
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def subscribers_of(area: str) -> Select[int, Language]:
    """(chat_id, language) of the active subscribers of `area`, each chat once ('all' too).

    A query, not rows: a broadcast's deliveries are written from it inside the database
    (bot.storage.outbox.enqueue_for_area), never through Python objects per subscriber.
    """
    areas = expand_areas([area])
    return select(Resident.chat_id, Resident.language).where(
        Resident.chat_id.in_(
            select(Subscription.chat_id).where(
                Subscription.area.in_(areas), Subscription.active.is_(True)
            )
        )
    )


async def subscriber_chat_ids(session: AsyncSession, area: str) -> list[Recipient]:
    """Active subscribers of `area`; for 'all', everyone with any active subscription, once."""
    rows = await session.execute(subscribers_of(area).order_by(Resident.chat_id))
    return [Recipient(chat_id, language) for chat_id, language in rows]


async def subscriber_count(session: AsyncSession, area: str) -> int:
    """How many chats a broadcast to `area` reaches now (what its preview shows)."""
    count = await session.scalar(select(func.count()).select_from(subscribers_of(area).subquery()))
    return int(count or 0)


async def subscriber_counts(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Active subscribers per (area, language), for /stats."""
    rows = await session.execute(
        select(Subscription.area, Resident.language, func.count())
        .join(Resident, Resident.chat_id == Subscription.chat_id)
        .where(Subscription.active.is_(True))
        .group_by(Subscription.area, Resident.language)
    )
    return {(area, language): int(count) for area, language, count in rows}


async def staff_recipients(
    session: AsyncSession, chat_ids: Sequence[int], *, now: dt.datetime
) -> list[Recipient]:
    """Staff chats with their languages; a delivery needs a row in residents to hang off, so
    one is added (Swedish, not chosen) for a chat that has none."""
    await session.execute(
        insert_ignoring_conflicts(session, Resident),
        [
            {
                "chat_id": chat_id,
                "language": "sv",
                "language_chosen": False,
                "created_at": now,
                "updated_at": now,
            }
            for chat_id in chat_ids
        ],
    )
    rows = await session.execute(
        select(Resident.chat_id, Resident.language).where(Resident.chat_id.in_(chat_ids))
    )
    languages: dict[int, str] = {}
    for chat_id, language in rows:
        languages[chat_id] = language
    return [
        Recipient(chat_id, "en" if languages.get(chat_id) == "en" else "sv") for chat_id in chat_ids
    ]
