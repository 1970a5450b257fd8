"""Faults: a flaky Bot API (5xx, timeouts, dropped connections, bursts of 429) and a database
that is briefly unavailable; the bot keeps answering, retries, and loses no delivery and no
reply: every question is answered once, without the resident asking again."""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from pathlib import Path

from bot.content import Content
from bot.holder import ContentBundle
from tests.reliability.conftest import STAFF_ID, enforce_raised_rate, start_bot_process
from tests.reliability.results import Results
from tests.reliability.support import (
    delivery_statuses,
    error_lines,
    lost_counts,
    prepare_broadcast,
)
from tools.emulator import BotApiEmulator, FaultConfig, User

# PTB's HTTP client gives up on a silent server after 5 s (HTTPXRequest's read_timeout); the
# emulator holds a "timeout" request just longer than that, then drops it.
CLIENT_TIMEOUT = 5.0
FAULT_RATE = 0.05
RESIDENTS = 20
QUESTIONS = 5
RECIPIENTS = 1_000
SEND_RATE = 200


# A reply that meets a fault is tried again by the send budget: a held request times out after
# CLIENT_TIMEOUT, then backs off; two faults in a row still arrive well within this.
REPLY_WAIT = 45.0


async def ask_once(
    emulator: BotApiEmulator,
    user: User,
    question: str,
    answer: str,
    tally: collections.Counter[str],
) -> None:
    """Ask once, as a resident would, and wait for the one answer: it must come."""
    before = emulator.count_messages(user.id)
    await emulator.send_text(user, question)
    messages = await emulator.wait_for_messages(user.id, before + 1, timeout=REPLY_WAIT)
    assert messages[before].text == answer, f"{user.id} got {messages[before].text[:60]!r}"
    tally["answered the first time"] += 1


async def test_a_flaky_bot_api_loses_no_delivery_and_no_resident(
    tmp_path: Path, emulator: BotApiEmulator, content: Content, results: Results
) -> None:
    database = tmp_path / "bot.db"
    chats = await prepare_broadcast(database, range(30_000_000, 30_000_000 + RECIPIENTS), "Möte")
    dialogue = ContentBundle.build(content).dialogue
    questions = [entry.questions["sv"][0] for entry in content.faq]
    residents = [emulator.user(2_000_000 + n, language_code="sv") for n in range(RESIDENTS)]
    tally: collections.Counter[str] = collections.Counter()

    async def converse(number: int) -> None:
        for turn in range(QUESTIONS):
            question = questions[(number * QUESTIONS + turn) % len(questions)]
            answer = dialogue.answer(question, "sv").text
            await ask_once(emulator, residents[number], question, answer, tally)

    enforce_raised_rate(emulator, SEND_RATE)  # the test's raised send rate, still enforced
    emulator.set_faults(
        FaultConfig(
            rate=FAULT_RATE,
            seed=9,
            kinds=("500", "502", "timeout", "drop"),
            timeout_hold=CLIENT_TIMEOUT + 0.5,
        )
    )
    log = tmp_path / "bot.log"
    bot = await start_bot_process(
        emulator, f"sqlite:///{database}", log=log, OMRADESBOT_SEND_RATE=str(SEND_RATE)
    )
    try:
        conversations = asyncio.gather(*(converse(n) for n in range(RESIDENTS)))
        # Bursts of 429 in the middle of it: at a third and at two thirds of the broadcast.
        bursts = 0
        for share in (3, 3 / 2):
            await emulator.wait_until(
                lambda share=share: (
                    sum(1 for c in chats if emulator.count_messages(c)) >= RECIPIENTS / share
                ),
                timeout=60,
            )
            emulator.script_faults("429", count=15, methods=["sendmessage"])
            bursts += 15
        await conversations
        await emulator.wait_until(
            lambda: all(emulator.count_messages(chat) for chat in chats),
            timeout=90,
            what="every subscriber to get the broadcast despite the faults",
        )
        await emulator.wait_for_messages(STAFF_ID, 1, timeout=30)
        assert bot.returncode is None, "the bot died under faults"
        # Still polling after the storm: faults off, one more question is answered at once.
        emulator.set_faults(None)
        last = residents[0]
        (reply,) = await emulator.send_and_wait(last, questions[0], timeout=10)
        assert reply.text == dialogue.answer(questions[0], "sv").text
    finally:
        bot.terminate()
        returncode = await bot.wait()
    assert returncode == 0

    counts = emulator.message_counts()
    assert {counts[chat] for chat in chats} == {1}, "a subscriber got the broadcast twice"
    assert delivery_statuses(database) == {"sent": RECIPIENTS}
    # Every question answered once: no reply lost to a fault, none sent twice by a retry.
    assert [counts[r.id] for r in residents[1:]] == [QUESTIONS] * (RESIDENTS - 1)
    assert counts[residents[0].id] == QUESTIONS + 1
    assert lost_counts(database) == {}
    faulted = collections.Counter(r.fault for r in emulator.request_log if r.fault)
    assert sum(faulted.values()) > 0
    # A failed getUpdates is retried by polling itself: a warning line, not an error with a
    # traceback (errors are for updates that went unanswered).
    assert not [line for line in error_lines(log) if "handling update None" in line]
    results.record(
        "faults",
        "flaky_bot_api",
        {
            "fault_rate": FAULT_RATE,
            "timeout_hold_s": CLIENT_TIMEOUT + 0.5,
            "requests": len(emulator.request_log),
            "faulted_by_kind": dict(sorted(faulted.items())),
            "scripted_429": bursts,
            "questions": RESIDENTS * QUESTIONS,
            "resident_outcomes": dict(sorted(tally.items())),
            "replies_lost": sum(lost_counts(database).values()),
            "broadcast_recipients": RECIPIENTS,
            "delivered_once": sum(1 for chat in chats if counts[chat] == 1),
            "lost": sum(1 for chat in chats if counts[chat] == 0),
            "bot_exit_code": returncode,
            "error_log_lines": len(error_lines(log)),
        },
    )


