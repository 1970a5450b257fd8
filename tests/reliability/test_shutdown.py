"""SIGTERM during a broadcast hands over cleanly (nothing in flight, nothing repeated); SIGKILL
repeats at most the documented in-flight window; a restart finishes the broadcast."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from scheduler.outbox import default_max_in_flight
from tests.reliability.conftest import STAFF_ID, enforce_raised_rate, start_bot_process
from tests.reliability.results import Results
from tests.reliability.support import delivery_statuses, prepare_broadcast
from tools.emulator import BotApiEmulator

RECIPIENTS = 2_000
RATE = 400


async def test_sigterm_hands_over_and_sigkill_repeats_only_the_in_flight_window(
    tmp_path: Path, emulator: BotApiEmulator, results: Results
) -> None:
    enforce_raised_rate(emulator, RATE)  # the test's raised send rate, still enforced
    database = tmp_path / "bot.db"
    url = f"sqlite:///{database}"
    chats = await prepare_broadcast(database, range(50_000_000, 50_000_000 + RECIPIENTS), "Möte")
    log = tmp_path / "bot.log"

    def delivered() -> int:
        return sum(1 for chat in chats if emulator.count_messages(chat))

    async def start() -> asyncio.subprocess.Process:
        return await start_bot_process(emulator, url, log=log, OMRADESBOT_SEND_RATE=str(RATE))

    # 1. SIGTERM a fifth of the way: the process drains what is in flight and exits 0.
    bot = await start()
    try:
        await emulator.wait_until(lambda: delivered() >= RECIPIENTS // 5, timeout=30)
    finally:
        signalled = time.monotonic()
        bot.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(bot.wait(), 30)
    stop_seconds = time.monotonic() - signalled
    assert returncode == 0
    statuses = delivery_statuses(database)
    assert "sending" not in statuses, "SIGTERM left deliveries in flight"
    # A clean handover: every message Telegram accepted is recorded as sent, no more, no less.
    assert statuses["sent"] == delivered() == emulator.count_messages()
    at_sigterm = delivered()
    assert at_sigterm < RECIPIENTS, "SIGTERM came too late to interrupt the broadcast"

    # 2. Restart, then SIGKILL at about 60 %: only the in-flight rows may be sent again.
    bot = await start()
    try:
        await emulator.wait_until(lambda: delivered() >= RECIPIENTS * 3 // 5, timeout=30)
    finally:
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
    at_sigkill = delivered()
    assert at_sigkill < RECIPIENTS, "SIGKILL came too late to interrupt the broadcast"

    # 3. Restart: the broadcast completes and the staff get one report.
    bot = await start()
    try:
        await emulator.wait_until(lambda: delivered() == RECIPIENTS, timeout=60)
        await emulator.wait_for_messages(STAFF_ID, 1, timeout=30)
    finally:
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), 30) == 0

    counts = emulator.message_counts()
    duplicates = sum(counts[chat] - 1 for chat in chats)
    window = default_max_in_flight(RATE)
    assert all(counts[chat] >= 1 for chat in chats)
    assert duplicates <= window
    assert emulator.max_sends_per_window(1.0) <= RATE
    assert delivery_statuses(database) == {"sent": RECIPIENTS}
    assert emulator.count_messages(STAFF_ID) == 1
    results.record(
        "faults",
        "sigterm_sigkill",
        {
            "recipients": RECIPIENTS,
            "send_rate": RATE,
            "delivered_at_sigterm": at_sigterm,
            "sigterm_exit_code": returncode,
            "sigterm_stop_s": round(stop_seconds, 2),
            "left_in_flight_by_sigterm": 0,
            "delivered_at_sigkill": at_sigkill,
            "duplicates_after_sigkill": duplicates,
            "in_flight_window": window,
            "lost": sum(1 for chat in chats if counts[chat] == 0),
            "peak_sends_in_one_second": emulator.max_sends_per_window(1.0),
        },
    )
