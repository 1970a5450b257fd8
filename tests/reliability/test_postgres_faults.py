"""PostgreSQL briefly unavailable: the bot's connections are terminated (pg_terminate_backend)
three times during a broadcast; residents are answered (or get the apology), the outbox resumes,
and every subscriber gets the broadcast."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import Content
from bot.holder import ContentBundle
from scheduler.outbox import default_max_in_flight
from tests.databases import postgres_admin, postgres_database
from tests.reliability.conftest import STAFF_ID, enforce_raised_rate, start_bot_process
from tests.reliability.results import Results
from tests.reliability.support import prepare_broadcast
from tools.emulator import BotApiEmulator

pytestmark = pytest.mark.postgres

RECIPIENTS = 1_000
RATE = 300
KILLS = 3


@pytest.mark.timeout(300)
async def test_terminated_postgres_connections_pause_nothing_for_long(
    tmp_path: Path, emulator: BotApiEmulator, content: Content, results: Results
) -> None:
    enforce_raised_rate(emulator, RATE)  # the test's raised send rate, still enforced
    async with postgres_database() as database, postgres_admin() as (_, admin):
        url, name = database.plain_url, database.url.database
        chats = await prepare_broadcast(url, range(60_000_000, 60_000_000 + RECIPIENTS), "Möte")
        dialogue = ContentBundle.build(content).dialogue
        question = content.faq[0].questions["sv"][0]
        answer, apology = dialogue.answer(question, "sv").text, dialogue.apology("sv").text
        resident = emulator.user(2_200_000, language_code="sv")

        def delivered() -> int:
            return sum(1 for chat in chats if emulator.count_messages(chat))

        log = tmp_path / "bot.log"
        bot = await start_bot_process(
            emulator, url, log=log, OMRADESBOT_SEND_RATE=str(RATE), OMRADESBOT_LOG_LEVEL="INFO"
        )
        terminated = 0
        replies: list[str] = []
        try:
            for kill in range(1, KILLS + 1):
                await emulator.wait_until(
                    lambda kill=kill: delivered() >= RECIPIENTS * kill // (KILLS + 1), timeout=90
                )
                terminated += await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()",
                    name,
                )
                (reply,) = await emulator.send_and_wait(resident, question, timeout=20)
                replies.append(reply.text)
            await emulator.wait_until(
                lambda: delivered() == RECIPIENTS, timeout=90, what="the outbox to resume"
            )
            await emulator.wait_for_messages(STAFF_ID, 1, timeout=30)
            assert bot.returncode is None
        except TimeoutError as error:
            raise AssertionError(f"stalled; bot log:\n{log.read_text()[-4000:]}") from error
        finally:
            bot.terminate()
            returncode = await bot.wait()
    assert returncode == 0
    assert terminated >= KILLS
    assert set(replies) <= {answer, apology}
    counts = emulator.message_counts()
    duplicates = sum(counts[chat] - 1 for chat in chats)
    assert all(counts[chat] >= 1 for chat in chats)
    assert duplicates <= KILLS * default_max_in_flight(RATE)
    results.record(
        "faults",
        "postgres_connections_killed",
        {
            "recipients": RECIPIENTS,
            "times_killed": KILLS,
            "connections_terminated": terminated,
            "resident_replies": {
                "answered": replies.count(answer),
                "apology": replies.count(apology),
            },
            "delivered": sum(1 for chat in chats if counts[chat]),
            "duplicates": duplicates,
            "bot_exit_code": returncode,
        },
    )
