"""PostgreSQL restarted during a broadcast: while it is down a resident gets the apology and the
outbox sends nothing beyond its in-flight window; once it is back the outbox resumes, every
subscriber gets the broadcast, staff get the report, and the bot never stops.

The server is a private one (tests.databases.private_postgres), so stopping it disturbs no other
test. `pg_ctl stop -m fast` is what an operator's restart does to clients: every session is
ended and new connections are refused until the server is back.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.config import Settings
from bot.content import Content
from bot.holder import ContentBundle
from scheduler.leadership import election_interval
from scheduler.outbox import default_max_in_flight
from tests.databases import private_postgres
from tests.reliability.conftest import STAFF_ID, enforce_raised_rate, start_bot_process
from tests.reliability.results import Results
from tests.reliability.support import prepare_broadcast
from tools.emulator import BotApiEmulator

pytestmark = pytest.mark.postgres

RECIPIENTS = 1_000
RATE = 200
# How long the server stays down after the resident's apology: the window in which the outbox
# must hold still. Longer than one election beat (failover/3 = 5 s by default), so the sender
# role is certainly lost while the server is down and must be won back after it returns,
# instead of the role's check only failing once the server is already back.
HELD_DOWN = election_interval(Settings.failover_seconds) + 1.0
# A refused connection fails at once, so the apology comes within milliseconds (0.01 s measured).
# The bound is for a slow machine: asyncpg's own connect timeout (60 s) only matters when
# packets vanish, which a stopped local server does not do.
APOLOGY_TIMEOUT = 20.0
# After the restart: at most one election beat (5 s) to win the role back, or, when the role
# survived, the sender's database backoff (1, 2, 4, ... at most 10 s, scheduler/outbox.py);
# then the rest of the broadcast at RATE.
RESUME_TIMEOUT = 45.0


@pytest.mark.timeout(180)
async def test_restarted_postgres_pauses_the_outbox_and_loses_nothing(
    tmp_path: Path, emulator: BotApiEmulator, content: Content, results: Results
) -> None:
    enforce_raised_rate(emulator, RATE)  # the test's raised send rate, still enforced
    async with private_postgres() as server:
        chats = await prepare_broadcast(
            server.url, range(61_000_000, 61_000_000 + RECIPIENTS), "Möte"
        )
        dialogue = ContentBundle.build(content).dialogue
        question = content.faq[0].questions["sv"][0]
        answer, apology = dialogue.answer(question, "sv").text, dialogue.apology("sv").text
        resident = emulator.user(2_300_000, language_code="sv")
        window = default_max_in_flight(RATE)

        def delivered() -> int:
            return sum(1 for chat in chats if emulator.count_messages(chat))

        log = tmp_path / "bot.log"
        bot = await start_bot_process(
            emulator,
            server.url,
            log=log,
            OMRADESBOT_SEND_RATE=str(RATE),
            OMRADESBOT_LOG_LEVEL="INFO",
        )
        try:
            await emulator.wait_until(
                lambda: delivered() >= RECIPIENTS // 3, timeout=60, what="a third delivered"
            )
            await server.stop("fast")
            stopped_at, delivered_at_stop = time.monotonic(), delivered()

            (reply_down,) = await emulator.send_and_wait(
                resident, question, timeout=APOLOGY_TIMEOUT
            )
            apology_s = time.monotonic() - stopped_at
            # Waiting for what must not happen: more than the sends already in flight going out.
            with pytest.raises(TimeoutError):
                await emulator.wait_until(
                    lambda: delivered() > delivered_at_stop + window, timeout=HELD_DOWN
                )
            delivered_while_down = delivered() - delivered_at_stop
            assert bot.returncode is None, "the bot died while the database was down"

            await server.start()
            down_for = time.monotonic() - stopped_at
            await emulator.wait_until(
                lambda: delivered() == RECIPIENTS,
                timeout=RESUME_TIMEOUT,
                what="the outbox to resume",
            )
            resumed_s = time.monotonic() - stopped_at - down_for
            await emulator.wait_for_messages(STAFF_ID, 1, timeout=30)
            (reply_after,) = await emulator.send_and_wait(resident, question, timeout=10)
            assert bot.returncode is None
        except TimeoutError as error:
            raise AssertionError(f"stalled; bot log:\n{log.read_text()[-4000:]}") from error
        finally:
            bot.terminate()
            returncode = await bot.wait()
    assert returncode == 0
    assert reply_down.text == apology
    assert reply_after.text == answer
    assert delivered_while_down <= window
    counts = emulator.message_counts()
    duplicates = sum(counts[chat] - 1 for chat in chats)
    assert all(counts[chat] >= 1 for chat in chats)
    assert duplicates <= window
    results.record(
        "faults",
        "postgres_restarted",
        {
            "recipients": RECIPIENTS,
            "delivered": sum(1 for chat in chats if counts[chat]),
            "duplicates": duplicates,
            "duplicates_allowed": window,
            "down_for_s": round(down_for, 1),
            "delivered_while_down": delivered_while_down,
            "resident_reply_while_down": "apology" if reply_down.text == apology else "other",
            "apology_after_s": round(apology_s, 2),
            "resident_reply_after": "answer" if reply_after.text == answer else "other",
            "all_delivered_after_restart_s": round(resumed_s, 1),
            "bot_exit_code": returncode,
        },
    )
