"""Residents vote on answers through the emulator: 👍/👎, the way on after 👎, the edge cases."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.config import Secret, Settings
from bot.content import load_content
from bot.feedback import vote_data
from bot.services import Services
from tests.databases import Database
from tests.e2e.conftest import ROOT, TIMEOUT, TOKEN, Resident, labels, rows_in, started_app
from tests.emulator import BotApiEmulator, CallbackAnswer, SentMessage

STAFF = 9301
CONTENT = load_content(ROOT / "content")
TEXTS = CONTENT.texts


@pytest.fixture
def settings(emulator: BotApiEmulator, bot_database: Database) -> Settings:
    """One staff member, so the way on after 👎 offers asking the staff."""
    return Settings(
        telegram_token=Secret(TOKEN),
        telegram_api_url=emulator.base_url,
        database_url=bot_database.plain_url,
        content_dir=ROOT / "content",
        staff_ids=frozenset({STAFF}),
    )


def votes(message: SentMessage) -> list[str]:
    """The vote buttons' data on a message."""
    return [data for data in labels(message) if data.startswith("fb:")]


async def press(resident: Resident, message: SentMessage, data: str) -> CallbackAnswer:
    """Press (any data, as a forged client could) and return the bot's answer to the press."""
    emulator = resident.emulator
    query = await emulator.send_callback(resident.user, message.chat_id, message.message_id, data)
    return await emulator.wait_for_callback_answer(query, timeout=TIMEOUT)


async def stored_votes(database: Database) -> list[tuple[str, int | None]]:
    """(topic, vote) of every stored answer."""
    engine = database.engine()
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT topic, vote FROM answers ORDER BY id"))
            return [(str(topic), vote) for topic, vote in rows]
    finally:
        await engine.dispose()


async def test_faq_answers_carry_votes_other_replies_do_not(resident: Resident) -> None:
    answer = await resident.says("varför flyttar områdesarbetet?")
    assert [b.text for b in answer.buttons][:2] == ["👍", "👎"]
    assert all(len(data.encode()) <= 64 for data in labels(answer))
    assert len(votes(answer)) == 2

    assert votes(await resident.says("vad kostar en pizza")) == []  # "I don't know"
    assert votes(await resident.says("hej")) == []  # small talk
    menu = await resident.says("/fragor")
    assert votes(menu) == []  # menus
    timeline = await resident.press(menu, "faq:timeline")
    assert len(votes(timeline)) == 2  # a topic from the menu is an FAQ answer too


async def test_thumbs_up_thanks_quietly_and_once(
    resident: Resident, bot_database: Database
) -> None:
    answer = await resident.says("varför flyttar områdesarbetet?")
    up, _ = votes(answer)
    before = resident.emulator.count_messages(resident.chat_id)
    assert (await press(resident, answer, up)).text == TEXTS.get("feedback_thanks", "sv")
    # Double press: noted already, nothing changes, no message added to the chat.
    assert (await press(resident, answer, up)).text == TEXTS.get("feedback_already", "sv")
    assert resident.emulator.count_messages(resident.chat_id) == before
    assert await stored_votes(bot_database) == [("why_move", 1)]


async def test_thumbs_down_offers_the_staff_with_the_question_and_other_topics(
    resident: Resident, bot_database: Database
) -> None:
    question = "varför flyttar områdesarbetet?"
    answer = await resident.says(question)
    up, down = votes(answer)
    await press(resident, answer, up)
    # Change of vote: 👎 after 👍 counts as 👎, and answers at once with a way on.
    before = resident.emulator.count_messages(resident.chat_id)
    notice = await press(resident, answer, down)
    assert notice.text == TEXTS.get("feedback_noted", "sv", vote="👎")
    (way_on,) = (await resident.emulator.wait_for_messages(resident.chat_id, before + 1))[before:]
    assert way_on.text == TEXTS.get("feedback_sorry", "sv")
    assert "ticket:ask" in labels(way_on)
    others = [d for d in labels(way_on) if d.startswith("faq:")]
    assert others
    assert "faq:why_move" not in others
    assert await stored_votes(bot_database) == [("why_move", -1)]
    # A second 👎 adds nothing: no second message.
    assert (await press(resident, answer, down)).text == TEXTS.get("feedback_already", "sv")
    assert resident.emulator.count_messages(resident.chat_id) == before + 1

    confirm = await resident.press(way_on, "ticket:ask")
    assert question in (confirm.text or "")


