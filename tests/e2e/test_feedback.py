"""Residents vote on answers through the emulator: 👍/👎, the way on after 👎, the edge cases."""

from __future__ import annotations

import asyncio
import base64
import csv
import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.bootstrap import build_services
from bot.cli import main
from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.config import Secret, Settings
from bot.content import load_content
from bot.core.digest import next_due
from bot.core.feedback import vote_data
from bot.telegram.jobs import DIGEST_JOB
from bot.visuals.png import png_dimensions
from tests.databases import Database
from tests.e2e.conftest import ROOT, TIMEOUT, TOKEN, Resident, labels, rows_in, started_app
from tools.emulator import BotApiEmulator, CallbackAnswer, SentMessage

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
    async with started_app(build_services(settings)):
        answer = await resident.says("why is the area work moving?")
    async with started_app(build_services(settings)):
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


async def test_the_weekly_digest_arrives_at_its_time_in_each_staff_members_language(
    settings: Settings, emulator: BotApiEmulator
) -> None:
    english_staff = 9302
    settings = replace(settings, staff_ids=frozenset({STAFF, english_staff}))
    monday = dt.datetime(2026, 11, 30, 8, 0, tzinfo=STOCKHOLM)
    now = [monday - dt.timedelta(days=3)]  # the Friday before
    async with started_app(build_services(settings, clock=lambda: now[0])) as app:
        resident = Resident(emulator, emulator.user(7001, language_code="sv"))
        other = Resident(emulator, emulator.user(7003, language_code="sv"))
        first = await resident.says("varför flyttar områdesarbetet?")
        second = await other.says("varför flytar områdesarbetet till baltorp?")
        await press(resident, first, votes(first)[0])
        await press(other, second, votes(second)[1])
        await Resident(emulator, emulator.user(english_staff, language_code="sv")).says(
            "/language en"
        )

        job = app.bot_data.services.housekeeping.scheduler.get_job(DIGEST_JOB)
        assert job is not None
        # Scheduled for the next Monday 08:00 in the bot's time zone (APScheduler's own clock).
        assert settings.digest is not None
        expected = next_due(settings.digest, dt.datetime.now(STOCKHOLM))
        assert job.next_run_time == expected
        assert job.next_run_time.astimezone(STOCKHOLM).strftime("%a %H:%M") == "Mon 08:00"

        now[0] = monday
        await job.func()  # what APScheduler runs when the moment comes
        # The text through the outbox, the trend chart after it (in any order on the wire).
        sv_messages = await emulator.wait_for_messages(STAFF, 2, timeout=TIMEOUT)
        en_messages = (await emulator.wait_for_messages(english_staff, 3, timeout=TIMEOUT))[1:]
        sv = next(m.text for m in sv_messages if m.text)
        en = next(m.text for m in en_messages if m.text)
        for messages, title in ((sv_messages, "Hjälpsamma svar"), (en_messages, "Helpful answers")):
            (chart,) = [m for m in messages if m.photo is not None]
            assert chart.photo is not None
            assert chart.photo.content is not None
            assert png_dimensions(chart.photo.content)[0] == 1080
            assert "👍 1, 👎 1, 50 %" in (chart.caption or "")
            assert title.split()[0] in (chart.caption or "")
        assert sv.startswith("Veckosammanfattning 2026-11-23 – 2026-11-29")
        assert "Hjälpsamma svar: 50 % (–), 👍 1, 👎 1" in sv
        assert en.startswith("Weekly digest 2026-11-23 – 2026-11-29")
        assert "Helpful answers: 50 % (–), 👍 1, 👎 1" in en
        assert "Questions answered: 100 % (–)" in en
        # Once a week: the job firing again (another process, a restart) sends nothing more.
        count = emulator.count_messages(STAFF)
        await job.func()
        await emulator.wait_for_updates_confirmed()
        assert emulator.count_messages(STAFF) == count
        assert resident.chat_id not in (STAFF, english_staff)


