"""Under Telegram's real limits (the emulator's defaults): a burst of subscriptions all confirmed,
questions answered fast while a broadcast drains, the broadcast complete once, few 429s.

The bot runs with its defaults (30 messages a second in all) against the emulator's defaults
(30 a second overall, one a second per private chat after a burst of 5, 20 a minute per group),
once on SQLite and once on PostgreSQL (where the budget is the ledger shared by processes).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content import Content
from bot.holder import ContentBundle
from bot.storage import upgrade
from tests.databases import BACKENDS, Database, postgres_database, sqlite_database
from tests.reliability.conftest import STAFF_ID, TOKEN, bot_settings, percentile, running_app
from tests.reliability.results import Results
from tests.reliability.support import prepare_broadcast
from tools.emulator import BotApiEmulator, running_emulator

SUBSCRIBERS = 200
BURST_DEADLINE = 15.0  # seconds for all 200 confirmations (200 / 30 a second = 6.7 s at best)
QUESTIONS = 60
QUESTION_P95 = 3.0  # seconds
MAX_429_SHARE = 0.03
BROADCAST = "Viktigt: träff i Balltorp"


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The bot's database: an SQLite file, or a fresh migrated PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path / "data" / "bot.db")
        return
    async with postgres_database() as database:
        await upgrade(database.url)
        yield database


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    """The emulator exactly as Telegram limits a bot: no test-specific allowance."""
    async with running_emulator(TOKEN) as emulator:
        yield emulator


def refused_share(emulator: BotApiEmulator) -> float:
    """The share of the bot's sends that Telegram answered 429."""
    return emulator.refused_sends / max(1, len(emulator.send_log))


async def test_a_burst_of_200_subscriptions_is_confirmed_within_15_s(
    telegram: BotApiEmulator, database: Database, results: Results, content: Content
) -> None:
    residents = [telegram.user(3_000_000 + n, language_code="sv") for n in range(SUBSCRIBERS)]
    async with running_app(bot_settings(telegram, database.plain_url)):
        started = time.monotonic()
        # A QR code at a residents' meeting: everyone sends the command within a moment.
        for resident in residents:
            await telegram.send_command(resident, "prenumerera", "balltorp")
        await telegram.wait_until(
            lambda: all(telegram.count_messages(r.id) for r in residents),
            timeout=45,
            what="every resident's confirmation",
        )
        elapsed = time.monotonic() - started
        await telegram.wait_for_updates_confirmed(timeout=10)
    confirmed = content.texts.get("subscribed", "sv", area="Balltorp")
    assert [telegram.texts(r.id) for r in residents] == [[confirmed]] * SUBSCRIBERS
    share = refused_share(telegram)
    print(f"\nburst ({database.backend}): {elapsed:.1f} s, 429 share {share:.1%}")
    assert elapsed < BURST_DEADLINE
    assert share <= MAX_429_SHARE
    assert telegram.max_sends_per_window(1.0) <= 30
    results.record(
        "send_budget",
        f"burst_{database.backend}",
        {
            "residents": SUBSCRIBERS,
            "confirmed": sum(1 for r in residents if telegram.count_messages(r.id) == 1),
            "all_confirmed_s": round(elapsed, 1),
            "deadline_s": BURST_DEADLINE,
            "sends": len(telegram.send_log),
            "refused_429": telegram.refused_sends,
            "peak_sends_in_one_second": telegram.max_sends_per_window(1.0),
        },
    )


async def test_questions_are_answered_fast_while_a_broadcast_drains(
    telegram: BotApiEmulator, database: Database, results: Results, content: Content
) -> None:
    url = database.plain_url
    subscribers = await prepare_broadcast(
        url,
        range(3_100_000, 3_100_000 + SUBSCRIBERS),
        BROADCAST,
    )
    # A third of the askers also get the broadcast: their answer must not wait for it.
    askers = [telegram.user(chat) for chat in subscribers[:20]] + [
        telegram.user(3_200_000 + n) for n in range(QUESTIONS - 20)
    ]
    questions = [entry.questions["sv"][0] for entry in content.faq]
    dialogue = ContentBundle.build(content).dialogue
    asked: dict[int, tuple[str, float]] = {}

    def broadcast_reached() -> int:
        return sum(1 for chat in subscribers if any(BROADCAST in t for t in telegram.texts(chat)))

    async with running_app(bot_settings(telegram, url)):
        await telegram.wait_until(lambda: broadcast_reached() >= 30, timeout=30)
        started = time.monotonic()
        for number, user in enumerate(askers):
            question = questions[number % len(questions)]
            asked[user.id] = (question, time.monotonic())
            await telegram.send_text(user, question)

        def answered(chat: int) -> bool:
            return any(
                m.text == dialogue.answer(asked[chat][0], "sv").text
                for m in telegram.messages(chat)
            )

        await telegram.wait_until(
            lambda: all(answered(user.id) for user in askers), timeout=60, what="every answer"
        )
        questions_done = time.monotonic() - started
        reached_when_answered = broadcast_reached()
        await telegram.wait_until(
            lambda: broadcast_reached() == SUBSCRIBERS, timeout=60, what="the whole broadcast"
        )
        broadcast_done = time.monotonic() - started
        await telegram.wait_for_messages(STAFF_ID, 1, timeout=15)

    latencies = []
    for user in askers:
        question, at = asked[user.id]
        answer = dialogue.answer(question, "sv").text
        replies = [m for m in telegram.messages(user.id) if m.text == answer]
        assert len(replies) == 1, f"{user.id} got its answer {len(replies)} times"
        latencies.append(replies[0].sent_at - at)
    counts = {chat: sum(BROADCAST in t for t in telegram.texts(chat)) for chat in subscribers}
    assert set(counts.values()) == {1}, "the broadcast reached someone twice, or not at all"
    assert f"{SUBSCRIBERS} levererade" in telegram.last_message(STAFF_ID).content
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    share = refused_share(telegram)
    # The broadcast's rate while questions were answered, against what the replies left it.
    print(
        f"\nquestions ({database.backend}): p50 {p50:.2f} s, p95 {p95:.2f} s, "
        f"answered in {questions_done:.1f} s, broadcast done after {broadcast_done:.1f} s, "
        f"429 share {share:.1%}"
    )
    assert p95 < QUESTION_P95
    assert share <= MAX_429_SHARE
    assert telegram.max_sends_per_window(1.0) <= 30
    results.record(
        "send_budget",
        f"questions_{database.backend}",
        {
            "questions": QUESTIONS,
            "answered_once": len(latencies),
            "p50_s": round(p50, 2),
            "p95_s": round(p95, 2),
            "p95_target_s": QUESTION_P95,
            "questions_done_s": round(questions_done, 1),
            "broadcast_recipients": SUBSCRIBERS,
            "broadcast_reached_when_answered": reached_when_answered,
            "broadcast_done_s": round(broadcast_done, 1),
            "sends": len(telegram.send_log),
            "refused_429": telegram.refused_sends,
            "peak_sends_in_one_second": telegram.max_sends_per_window(1.0),
        },
    )
