"""Load: 200 residents asking 10 questions each, concurrently, while 5,000 recipients get a
broadcast; every question answered once, replies fast, the broadcast complete within its rate."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from bot.content import Content
from bot.holder import ContentBundle
from bot.storage.engine import session_factory
from tests.e2e.outbox_support import add_subscribers, enqueue, sqlite_database
from tests.reliability.conftest import STAFF_ID, percentile, start_bot_process
from tests.reliability.results import Results
from tools.emulator import BotApiEmulator

RESIDENTS = 200
QUESTIONS = 10
RECIPIENTS = 5_000
# Telegram's default of 25/s would make the broadcast last 200 s; the limit logic is the same at
# 500/s, and the emulator's log shows whether any one-second window went over it.
# Before the send budget, 500/s was the broadcast's alone and replies went unpaced; the same load
# now runs as a budget of 1,500/s for everything (more than replies and broadcast together
# reach here, about 1,050/s), at most 500/s of it for the broadcast (OMRADESBOT_BROADCAST_RATE),
# replies first.
SEND_RATE = 1500
BROADCAST_RATE = 500
P95_TARGET = 1.0  # seconds, on the 2-core machine
# What the test enforces: a regression guard, not the target (docs/reliability.md reports the
# measured p95 against the target); loose, because CI machines run other jobs beside this one.
# Measured here: one update at a time 25-28 s; chats side by side 3-5 s; with aiohttp, uvloop
# and the lighter outbox sends 0.73-0.87 s.
P95_BOUND = 2.5
REPLY_TIMEOUT = 90.0


@pytest.mark.timeout(300)
async def test_residents_are_answered_while_a_large_broadcast_drains(
    tmp_path: Path, emulator: BotApiEmulator, content: Content, results: Results
) -> None:
    database = tmp_path / "bot.db"
    async with sqlite_database(database) as engine:
        sessions = session_factory(engine)
        subscribers = await add_subscribers(
            sessions, range(20_000_000, 20_000_000 + RECIPIENTS), "balltorp"
        )
        await enqueue(sessions, "balltorp", "Viktigt: träff i Balltorp", staff_chat_id=STAFF_ID)

    questions = [entry.questions["sv"][0] for entry in content.faq]
    dialogue = ContentBundle.build(content).dialogue
    expected = {question: dialogue.answer(question, "sv").text for question in questions}
    asked: dict[int, list[str]] = {}
    residents = [emulator.user(1_000_000 + n, language_code="sv") for n in range(RESIDENTS)]
    latencies: list[float] = []

    async def converse(number: int) -> None:
        user = residents[number]
        for turn in range(QUESTIONS):
            question = questions[(number + turn) % len(questions)]
            asked.setdefault(user.id, []).append(expected[question])
            before = emulator.count_messages(user.id)
            started = time.monotonic()
            await emulator.send_text(user, question)
            await emulator.wait_for_messages(user.id, before + 1, timeout=REPLY_TIMEOUT)
            latencies.append(time.monotonic() - started)

    # This test measures the bot's throughput, far past Telegram's limits: its residents ask 10
    # questions back to back (faster than one a second per chat) and the bot's total rate is
    # raised to 1,500/s. The emulator enforces that total; the per-chat limit is off, since no
    # person types like this (tests/reliability/test_send_budget.py runs under Telegram's).
    emulator.set_rate_limits(global_per_second=SEND_RATE, per_chat_per_second=None)
    # The bot runs as deployed, in its own process (`omradesbot run`), so it has a core of its
    # own and the residents and the emulator in this process do not slow it down.
    log = tmp_path / "bot.log"
    bot = await start_bot_process(
        emulator,
        f"sqlite:///{database}",
        log=log,
        OMRADESBOT_SEND_RATE=str(SEND_RATE),
        OMRADESBOT_BROADCAST_RATE=str(BROADCAST_RATE),
    )
    try:
        await emulator.wait_until(lambda: emulator.count_messages() > 0, timeout=30)
        started = time.monotonic()
        await asyncio.gather(*(converse(n) for n in range(RESIDENTS)))
        questions_done = time.monotonic() - started
        await emulator.wait_until(
            lambda: all(emulator.count_messages(chat) for chat in subscribers),
            timeout=60,
            what="every subscriber to get the broadcast",
        )
        broadcast_done = time.monotonic() - started
        await emulator.wait_for_messages(STAFF_ID, 1, timeout=10)
        await emulator.wait_for_updates_confirmed(timeout=10)
        bot_cpu = _cpu_seconds(bot.pid)
    finally:
        bot.terminate()
        assert await bot.wait() == 0

    counts = emulator.message_counts()
    # Every question answered, none twice: exactly one reply per question, in every chat, and
    # it is the answer to that question (not an apology).
    assert {counts.get(user.id, 0) for user in residents} == {QUESTIONS}
    wrong = [
        user.id
        for user in residents
        if [m.text for m in emulator.messages(user.id)] != asked[user.id]
    ]
    assert not wrong, f"{len(wrong)} residents got a wrong reply; log:\n{log.read_text()[-3000:]}"
    assert all(not m.parse_mode for user in residents for m in emulator.messages(user.id))
    # The broadcast reached everyone exactly once, within the rate limit.
    assert {counts[chat] for chat in subscribers} == {1}
    chats = set(subscribers)
    broadcast_sends = [r for r in emulator.send_log if r.chat_id in chats]
    peak = _peak_per_second([r.at for r in broadcast_sends])
    assert peak <= BROADCAST_RATE
    assert emulator.max_sends_per_window(1.0) <= SEND_RATE
    assert f"{RECIPIENTS} levererade" in emulator.last_message(STAFF_ID).text

    p50, p95, worst = (percentile(latencies, q) for q in (0.5, 0.95, 1.0))
    assert len(latencies) == RESIDENTS * QUESTIONS
    print(  # for `pytest -s`: the figures without `make reliability`
        f"\nload: reply latency p50 {p50:.3f} s, p95 {p95:.3f} s, max {worst:.3f} s; "
        f"questions done after {questions_done:.1f} s, broadcast after {broadcast_done:.1f} s; "
        f"bot CPU {bot_cpu} s"
    )
    assert p95 < P95_BOUND, f"p95 reply latency {p95:.2f} s"
    results.record(
        "load",
        "residents_questions",
        {
            "residents": RESIDENTS,
            "questions_each": QUESTIONS,
            "answered": sum(counts.get(user.id, 0) for user in residents),
            "answered_twice": 0,
            "p50_s": round(p50, 3),
            "p95_s": round(p95, 3),
            "max_s": round(worst, 3),
            "p95_target_s": P95_TARGET,
            "questions_done_s": round(questions_done, 1),
            "questions_per_s": round(RESIDENTS * QUESTIONS / questions_done, 1),
            "bot_cpu_s": None if bot_cpu is None else round(bot_cpu, 1),
        },
    )
    results.record(
        "load",
        "broadcast",
        {
            "recipients": RECIPIENTS,
            "delivered_once": sum(1 for chat in subscribers if counts[chat] == 1),
            "send_rate_limit": SEND_RATE,
            "broadcast_rate_limit": BROADCAST_RATE,
            "peak_sends_in_one_second": peak,
            "drained_s": round(broadcast_done, 1),
        },
    )


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc; None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_per_second(times: list[float]) -> int:
    """The most events in any one-second sliding window."""
    ordered = sorted(times)
    peak, start = 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    return peak
