"""Two `omradesbot run --webhook` processes on one PostgreSQL behind a round-robin balancer,
under Telegram's limits: one bot to Telegram and to residents, not two.

- 200 residents subscribe in one burst: all confirmed within 15 s, few 429s (the send budget is
  shared by both processes: 30 a second in all, not 30 each);
- 60 residents ask while a broadcast to the 200 drains: every question answered once, p95 under
  3 s, the broadcast reaches each subscriber once;
- a question the bot cannot answer, "Ask the staff" and Send land on different processes: the
  staff get it (the draft is in the database, not in one process's memory);
- OMRADESBOT_FLOOD_LIMIT=6: a resident sending 14 messages gets 6 answers and one notice from
  the bot as a whole (the count is in the database).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from outbox_support import enqueue
from sqlalchemy import text

from bot.content import Content, load_content
from bot.core.tickets import SEND_PREFIX
from bot.domain import ASK_STAFF
from bot.holder import ContentBundle
from bot.storage import upgrade
from bot.storage.engine import session_factory
from tests.databases import Database, postgres_database
from tests.e2e.test_scale_out import BotProcess, wait_until_serving
from tests.e2e.webhook_support import PUBLIC_URL, SECRET, RoundRobin, free_port
from tools.emulator import BotApiEmulator, running_emulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.postgres, pytest.mark.timing]

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 2
SUBSCRIBERS = 200
QUESTIONS = 60
FLOOD_LIMIT = 6
STAFF = 8_800_001
BROADCAST = "Viktigt: träff i Balltorp"
MAX_429_SHARE = 0.03


async def start_process(
    emulator: BotApiEmulator, database: Database, port: int, log: Path
) -> BotProcess:
    """`omradesbot run --webhook` with its defaults (30 messages a second in all)."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": emulator.base_url,
        "OMRADESBOT_DATABASE_URL": database.plain_url,
        "OMRADESBOT_CONTENT_DIR": str(ROOT / "content"),
        "OMRADESBOT_WEBHOOK_URL": PUBLIC_URL,
        "OMRADESBOT_WEBHOOK_SECRET": SECRET,
        "OMRADESBOT_LISTEN": f"127.0.0.1:{port}",
        "OMRADESBOT_FLOOD_LIMIT": str(FLOOD_LIMIT),
        "OMRADESBOT_STAFF_IDS": str(STAFF),
        "OMRADESBOT_LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
    }
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--webhook",
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=sink,
        )
    return BotProcess(port, process, log)


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    """A fresh, migrated PostgreSQL database with a plain URL the subprocesses can use."""
    async with postgres_database() as database:
        await upgrade(database.url)
        yield database


def refused_share(emulator: BotApiEmulator) -> float:
    return emulator.refused_sends / max(1, len(emulator.send_log))


async def subscribe_in_a_burst(emulator: BotApiEmulator, content: Content) -> float:
    residents = [emulator.user(6_000_000 + n, language_code="sv") for n in range(SUBSCRIBERS)]
    started = time.monotonic()
    for resident in residents:
        await emulator.send_command(resident, "prenumerera", "balltorp")
    await emulator.wait_until(
        lambda: all(emulator.count_messages(r.id) for r in residents),
        timeout=45,
        what="every confirmation",
    )
    elapsed = time.monotonic() - started
    confirmed = content.texts.get("subscribed", "sv", area="Balltorp")
    assert [emulator.texts(r.id) for r in residents] == [[confirmed]] * SUBSCRIBERS
    return elapsed


async def ask_while_broadcasting(
    emulator: BotApiEmulator, database: Database, content: Content
) -> list[float]:
    subscribers = [6_000_000 + n for n in range(SUBSCRIBERS)]
    engine = database.engine()
    try:
        await enqueue(session_factory(engine), "balltorp", BROADCAST, staff_chat_id=STAFF)
    finally:
        await engine.dispose()

    def reached() -> int:
        return sum(1 for c in subscribers if any(BROADCAST in t for t in emulator.texts(c)))

    await emulator.wait_until(lambda: reached() >= 30, timeout=30, what="the broadcast to start")
    askers = [emulator.user(c) for c in subscribers[:20]]
    askers += [emulator.user(6_500_000 + n) for n in range(QUESTIONS - 20)]
    questions = [entry.questions["sv"][0] for entry in content.faq]
    dialogue = ContentBundle.build(content).dialogue
    answers: dict[int, str] = {}
    asked_at: dict[int, float] = {}
    for number, user in enumerate(askers):
        question = questions[number % len(questions)]
        answers[user.id] = dialogue.answer(question, "sv").text
        asked_at[user.id] = time.monotonic()
        await emulator.send_text(user, question)
    await emulator.wait_until(
        lambda: all(any(m.text == answers[u.id] for m in emulator.messages(u.id)) for u in askers),
        timeout=60,
        what="every answer",
    )
    await emulator.wait_until(lambda: reached() == SUBSCRIBERS, timeout=60, what="the broadcast")
    latencies = []
    for user in askers:
        replies = [m for m in emulator.messages(user.id) if m.text == answers[user.id]]
        assert len(replies) == 1, f"{user.id} was answered {len(replies)} times"
        latencies.append(replies[0].sent_at - asked_at[user.id])
    for chat in subscribers:
        assert sum(BROADCAST in t for t in emulator.texts(chat)) == 1
    return latencies


