"""Residents and subscriptions: language memory, idempotent (un)subscribe, who receives a push."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import (
    Recipient,
    deactivate_subscriptions,
    get_or_create_resident,
    get_resident,
    set_language,
    subscribe,
    subscriber_chat_ids,
    subscriber_counts,
    subscriptions_of,
    unsubscribe,
)

# Beyond 32 bits, as real Telegram chat ids can be.
ANNA, BO, CECILIA = 7_000_000_001, 7_000_000_002, 7_000_000_003


async def test_language_follows_telegram_until_chosen(session: AsyncSession) -> None:
    async with session.begin():
        assert (await get_or_create_resident(session, ANNA, "sv")).language == "sv"
        assert (await get_or_create_resident(session, ANNA, "en")).language == "en"
        await set_language(session, ANNA, "sv")
        resident = await get_or_create_resident(session, ANNA, "en")
    assert (resident.language, resident.language_chosen) == ("sv", True)
    async with session.begin():
        stored = await get_resident(session, ANNA)
    assert stored is not None
    assert stored.language == "sv"


async def test_unknown_resident_has_nothing(session: AsyncSession) -> None:
    async with session.begin():
        assert await get_resident(session, ANNA) is None
        assert await subscriptions_of(session, ANNA) == []


async def test_subscribe_and_unsubscribe_are_idempotent(session: AsyncSession) -> None:
    async with session.begin():
        await get_or_create_resident(session, ANNA, "sv")
        assert await subscribe(session, ANNA, ["balltorp"]) == ["balltorp"]
        assert await subscribe(session, ANNA, ["balltorp"]) == []
        assert await subscribe(session, ANNA, ["all"]) == ["kallered"]
        assert await subscribe(session, ANNA, ["all"]) == []
        assert await subscriptions_of(session, ANNA) == ["balltorp", "kallered"]
    async with session.begin():
        assert await unsubscribe(session, ANNA, ["kallered"]) == ["kallered"]
        assert await unsubscribe(session, ANNA, ["kallered"]) == []
        assert await subscriptions_of(session, ANNA) == ["balltorp"]
        assert await unsubscribe(session, ANNA, ["all"]) == ["balltorp"]
        assert await unsubscribe(session, ANNA, ["all"]) == []
        assert await subscriptions_of(session, ANNA) == []


async def test_unknown_area_is_refused(session: AsyncSession) -> None:
    async with session.begin():
        await get_or_create_resident(session, ANNA, "sv")
        with pytest.raises(ValueError, match="unknown area"):
            await subscribe(session, ANNA, ["goteborg"])


async def test_subscribers_per_area_with_their_language(session: AsyncSession) -> None:
    async with session.begin():
        for chat_id, language in ((ANNA, "sv"), (BO, "en"), (CECILIA, "sv")):
            await get_or_create_resident(session, chat_id, language)
        await subscribe(session, ANNA, ["all"])
        await subscribe(session, BO, ["balltorp"])
        await subscribe(session, CECILIA, ["kallered"])
    async with session.begin():
        assert await subscriber_chat_ids(session, "balltorp") == [
            Recipient(ANNA, "sv"),
            Recipient(BO, "en"),
        ]
        assert await subscriber_chat_ids(session, "kallered") == [
            Recipient(ANNA, "sv"),
            Recipient(CECILIA, "sv"),
        ]
        # 'all' reaches everyone with any subscription, each once.
        assert await subscriber_chat_ids(session, "all") == [
            Recipient(ANNA, "sv"),
            Recipient(BO, "en"),
            Recipient(CECILIA, "sv"),
        ]
        assert await subscriber_counts(session) == {
            ("balltorp", "sv"): 1,
            ("balltorp", "en"): 1,
            ("kallered", "sv"): 2,
        }


async def test_blocked_resident_is_left_out_until_subscribing_again(session: AsyncSession) -> None:
    async with session.begin():
        await get_or_create_resident(session, ANNA, "sv")
        await subscribe(session, ANNA, ["all"])
        assert await deactivate_subscriptions(session, ANNA) == 2
    async with session.begin():
        assert await subscriber_chat_ids(session, "all") == []
        assert await subscriptions_of(session, ANNA) == []
        assert await subscribe(session, ANNA, ["balltorp"]) == ["balltorp"]
        assert await subscriber_chat_ids(session, "all") == [Recipient(ANNA, "sv")]