async def test_forged_foreign_and_old_presses_count_nothing(
    emulator: BotApiEmulator, resident: Resident, bot_database: Database
) -> None:
    answer = await resident.says("varför flyttar områdesarbetet?")
    up, _ = votes(answer)
    token = up.removeprefix("fb:").rpartition(":")[0]
    old = TEXTS.get("feedback_old", "sv")

    # Forged: a token the bot never gave, malformed data, an over-long token.
    for forged in (vote_data("A" * 12, "u"), "fb:", "fb:xyz", f"fb:{token}:x", f"fb:{'A' * 40}:u"):
        assert (await press(resident, answer, forged)).text == old
    # Another chat presses the real button (a replay): nothing counts.
    other = Resident(emulator, emulator.user(7077, language_code="sv"))
    await other.says("hej")
    query = await emulator.send_callback(other.user, other.chat_id, answer.message_id, up)
    assert (await emulator.wait_for_callback_answer(query, timeout=TIMEOUT)).text == old
    # A message from before the upgrade: its answer has no stored row behind any token.
    assert (await press(resident, answer, vote_data("B" * 12, "d"))).text == old
    assert await stored_votes(bot_database) == [("why_move", None)]
    assert await rows_in(bot_database, other.chat_id) == {
        "residents": 0,
        "subscriptions": 0,
        "questions": 0,
        "deliveries": 0,
        "tickets": 0,
        "answers": 0,
    }


async def test_vote_after_forget_is_a_polite_notice_and_stores_nothing(
    resident: Resident, bot_database: Database
) -> None:
    answer = await resident.says("varför flyttar områdesarbetet?")
    up, _ = votes(answer)
    await press(resident, answer, up)
    mydata = await resident.says("/minadata")
    assert "Varför flyttar arbetet? 👍" in (mydata.text or "")

    confirm = await resident.says("/glom")
    await resident.press(confirm, "forget:yes")
    assert set((await rows_in(bot_database, resident.chat_id)).values()) == {0}
    assert (await press(resident, answer, up)).text == TEXTS.get("feedback_old", "sv")
    assert set((await rows_in(bot_database, resident.chat_id)).values()) == {0}
    assert await stored_votes(bot_database) == []


async def test_a_vote_after_a_restart_still_counts(
    settings: Settings, emulator: BotApiEmulator
) -> None:
    """Nothing about a vote lives in one process's memory: a press after a restart counts."""
    resident = Resident(emulator, emulator.user(7005, language_code="en"))
    async with started_app(Services.create(settings)):
        answer = await resident.says("why is the area work moving?")
    async with started_app(Services.create(settings)):
        up, _ = votes(answer)
        assert (await press(resident, answer, up)).text == TEXTS.get("feedback_thanks", "en")


async def test_stats_shows_the_helpful_share_per_topic_and_the_questions_behind_a_down(
    emulator: BotApiEmulator, resident: Resident
) -> None:
    other = Resident(emulator, emulator.user(7003, language_code="sv"))
    first = await resident.says("varför flyttar områdesarbetet?")
    second = await other.says("varför flytar områdesarbetet till baltorp?")
    await press(resident, first, votes(first)[0])  # 👍
    before = emulator.count_messages(other.chat_id)
    await press(other, second, votes(second)[1])  # 👎, answered with a way on
    await emulator.wait_for_messages(other.chat_id, before + 1, timeout=TIMEOUT)
    await other.say("vad kostar en pizza")  # a question the bot cannot answer

    staff = Resident(emulator, emulator.user(STAFF, language_code="sv"))
    stats = (await staff.say("/stats", replies=2))[0].text or ""
    assert "Hjälpsamma svar: 50 % (–), 👍 1, 👎 1" in stats
    assert "Frågor senaste 7 dagarna: 3, besvarade 67 %" in stats
    assert "Besvarade frågor: 67 % (–)" in stats
    assert "• Varför flyttar arbetet?: 2 (2 / 0), 👍 1, 👎 1, 50 %" in stats
    assert "Flest 👎" in stats
    assert "2 × varför flytar områdesarbetet till baltorp?" in stats
    assert str(resident.chat_id) not in stats
    assert str(other.chat_id) not in stats