async def test_the_report_has_a_feedback_section_with_its_chart_and_the_csv_export(
    emulator: BotApiEmulator,
    resident: Resident,
    bot_database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = Resident(emulator, emulator.user(7003, language_code="sv"))
    first = await resident.says("varför flyttar områdesarbetet?")
    second = await other.says("varför flytar områdesarbetet till baltorp?")
    await press(resident, first, votes(first)[0])
    await press(other, second, votes(second)[1])

    monkeypatch.setenv("OMRADESBOT_DATABASE_URL", bot_database.plain_url)
    out, csv_dir = tmp_path / "report.html", tmp_path / "csv"
    arguments = ["report", "--out", str(out), "--csv", str(csv_dir), "--lang", "en"]
    assert await asyncio.to_thread(main, arguments) == 0

    page = out.read_text(encoding="utf-8")
    section = page[page.index('<section id="feedback">') :]
    assert "<h2>Did the answers help?</h2>" in section
    chart = re.search(r'id="feedback-chart" src="data:image/png;base64,([^"]+)"', section)
    assert chart is not None
    assert png_dimensions(base64.b64decode(chart[1]))[0] == 1080
    assert "<td>Share of helpful answers</td><td class=number>50 %</td>" in section
    assert (
        "<td>Why is the work moving?</td><td class=number>2</td><td class=number>2</td>"
        "<td class=number>0</td><td class=number>1</td><td class=number>1</td>"
        "<td class=number>50 %</td>"
    ) in section
    assert str(resident.chat_id) not in page

    today = dt.datetime.now(STOCKHOLM).date().isoformat()
    with (csv_dir / "days.csv").open(encoding="utf-8", newline="") as handle:
        days = list(csv.DictReader(handle))
    assert len(days) == 28
    assert days[-1] == {
        "date": today,
        "questions": "2",
        "answered": "2",
        "answered_share": "1.0000",
        "answers": "2",
        "up": "1",
        "down": "1",
        "helpful_share": "0.5000",
    }
    with (csv_dir / "topics.csv").open(encoding="utf-8", newline="") as handle:
        (topic,) = list(csv.DictReader(handle))
    assert (topic["topic"], topic["title"], topic["up"], topic["down"]) == (
        "why_move",
        "Why is the work moving?",  # titles in the report's language
        "1",
        "1",
    )
    assert topic["last_date"] == today


async def test_an_answer_chosen_after_did_you_mean_is_counted_as_such(
    resident: Resident, bot_database: Database
) -> None:
    unsure = await resident.says("områden och trygghet?")
    assert unsure.text == TEXTS.get("did_you_mean", "sv")
    assert votes(unsure) == []
    offered = next(d for d in labels(unsure) if d.startswith("faq:"))
    answer = await resident.press(unsure, offered)
    assert len(votes(answer)) == 2
    menu = await resident.says("/fragor")
    from_menu = await resident.press(menu, offered)
    # 👎 fills in the question that was asked: the one before "did you mean", or for a topic
    # picked from the menu, the topic's title.
    for message, question in (
        (answer, "områden och trygghet?"),
        (from_menu, CONTENT.entry(offered.removeprefix("faq:")).title["sv"]),  # type: ignore[union-attr]
    ):
        before = resident.emulator.count_messages(resident.chat_id)
        await press(resident, message, votes(message)[1])
        messages = await resident.emulator.wait_for_messages(resident.chat_id, before + 1)
        confirm = await resident.press(messages[before], "ticket:ask")
        assert question in (confirm.text or "")
    engine = bot_database.engine()
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT topic, via FROM answers ORDER BY id"))
            assert [tuple(row) for row in rows] == [
                (offered.removeprefix("faq:"), "suggested"),
                (offered.removeprefix("faq:"), "menu"),
            ]
    finally:
        await engine.dispose()
