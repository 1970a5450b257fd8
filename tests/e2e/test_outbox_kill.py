"""A 2,000-recipient broadcast survives SIGKILL of `omradesbot run`: each gets it once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from outbox_support import STAFF_CHAT, add_subscribers, enqueue, sqlite_database

from bot.storage.engine import session_factory
from scheduler.outbox import default_max_in_flight
from tools.emulator import BotApiEmulator, running_emulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 2000
RATE = 400  # fast enough for a short test; the window bound below scales with it


async def start_bot(emulator: BotApiEmulator, database: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": emulator.base_url,
        "OMRADESBOT_DATABASE_URL": f"sqlite:///{database}",
        "OMRADESBOT_CONTENT_DIR": str(ROOT / "content"),
        "OMRADESBOT_SEND_RATE": str(RATE),
        "OMRADESBOT_LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_killed_sender_resumes_and_every_recipient_gets_the_message_once(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.db"
    async with sqlite_database(database) as engine:
        sessions = session_factory(engine)
        chats = await add_subscribers(sessions, range(10_000, 10_000 + RECIPIENTS), "balltorp")
        await enqueue(sessions, "balltorp", "Viktigt meddelande")

    # The raised send rate is enforced by the emulator instead of Telegram's 30/s.
    async with running_emulator(global_rate=RATE) as emulator:

        def delivered() -> int:
            return sum(1 for chat in chats if emulator.count_messages(chat))

        bot = await start_bot(emulator, database)
        try:
            await emulator.wait_until(lambda: delivered() >= RECIPIENTS // 3, timeout=30)
        finally:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
        at_kill = delivered()
        assert at_kill < RECIPIENTS, "the kill came too late to interrupt the broadcast"

        bot = await start_bot(emulator, database)
        try:
            await emulator.wait_until(lambda: delivered() == RECIPIENTS, timeout=40)
            await emulator.wait_for_messages(STAFF_CHAT, 1, timeout=10)
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()

        counts = emulator.message_counts()
        duplicates = sum(counts[chat] - 1 for chat in chats)
        assert all(counts[chat] >= 1 for chat in chats)
        # Only the deliveries in flight at the kill can repeat; the sender bounds those.
        assert duplicates <= default_max_in_flight(RATE)
        assert emulator.max_sends_per_window(1.0) <= RATE
        report = emulator.last_message(STAFF_CHAT).text
        assert f"{RECIPIENTS} levererade" in report