async def test_a_locked_sqlite_database_gets_an_apology_and_the_outbox_resumes(
    tmp_path: Path, emulator: BotApiEmulator, content: Content, results: Results
) -> None:
    database = tmp_path / "bot.db"
    recipients = 1_000
    chats = await prepare_broadcast(database, range(31_000_000, 31_000_000 + recipients), "Möte")
    dialogue = ContentBundle.build(content).dialogue
    question = content.faq[0].questions["sv"][0]
    apology = dialogue.apology("sv").text
    resident = emulator.user(2_100_000, language_code="sv")
    enforce_raised_rate(emulator, SEND_RATE)  # the test's raised send rate, still enforced

    def delivered() -> int:
        return sum(1 for chat in chats if emulator.count_messages(chat))

    log = tmp_path / "bot.log"
    bot = await start_bot_process(
        emulator, f"sqlite:///{database}", log=log, OMRADESBOT_SEND_RATE=str(SEND_RATE)
    )
    try:
        await emulator.wait_until(lambda: delivered() >= recipients // 4, timeout=30)
        # Another program takes the write lock and keeps it longer than the bot's busy timeout
        # (5 s): until the resident has had the apology.
        blocker = sqlite3.connect(database, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            at_lock = delivered()
            (reply,) = await emulator.send_and_wait(resident, question, timeout=30)
            during_lock = delivered() - at_lock
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert reply.text == apology
        # The lock is gone: the same question is answered, and the broadcast finishes.
        (reply,) = await emulator.send_and_wait(resident, question, timeout=15)
        assert reply.text == dialogue.answer(question, "sv").text
        await emulator.wait_until(
            lambda: delivered() == recipients, timeout=60, what="the outbox to resume"
        )
        await emulator.wait_for_messages(STAFF_ID, 1, timeout=30)
        assert bot.returncode is None
    finally:
        bot.terminate()
        returncode = await bot.wait()
    assert returncode == 0
    counts = emulator.message_counts()
    assert {counts[chat] for chat in chats} == {1}
    assert delivery_statuses(database) == {"sent": recipients}
    results.record(
        "faults",
        "sqlite_locked",
        {
            "lock_held_until": "the resident had the apology (> 5 s busy timeout)",
            "resident_reply_while_locked": "apology",
            "sent_while_locked": during_lock,
            "recipients": recipients,
            "delivered_once_after": sum(1 for chat in chats if counts[chat] == 1),
            "bot_exit_code": returncode,
        },
    )


async def test_start_up_rides_out_a_bot_api_that_drops_its_first_calls(
    tmp_path: Path, emulator: BotApiEmulator, content: Content
) -> None:
    # The first calls a starting bot makes (getMe, deleteWebhook) meet dropped connections and
    # a 502, as when Telegram or the network hiccups during a deploy: the bot retries them and
    # serves, instead of exiting before its first poll.
    emulator.script_faults("drop", count=2, methods=["getMe"])
    emulator.script_faults("drop", count=1, methods=["deleteWebhook"])
    emulator.script_faults("502", count=1, methods=["deleteWebhook"])
    question = content.faq[0].questions["sv"][0]
    answer = ContentBundle.build(content).dialogue.answer(question, "sv").text
    resident = emulator.user(2_200_000, language_code="sv")
    log = tmp_path / "bot.log"
    bot = await start_bot_process(emulator, f"sqlite:///{tmp_path / 'bot.db'}", log=log)
    try:
        (reply,) = await emulator.send_and_wait(resident, question, timeout=60)
        assert reply.text == answer
        assert bot.returncode is None
    finally:
        bot.terminate()
        returncode = await bot.wait()
    assert returncode == 0, log.read_text(encoding="utf-8")[-2000:]
    faulted = [(r.method, r.fault) for r in emulator.request_log if r.fault]
    assert len(faulted) == 4, faulted
