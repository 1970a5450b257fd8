"""The outbox sender through real PTB and the emulator: limits, 429, 403, retries, report."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from outbox_support import (
    STAFF_CHAT,
    add_subscribers,
    delivery_statuses,
    enqueue,
    make_sender,
    migrated_postgres_engine,
    ptb_bot,
    sqlite_database,
)
from sqlalchemy import select

from bot.content import Content
from bot.storage.engine import session_factory
from bot.storage.models import Subscription
from tools.emulator import running_emulator

pytestmark = pytest.mark.e2e


async def test_a_broadcast_reaches_each_subscriber_once_within_the_rate(
    tmp_path: Path, content: Content
) -> None:
    async with sqlite_database(tmp_path / "bot.db") as engine, running_emulator() as emulator:
        sessions = session_factory(engine)
        chats = await add_subscribers(sessions, range(1000, 1060), "balltorp")
        await add_subscribers(sessions, range(2000, 2010), "kallered")
        broadcast_id = await enqueue(sessions, "balltorp", "Hej Balltorp")
        async with ptb_bot(emulator) as bot:
            sender = make_sender(engine, bot, content, rate=25)
            started = time.monotonic()
            await sender.run(until_idle=True)
            elapsed = time.monotonic() - started

        counts = emulator.message_counts()
        assert all(counts.get(chat) == 1 for chat in chats)
        assert not any(counts.get(chat) for chat in range(2000, 2010))
        # As the emulator counts (on arrival), however the requests were held up on the way.
        assert emulator.max_sends_per_window(1.0) <= 25
        # 60 messages at 25/s cannot take less than ~2.3 s; a loaded machine may take longer.
        assert 2.3 <= elapsed <= 8.0
        sends = sorted(r.at for r in emulator.send_log if r.ok and r.chat_id != STAFF_CHAT)
        achieved = (len(sends) - 1) / (sends[-1] - sends[0])
        assert achieved >= 0.8 * 25
        assert emulator.last_message(1000).text.endswith("Hej Balltorp")
        assert emulator.last_message(1000).buttons[0].callback_data == "unsub:balltorp"
        report = emulator.last_message(STAFF_CHAT).text
        assert f"#{broadcast_id}" in report
        assert "60 levererade, 0 blockerade, 0 misslyckades" in report


async def test_429s_slow_the_sender_without_losing_or_repeating_anything(
    tmp_path: Path, content: Content
) -> None:
    async with (
        sqlite_database(tmp_path / "bot.db") as engine,
        running_emulator(global_rate=10) as emulator,
    ):
        sessions = session_factory(engine)
        chats = await add_subscribers(sessions, range(1000, 1030), "kallered")
        await enqueue(sessions, "kallered", "Hej")
        async with ptb_bot(emulator) as bot:
            sender = make_sender(engine, bot, content, rate=25)
            await sender.run(until_idle=True)

        rejected = [r for r in emulator.send_log if not r.ok]
        assert rejected, "the emulator should have answered some sends with 429"
        counts = emulator.message_counts()
        assert [counts.get(chat) for chat in chats] == [1] * len(chats)
        assert set((await delivery_statuses(sessions)).values()) == {"sent"}


async def test_a_429_delays_only_its_own_message_while_the_others_go_on(
    tmp_path: Path, content: Content
) -> None:
    async with sqlite_database(tmp_path / "bot.db") as engine, running_emulator() as emulator:
        sessions = session_factory(engine)
        chats = await add_subscribers(sessions, range(1000, 1050), "balltorp")
        await enqueue(sessions, "balltorp", "Hej", staff_chat_id=None)
        emulator.script_faults("429", 1, ["sendMessage"])  # retry_after 1 s
        async with ptb_bot(emulator) as bot:
            await make_sender(engine, bot, content, rate=25).run(until_idle=True)

        counts = emulator.message_counts()
        assert [counts.get(chat) for chat in chats] == [1] * len(chats)
        refused = next(r for r in emulator.send_log if r.status == 429)
        accepted = sorted(r.at for r in emulator.send_log if r.ok)
        # No pause of every send: the second after the 429 carries close to the full rate.
        assert sum(refused.at < at <= refused.at + 1.0 for at in accepted) >= 15
        # The refused message itself went out again, at least retry_after later.
        retried = [r for r in emulator.send_log if r.ok and r.chat_id == chats[0]]
        assert len(retried) == 1
        assert retried[0].at >= refused.at + 1.0


async def test_a_resident_who_blocked_the_bot_is_deactivated_and_not_retried(
    tmp_path: Path, content: Content
) -> None:
    async with sqlite_database(tmp_path / "bot.db") as engine, running_emulator() as emulator:
        sessions = session_factory(engine)
        await add_subscribers(sessions, [501, 502, 503], "balltorp")
        await emulator.block(502, notify=False)
        await enqueue(sessions, "balltorp", "Hej")
        async with ptb_bot(emulator) as bot:
            await make_sender(engine, bot, content, rate=25).run(until_idle=True)

        statuses = await delivery_statuses(sessions)
        assert statuses == {501: "sent", 502: "blocked", 503: "sent"}
        async with sessions() as session:
            rows = await session.execute(select(Subscription.chat_id, Subscription.active))
            active = {row.chat_id: row.active for row in rows}
        assert active == {501: True, 502: False, 503: True}
        attempts = [r for r in emulator.send_log if r.chat_id == 502]
        assert len(attempts) == 1
        assert (
            "2 levererade, 1 blockerade, 0 misslyckades" in emulator.last_message(STAFF_CHAT).text
        )


async def test_network_errors_are_retried_with_backoff_then_marked_failed(
    tmp_path: Path, content: Content
) -> None:
    async with sqlite_database(tmp_path / "bot.db") as engine, running_emulator() as emulator:
        sessions = session_factory(engine)
        await add_subscribers(sessions, [601], "balltorp")
        emulator.script_faults("502", 2, ["sendMessage"])
        await enqueue(sessions, "balltorp", "Hej", staff_chat_id=None)
        async with ptb_bot(emulator) as bot:
            await make_sender(engine, bot, content, rate=25, backoff=0.05).run(until_idle=True)
        assert emulator.message_counts() == {601: 1}

        await add_subscribers(sessions, [602], "kallered")
        attempts_before = len(emulator.send_log)
        emulator.script_faults("502", 10, ["sendMessage"])
        await enqueue(sessions, "kallered", "Hej igen", staff_chat_id=None)
        async with ptb_bot(emulator) as bot:
            sender = make_sender(engine, bot, content, rate=25, backoff=0.05, max_attempts=3)
            await sender.run(until_idle=True)
        statuses = await delivery_statuses(sessions)
        assert statuses[602] == "failed"
        assert len(emulator.send_log) - attempts_before == 3  # every attempt got a 502


@pytest.mark.postgres
async def test_the_sender_drains_a_broadcast_on_postgresql(content: Content) -> None:
    # The sender runs at 100/s to stay short; the emulator enforces that instead of 30/s.
    async with migrated_postgres_engine() as engine, running_emulator(global_rate=100) as emulator:
        sessions = session_factory(engine)
        chats = await add_subscribers(sessions, range(3000, 3040), "kallered", language="en")
        await emulator.block(3007, notify=False)
        await enqueue(sessions, "kallered", "Hej", "Hello")
        async with ptb_bot(emulator) as bot:
            await make_sender(engine, bot, content, rate=100).run(until_idle=True)

        counts = emulator.message_counts()
        assert [counts.get(chat, 0) for chat in chats] == [0 if c == 3007 else 1 for c in chats]
        assert emulator.last_message(3000).text.endswith("Hello")
        assert emulator.max_sends_per_window(1.0) <= 100
        assert "39 levererade, 1 blockerade" in emulator.last_message(STAFF_CHAT).text
