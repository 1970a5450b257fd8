"""Bad input, groups, floods and failures: the bot answers sensibly and keeps running."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text as sql

from bot.content import Content
from bot.domain import FORGET_NO
from bot.telegram.context import BotApplication
from tests.databases import Database
from tests.e2e.conftest import TIMEOUT, Resident, labels, rows_in
from tools.emulator import BotApiEmulator

GROUP = -100_200_300


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location"])
async def test_non_text_gets_i_understand_text(
    resident: Resident, content: Content, kind: str
) -> None:
    before = resident.emulator.count_messages(resident.chat_id)
    await resident.emulator.send_non_text(resident.user, kind)
    (reply,) = (await resident.emulator.wait_for_messages(resident.chat_id, before + 1))[before:]
    assert reply.text == content.texts.get("non_text", "sv")


async def test_unknown_command_gets_a_hint(
    resident: Resident, english_resident: Resident, content: Content
) -> None:
    assert (await resident.says("/pizza")).text == content.texts.get("unknown_command", "sv")
    assert (await english_resident.says("/weather now")).text == content.texts.get(
        "unknown_command", "en"
    )


async def test_forged_and_expired_buttons_get_a_harmless_notice(
    resident: Resident, content: Content, bot_database: Database
) -> None:
    emulator = resident.emulator
    welcome = await resident.says("/start")
    notice = content.texts.get("expired_button", "sv")
    for data in ("sub:mars", "forget:maybe", "lang:de", "nonsense", "menu:", "x" * 64):
        before = emulator.count_messages(resident.chat_id)
        query = await emulator.send_callback(
            resident.user, resident.chat_id, welcome.message_id, data
        )
        await emulator.wait_for_callback_answer(query, timeout=TIMEOUT)
        reply = (await emulator.wait_for_messages(resident.chat_id, before + 1))[before]
        assert reply.text == notice, data
    # A topic that no longer exists, and a press on a message that is gone.
    before = emulator.count_messages(resident.chat_id)
    await emulator.send_callback(resident.user, resident.chat_id, welcome.message_id, "faq:gone")
    reply = (await emulator.wait_for_messages(resident.chat_id, before + 1))[before]
    assert reply.text == content.texts.get("unknown_topic", "sv")
    query = await emulator.send_callback(resident.user, resident.chat_id, 999_999, "nonsense")
    await emulator.wait_for_callback_answer(query, timeout=TIMEOUT)
    # None of it stored anything.
    assert sum((await rows_in(bot_database, resident.chat_id)).values()) == 0


async def test_longest_message_and_markup_are_handled_as_plain_text(
    resident: Resident, content: Content, bot_database: Database
) -> None:
    longest = ("<b>hej</b> *fet* _kursiv_ [länk](http://x) " * 200)[:4096]
    assert len(longest) == 4096
    reply = await resident.says(longest)
    assert reply.text == content.texts.get("dont_know", "sv")
    mydata = await resident.says("/minadata")
    assert "<b>hej</b> *fet* _kursiv_" in mydata.content  # shown verbatim, never parsed
    assert all(m.parse_mode is None for m in resident.emulator.messages(resident.chat_id))
    assert (await rows_in(bot_database, resident.chat_id))["questions"] == 1


async def test_flood_gets_one_notice_then_silence(resident: Resident, content: Content) -> None:
    emulator = resident.emulator
    for number in range(25):
        await emulator.send_text(resident.user, f"hej {number}")
    # A chat's updates are handled in arrival order (other chats side by side), and button
    # presses are never counted by the flood gate: once the bot answers a press sent after the
    # flood, every message of the flood has been handled.
    (first,) = await emulator.wait_for_messages(resident.chat_id, 1, timeout=TIMEOUT)
    query = await emulator.send_callback(
        resident.user, resident.chat_id, first.message_id, FORGET_NO
    )
    await emulator.wait_for_callback_answer(query, timeout=TIMEOUT)
    kept = content.texts.get("forget_kept", "sv")
    await emulator.wait_until(
        lambda: emulator.last_message(resident.chat_id).content == kept,
        timeout=TIMEOUT,
        what="the answer to the press after the flood",
    )
    sent = [m.content for m in emulator.messages(resident.chat_id)][:-1]
    notice = content.texts.get("flood_notice", "sv")
    assert len(sent) == 21  # the limit of 20 answers, then one notice, then nothing
    assert sent[-1] == notice
    assert sent.count(notice) == 1


async def test_group_chat_answers_only_when_addressed(
    emulator: BotApiEmulator, application: BotApplication, content: Content, bot_database: Database
) -> None:
    member = emulator.user(7100, language_code="sv")

    async def group_says(text: str, reply_to: int | None = None) -> str:
        before = emulator.count_messages(GROUP)
        await emulator.send_text(
            member, text, chat_id=GROUP, chat_type="supergroup", reply_to=reply_to
        )
        return (await emulator.wait_for_messages(GROUP, before + 1))[before].content

    # Chatter, a bare command and another bot's command are ignored; the next addressed
    # message gets the only reply, which proves the others were handled in silence.
    for text in ("hej alla, när börjar det?", "/hjalp", "/start@someotherbot", "@someone hej"):
        await emulator.send_text(member, text, chat_id=GROUP, chat_type="supergroup")
    help_text = await group_says("/hjalp@omradesbot")
    assert help_text.startswith(content.texts.get("help_intro", "sv"))
    assert emulator.count_messages(GROUP) == 1

    why_move = content.entry("why_move")
    assert why_move is not None
    assert await group_says("@omradesbot varför flyttar arbetet?") == why_move.answer["sv"]
    bot_message = emulator.last_message(GROUP).message_id
    timeline = content.entry("timeline")
    assert timeline is not None
    assert await group_says("när börjar det då?", reply_to=bot_message) == timeline.answer["sv"]

    # Personal things stay in private chats; nothing about the group is stored.
    private_only = content.texts.get("private_only", "sv")
    assert await group_says("/prenumerera@omradesbot balltorp") == private_only
    assert await group_says("/glom@omradesbot") == private_only
    assert sum((await rows_in(bot_database, GROUP)).values()) == 0
    assert sum((await rows_in(bot_database, member.id)).values()) == 0


async def test_handler_error_is_logged_and_apologised_for_and_the_bot_keeps_running(
    resident: Resident,
    content: Content,
    bot_database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await resident.says("/start")
    # Break the database under the running bot: logging a question now fails.
    engine = bot_database.engine()
    async with engine.begin() as connection:
        await connection.execute(sql("DROP TABLE questions"))
    await engine.dispose()
    with caplog.at_level(logging.ERROR, logger="bot.telegram.handlers"):
        reply = await resident.says("varför flyttar arbetet?")
    assert reply.text == content.texts.get("apology", "sv")
    failures = [r for r in caplog.records if r.name == "bot.telegram.handlers"]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
    assert "questions" in str(failures[0].exc_info[1])
    # The failed INSERT's parameters (the resident's words) stay out of the log.
    assert "flyttar" not in caplog.text
    # Still answering.
    menu = await resident.says("/fragor")
    assert labels(menu)[0].startswith("faq:")
