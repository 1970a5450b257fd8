"""Access: staff commands and buttons refused for everyone else (forged and replayed presses
included), staff rights read at the moment of action, the token never shown, and one resident's
data never shown to another."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.config import Settings
from bot.core.surveys.staff import SEND_PREFIX as SURVEY_SEND
from bot.core.surveys.staff import SUBCOMMANDS as SURVEY_SUBCOMMANDS
from bot.telegram.posters import STAFF_COMMANDS as POSTER_COMMANDS
from bot.telegram.staff import STAFF_COMMANDS
from bot.telegram.tickets import STAFF_COMMANDS as TICKET_STAFF_COMMANDS
from scheduler.budget import TRANSIENT_BACKOFF
from tests.reliability.conftest import (
    STAFF_ID,
    TOKEN,
    TOKEN_SECRET,
    bot_settings,
    running_app,
    start_bot_process,
)
from tests.reliability.results import Results
from tools.emulator import BotApiEmulator, FaultConfig, SentMessage, User

REFUSAL = "Det här kommandot är bara för personalen."
# Plausible arguments, so a refusal cannot hide behind a usage line.
ARGUMENTS = {
    "broadcast": "all Inbrott! Ring 112",
    "schedule": "2031-05-01 10:00 all Hej",
    "scheduled": "",
    "cancel": "1",
    "retract": "1",
    "correct": "1 Rättelse",
    "stats": "",
    "reload": "",
    "milestone": "add 2031-05-01 all Falskt möte",
    "reply": "1 Hej från 'personalen'",
    "tickets": "",
    "close": "1",
    "unanswered": "",
    "suggest": "1",
    "poster": "balltorp sv trapphus",
}


def rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def say(emulator: BotApiEmulator, user: User, text: str) -> SentMessage:
    (reply,) = await emulator.send_and_wait(user, text, timeout=10)
    return reply


async def preview_broadcast(emulator: BotApiEmulator, staff: User) -> tuple[SentMessage, str]:
    """A staff member's broadcast preview and its Send button's data."""
    message = await say(emulator, staff, "/broadcast all Vattnet stängs av i morgon")
    send = next(
        b.callback_data
        for b in message.buttons
        if (b.callback_data or "").startswith("staff:send:")
    )
    assert send is not None
    return message, send


async def test_every_staff_command_and_button_is_refused_for_a_resident(
    tmp_path: Path, emulator: BotApiEmulator, results: Results
) -> None:
    database = tmp_path / "bot.db"
    staff = emulator.user(STAFF_ID, language_code="sv")
    mallory = emulator.user(7_300_001, language_code="sv")
    bystander = emulator.user(7_300_002, language_code="sv")
    async with running_app(bot_settings(emulator, f"sqlite:///{database}")):
        await say(emulator, bystander, "/subscribe all")
        preview, send = await preview_broadcast(emulator, staff)
        drop = send.replace("staff:send:", "staff:drop:")
        commands = sorted({*STAFF_COMMANDS, *TICKET_STAFF_COMMANDS, *POSTER_COMMANDS})
        for command in commands:
            reply = await say(emulator, mallory, f"/{command} {ARGUMENTS[command]}".strip())
            assert reply.text == REFUSAL, f"/{command} was not refused"
        survey = "balltorp-kartlaggning"
        for action in ("/surveys", *(f"/survey {a} {survey}" for a in SURVEY_SUBCOMMANDS)):
            reply = await say(emulator, mallory, action)
            assert reply.text == REFUSAL, f"{action} was not refused"
        # Forged presses in the resident's own chat, and the staff's real buttons replayed.
        own = emulator.last_message(mallory.id)
        presses = [
            (mallory.id, own.message_id, send),
            (mallory.id, own.message_id, drop),
            (mallory.id, own.message_id, f"{SURVEY_SEND}{survey}"),
            (staff.id, preview.message_id, send),
            (staff.id, preview.message_id, drop),
        ]
        for chat, message_id, data in presses:
            query = await emulator.send_callback(mallory, chat, message_id, data)
            await emulator.wait_for_callback_answer(query, timeout=10)
        await emulator.wait_for_updates_confirmed(timeout=10)
        # Nothing happened: no delivery queued, the bystander got nothing, no milestone added.
        assert rows(database, "deliveries") == 0
        assert emulator.count_messages(bystander.id) == 1  # the subscription confirmation
        assert rows(database, "milestones") == 0
        assert rows(database, "surveys") == 0  # no survey started, nobody invited
        assert all(m.text in (REFUSAL, own.text) for m in emulator.messages(mallory.id)[-5:])
    results.record(
        "access",
        "refused_for_non_staff",
        {
            "commands": [f"/{command}" for command in commands],
            "forged_or_replayed_presses": len(presses),
            "deliveries_queued": 0,
        },
    )


async def test_removing_a_staff_id_takes_effect_at_restart_even_for_an_old_preview(
    tmp_path: Path, emulator: BotApiEmulator, results: Results
) -> None:
    database = tmp_path / "bot.db"
    staff = emulator.user(STAFF_ID, language_code="sv")
    bystander = emulator.user(7_300_003, language_code="sv")
    url = f"sqlite:///{database}"
    async with running_app(bot_settings(emulator, url)):
        await say(emulator, bystander, "/subscribe all")
        preview, send = await preview_broadcast(emulator, staff)
    # OMRADESBOT_STAFF_IDS no longer names them: the preview they still have must not work.
    assert Settings.from_env({"OMRADESBOT_STAFF_IDS": "1"}).staff_ids == frozenset({1})
    async with running_app(bot_settings(emulator, url, staff_ids=frozenset({1}))):
        query = await emulator.press_button(staff, preview, data=send)
        await emulator.wait_for_callback_answer(query, timeout=10)
        reply = await emulator.wait_for_messages(staff.id, 2, timeout=10)
        assert reply[-1].text == REFUSAL
        assert (await say(emulator, staff, "/stats")).text == REFUSAL
    assert rows(database, "deliveries") == 0
    assert emulator.count_messages(bystander.id) == 1
    results.record("access", "staff_removed", "old preview's Send and /stats refused after restart")


async def test_the_token_never_appears_in_logs_errors_or_messages(
    tmp_path: Path, emulator: BotApiEmulator, results: Results
) -> None:
    database = tmp_path / "bot.db"
    log = tmp_path / "bot.log"
    staff = emulator.user(STAFF_ID, language_code="sv")
    anna = emulator.user(7_300_004, language_code="sv")
    bot = await start_bot_process(
        emulator,
        f"sqlite:///{database}",
        log=log,
        OMRADESBOT_LOG_LEVEL="DEBUG",
        OMRADESBOT_STAFF_IDS=str(STAFF_ID),
    )
    try:
        await say(emulator, anna, "/start")
        await say(emulator, anna, "/subscribe all")
        await say(emulator, staff, "/stats")
        await emulator.wait_for_messages(staff.id, 2, timeout=15)  # the numbers and the chart
        # Errors on every path: failed sends, dropped connections, an error from the API. The
        # send budget retries a reply past the first few; this one fails every attempt, so it
        # is given up and logged with its error (which must not quote the request URL).
        emulator.script_faults("500", count=2)
        emulator.script_faults("drop", count=len(TRANSIENT_BACKOFF) + 1, methods=["sendMessage"])
        await emulator.send_text(anna, "när flyttar ni?")
        await emulator.wait_until(
            lambda: "was not delivered" in log.read_text(encoding="utf-8", errors="replace"),
            timeout=30,
            what="the lost reply's log line",
        )
        emulator.set_faults(FaultConfig(rate=0.3, seed=4, kinds=("500", "drop", "429")))
        for _ in range(5):
            await emulator.send_text(anna, "hej")
        emulator.set_faults(None)
        await say(emulator, anna, "/help")
    finally:
        bot.terminate()
        assert await bot.wait() == 0
    logged = log.read_text(encoding="utf-8", errors="replace")
    assert "was not delivered" in logged, "the faults should have logged errors"
    assert "Server disconnected" in logged or "ServerDisconnected" in logged
    sent = "\n".join(m.content for chat in (anna.id, staff.id) for m in emulator.messages(chat))
    for secret in (TOKEN, TOKEN_SECRET):
        assert secret not in logged
        assert secret not in sent
    results.record(
        "access",
        "token_scan",
        {
            "log_lines_scanned": logged.count("\n"),
            "log_level": "DEBUG",
            "messages_scanned": sent.count("\n") + 1,
            "token_found": 0,
            "secret_part_found": 0,
        },
    )


async def test_one_residents_question_and_identity_never_reach_another_resident(
    tmp_path: Path, emulator: BotApiEmulator, results: Results
) -> None:
    database = tmp_path / "bot.db"
    staff = emulator.user(STAFF_ID, language_code="sv")
    anna = emulator.user(7_300_005, "Annabell", language_code="sv", username="anna_i_balltorp")
    bertil = emulator.user(7_300_006, "Bertil", language_code="sv", username="bertil_k")
    secret = "Min granne på Gamla vägen 4 spelar hög musik"
    async with running_app(bot_settings(emulator, f"sqlite:///{database}")):
        await say(emulator, anna, "/subscribe balltorp")
        await say(emulator, bertil, "/subscribe all")
        confirm = await say(emulator, anna, f"/ask {secret}")
        send = next(
            b.callback_data
            for b in confirm.buttons
            if (b.callback_data or "").startswith("ticket:send:")
        )
        assert send is not None
        query = await emulator.press_button(anna, confirm, data=send)
        await emulator.wait_for_callback_answer(query, timeout=10)
        ticket = (await emulator.wait_for_messages(staff.id, 1, timeout=10))[-1]
        # Bertil tries: the same token forged, /mydata, tickets, a broadcast to everyone.
        forged = await emulator.send_callback(bertil, bertil.id, confirm.message_id, send)
        await emulator.wait_for_callback_answer(forged, timeout=10)
        await say(emulator, bertil, "/mydata")
        await say(emulator, bertil, "/tickets")
        preview, data = await preview_broadcast(emulator, staff)
        press = await emulator.press_button(staff, preview, data=data)
        await emulator.wait_for_callback_answer(press, timeout=10)
        await emulator.wait_for_messages(anna.id, 4, timeout=10)
        await emulator.wait_until(
            lambda: any("Vattnet" in m.content for m in emulator.messages(bertil.id)),
            timeout=10,
        )
        await emulator.wait_for_updates_confirmed(timeout=10)
    bertil_saw = "\n".join(m.content for m in emulator.messages(bertil.id))
    for private in (secret, "Annabell", "anna_i_balltorp", str(anna.id)):
        assert private not in bertil_saw
    # The staff see the question, never the name, username or chat id.
    for private in ("Annabell", "anna_i_balltorp", str(anna.id)):
        assert private not in ticket.text
    assert secret in ticket.text
    results.record(
        "access",
        "no_cross_resident_data",
        "a ticket's question, name, username and chat id never reach another resident; "
        "staff see the question without name, username or chat id",
    )