async def flood(emulator: BotApiEmulator, database: Database) -> int:
    resident = emulator.user(6_900_001, language_code="sv")
    for number in range(14):
        await emulator.send_text(resident, f"hej {number}")
    engine = database.engine()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            async with engine.connect() as connection:
                counted = await connection.scalar(
                    text("SELECT count(*) FROM flood_messages WHERE chat_id = :chat"),
                    {"chat": resident.id},
                )
            if counted == 14:
                break
            await asyncio.sleep(0.05)  # the processes write the count; nothing to be woken by
    finally:
        await engine.dispose()
    assert counted == 14
    await emulator.wait_for_messages(resident.id, FLOOD_LIMIT + 1, timeout=10)
    return resident.id


async def ask_the_staff_across_processes(emulator: BotApiEmulator, content: Content) -> None:
    resident = emulator.user(6_900_002, language_code="sv")
    question = "Vad kostar en pizza på torget i Balltorp?"
    (unknown,) = await emulator.send_and_wait(resident, question, timeout=10)
    # The balancer sends the next update to the other process: the press finds the draft there.
    query = await emulator.press_button(resident, unknown, data=ASK_STAFF)
    await emulator.wait_for_callback_answer(query, timeout=10)
    (confirm,) = (await emulator.wait_for_messages(resident.id, 2, timeout=10))[1:]
    assert question in confirm.content
    send = next(b for b in confirm.buttons if (b.callback_data or "").startswith(SEND_PREFIX))
    await emulator.press_button(resident, confirm, data=send.callback_data)
    await emulator.wait_until(
        lambda: any(question in m.content for m in emulator.messages(STAFF)),
        timeout=10,
        what="the ticket in the staff chat",
    )
    sent = (await emulator.wait_for_messages(resident.id, 3, timeout=10))[2]
    assert sent.content.startswith(content.texts.get("ticket_sent", "sv", id=1)[:20])


@pytest.mark.timeout(240)
async def test_two_processes_behind_a_balancer_are_one_bot_within_telegrams_limits(
    database: Database, tmp_path: Path
) -> None:
    content = load_content(ROOT / "content")
    async with running_emulator() as emulator, aiohttp.ClientSession() as http:
        bots = [
            await start_process(emulator, database, free_port(), tmp_path / f"bot{i}.log")
            for i in range(PROCESSES)
        ]
        try:
            for bot in bots:
                await wait_until_serving(http, bot)
            async with RoundRobin(emulator, http, [bot.port for bot in bots]) as balancer:
                started = time.monotonic()
                burst = await subscribe_in_a_burst(emulator, content)
                latencies = await ask_while_broadcasting(emulator, database, content)
                flooder = await flood(emulator, database)
                await ask_the_staff_across_processes(emulator, content)
                took = time.monotonic() - started
            assert all(posted > 0 for posted in balancer.posted.values())
        finally:
            for bot in bots:
                if bot.alive:
                    bot.process.send_signal(signal.SIGTERM)
            for bot in bots:
                await asyncio.wait_for(bot.process.wait(), timeout=30)
    logs = "\n".join(bot.log.read_text() for bot in bots)
    assert all(bot.process.returncode == 0 for bot in bots), logs

    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    share = refused_share(emulator)
    print(
        f"\n{PROCESSES} processes ({took:.0f} s): burst confirmed in {burst:.1f} s; "
        f"questions p95 {p95:.2f} s; "
        f"429 share {share:.1%} of {len(emulator.send_log)} sends; "
        f"peak {emulator.max_sends_per_window(1.0)}/s"
    )
    assert burst < 15.0, logs
    assert p95 < 3.0, logs
    assert share <= MAX_429_SHARE, logs
    # The flood limit holds for the bot as a whole: 6 answers and one notice, not 6 per process.
    # (Two processes answer the chat side by side, so the notice may overtake the last answer.)
    texts = emulator.texts(flooder)
    notice = content.texts.get("flood_notice", "sv")
    assert len(texts) == FLOOD_LIMIT + 1, texts
    assert texts.count(notice) == 1, texts
