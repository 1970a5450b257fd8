"""Surveys through the real bot and the emulator: invitation, answers, results, anonymity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.telegram.context import BotApplication
from tests.databases import Database
from tests.e2e.conftest import ROOT, TIMEOUT, Resident, labels
from tools.emulator import BotApiEmulator, SentMessage

STAFF_ID = 9001
SURVEY = "trygghet-test"
SURVEYS_YAML = """
surveys:
  - id: trygghet-test
    area: balltorp
    title: {sv: Trygghet i Balltorp, en: Safety in Balltorp}
    intro: {sv: Vi vill höra hur du har det., en: We want to hear how you are.}
    questions:
      - id: safe
        kind: choice
        text: {sv: Känner du dig trygg?, en: Do you feel safe?}
        options: [{sv: Ja, en: "Yes"}, {sv: Nej, en: "No"}]
      - id: wish
        kind: text
        text: {sv: Vad önskar du?, en: What do you wish for?}
"""


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The e2e settings with one staff member and a content copy holding a test survey."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "surveys.yaml").write_text(SURVEYS_YAML, encoding="utf-8")
    return Settings(
        **{**settings.__dict__, "staff_ids": frozenset({STAFF_ID}), "content_dir": content}
    )


@pytest.fixture
def staff(emulator: BotApiEmulator, application: BotApplication) -> Resident:
    """A staff member whose Telegram app is in Swedish."""
    return Resident(emulator, emulator.user(STAFF_ID, language_code="sv"))


@pytest.fixture
async def balltorp(
    emulator: BotApiEmulator, application: BotApplication
) -> tuple[Resident, Resident, Resident, Resident]:
    """Three Balltorp subscribers (one in English) and one of Kållered."""
    people = [
        Resident(emulator, emulator.user(7201, language_code="sv")),
        Resident(emulator, emulator.user(7202, language_code="sv")),
        Resident(emulator, emulator.user(7203, language_code="en")),
        Resident(emulator, emulator.user(7204, language_code="sv")),
    ]
    for person in people[:3]:
        await person.says("/prenumerera balltorp")
    await people[3].says("/prenumerera kallered")
    return people[0], people[1], people[2], people[3]


async def start_survey(emulator: BotApiEmulator, staff: Resident) -> SentMessage:
    preview = await staff.says(f"/survey start {SURVEY}")
    assert "3 mottagare" in preview.text
    assert "1. Känner du dig trygg? (ett svar)" in preview.text
    assert labels(preview) == [f"staff:survey:send:{SURVEY}", f"staff:survey:drop:{SURVEY}"]
    confirmation = await staff.press(preview, f"staff:survey:send:{SURVEY}")
    assert "3 mottagare" in confirmation.text
    return confirmation


async def invitation(emulator: BotApiEmulator, person: Resident) -> SentMessage:
    return (await emulator.wait_for_messages(person.chat_id, 2, timeout=TIMEOUT))[1]


async def answer(person: Resident, invite: SentMessage, option: int, wish: str) -> SentMessage:
    first = await person.press(invite, f"survey:go:{SURVEY}")
    assert "1/2" in first.text
    assert labels(first) == [f"survey:a:{SURVEY}:0:0", f"survey:a:{SURVEY}:0:1"]
    second = await person.press(first, f"survey:a:{SURVEY}:0:{option}")
    assert second.text.startswith("2/2")
    assert labels(second) == [f"survey:s:{SURVEY}:1"]
    return await person.says(wish)


async def forge(
    emulator: BotApiEmulator, person: Resident, on: SentMessage, data: str
) -> SentMessage:
    """Press a button the message does not have: callback data made up by the client."""
    before = emulator.count_messages(person.chat_id)
    query = await emulator.send_callback(person.user, person.chat_id, on.message_id, data)
    await emulator.wait_for_callback_answer(query, timeout=TIMEOUT)
    return (await emulator.wait_for_messages(person.chat_id, before + 1, timeout=TIMEOUT))[before]


async def table_rows(database: Database, table: str) -> list[tuple[object, ...]]:
    engine = database.engine()
    try:
        async with engine.connect() as connection:
            return [tuple(r) for r in await connection.execute(text(f"SELECT * FROM {table}"))]
    finally:
        await engine.dispose()


async def test_a_balltorp_survey_from_invitation_to_results_and_forget(
    emulator: BotApiEmulator,
    staff: Resident,
    balltorp: tuple[Resident, Resident, Resident, Resident],
    bot_database: Database,
) -> None:
    first, second, english, kallered = balltorp
    await start_survey(emulator, staff)

    invites = [await invitation(emulator, p) for p in (first, second, english)]
    assert invites[0].text.startswith("📋 Enkät: Trygghet i Balltorp")
    assert "anonyma" in invites[0].text
    assert [b.text for b in invites[0].buttons] == ["Svara"]
    assert [b.text for b in invites[2].buttons] == ["Answer"]
    report = (await emulator.wait_for_messages(staff.chat_id, 3, timeout=TIMEOUT))[2]
    assert "3 levererade" in report.text
    assert emulator.count_messages(kallered.chat_id) == 1  # only the subscription confirmation

    thanks = await answer(first, invites[0], 0, "Mer ljus på gångvägen")
    assert "Tack för dina svar" in thanks.text
    await answer(second, invites[1], 0, "En mötesplats")
    assert "Thank you" in (await answer(english, invites[2], 1, "Nothing")).text

    results = await staff.say(f"/survey results {SURVEY}", replies=2)
    assert "3 svar av 3 inbjudna" in results[0].text
    assert "Ja: 2 (67 %)" in results[0].text
    assert "Nej: 1 (33 %)" in results[0].text
    assert "Mer ljus" not in results[0].text  # fewer than 5 respondents: no free text
    assert "minst 5" in results[0].text
    assert results[1].photo is not None

    again = await first.press(invites[0], f"survey:go:{SURVEY}")
    assert "redan svarat" in again.text

    chat_ids = {str(p.chat_id) for p in balltorp}
    answers = await table_rows(bot_database, "survey_answers")
    responses = await table_rows(bot_database, "survey_responses")
    assert len(responses) == 3
    assert len(answers) == 6
    stored = {str(value) for row in answers + responses for value in row}
    assert not stored & chat_ids  # no answer row holds a chat id

    mydata = await first.says("/minadata")
    assert "Enkäter du har deltagit i (dina svar är anonyma" in mydata.text
    assert "Trygghet i Balltorp" in mydata.text
    assert "Mer ljus" not in mydata.text  # the answers are not theirs to show: not linked

    confirm = await first.says("/glom")
    erased = await first.press(confirm, "forget:yes")
    assert "deltog i enkäter är också raderat" in erased.text
    participations = await table_rows(bot_database, "survey_participations")
    assert {row[1] for row in participations} == {second.chat_id, english.chat_id}
    assert len(await table_rows(bot_database, "survey_responses")) == 3
    assert len(await table_rows(bot_database, "survey_answers")) == 6


async def test_hostile_presses_and_answers_store_nothing(
    emulator: BotApiEmulator,
    staff: Resident,
    balltorp: tuple[Resident, Resident, Resident, Resident],
    bot_database: Database,
) -> None:
    first, second, _, kallered = balltorp
    await start_survey(emulator, staff)
    invite = await invitation(emulator, first)
    question = await first.press(invite, f"survey:go:{SURVEY}")

    for forged in (
        f"survey:a:{SURVEY}:0:7",  # no such option
        f"survey:t:{SURVEY}:0:0",  # a toggle on a choice question
        f"survey:a:{SURVEY}:x:y",
        "survey:a:no-such-survey:0:0",
        f"survey:s:{SURVEY}:0",  # skip is only for text questions
    ):
        reply = await forge(emulator, first, question, forged)
        assert "finns inte längre" in reply.text, forged
    stale = await forge(emulator, first, question, f"survey:a:{SURVEY}:1:0")
    assert "redan besvarad" in stale.text
    assert "1/2" in stale.text

    other = await forge(emulator, kallered, invite, f"survey:go:{SURVEY}")
    assert "annat område" in other.text

    text_question = await first.press(question, f"survey:a:{SURVEY}:0:1")
    too_long = await first.says("x" * 4096)
    assert "4096 tecken" in too_long.text
    assert "Inget är sparat" in too_long.text
    assert labels(too_long) == [f"survey:s:{SURVEY}:1"]
    assert await table_rows(bot_database, "survey_responses") == []

    begun = await first.says("/minadata")
    assert "Trygghet i Balltorp (påbörjad: dina svar hittills sparas" in begun.text
    confirm = await first.says("/glom")
    await first.press(confirm, "forget:yes")
    after = await first.press(text_question, f"survey:s:{SURVEY}:1")
    assert "Inget har sparats" in after.text
    assert await table_rows(bot_database, "survey_participations") == []
    assert await table_rows(bot_database, "survey_responses") == []
    residents = await table_rows(bot_database, "residents")
    assert first.chat_id not in {row[0] for row in residents}

    closed = await staff.says(f"/survey close {SURVEY}")
    assert "är stängd" in closed.text
    late = await second.press(await invitation(emulator, second), f"survey:go:{SURVEY}")
    assert "är stängd" in late.text
    assert await table_rows(bot_database, "survey_participations") == []

    assert "ingen enkät med id" in (await staff.says("/survey start nope")).text
    assert "ingen enkät med id" in (await staff.says("/survey results nope")).text
    assert (await first.says("/survey start x")).text == "Det här kommandot är bara för personalen."
    forged_send = await forge(emulator, second, late, f"staff:survey:send:{SURVEY}")
    assert forged_send.text == "Det här kommandot är bara för personalen."


async def test_published_results_reach_everyone_invited_with_a_chart(
    emulator: BotApiEmulator,
    staff: Resident,
    balltorp: tuple[Resident, Resident, Resident, Resident],
) -> None:
    first, second, english, kallered = balltorp
    await start_survey(emulator, staff)
    invites = [await invitation(emulator, p) for p in (first, second, english)]
    await answer(first, invites[0], 0, "Mer ljus")
    await answer(second, invites[1], 1, "Bänkar")
    await emulator.wait_for_messages(staff.chat_id, 3, timeout=TIMEOUT)  # the delivery report

    published = await staff.says(f"/survey publish {SURVEY}")
    assert "3 inbjudna" in published.text
    summaries = [
        (await emulator.wait_for_messages(p.chat_id, count, timeout=TIMEOUT))[-1]
        for p, count in ((first, 6), (second, 6), (english, 3))
    ]
    assert summaries[0].text.startswith("📊 Resultat: Trygghet i Balltorp (2 svar)")
    assert "Ja: 1 (50 %)" in summaries[0].text
    assert "Mer ljus" not in summaries[0].text  # never the free text
    assert summaries[2].text.startswith("📊 Results: Safety in Balltorp (2 responses)")
    assert [b.text for b in summaries[2].buttons] == ["Show chart"]
    assert emulator.count_messages(kallered.chat_id) == 1

    chart = await english.press(summaries[2], f"survey:chart:{SURVEY}")
    assert chart.photo is not None
    again = await first.press(invites[0], f"survey:go:{SURVEY}")
    assert "redan svarat" in again.text
    assert "📊 Resultat" in again.text
    late = await english.press(invites[2], f"survey:go:{SURVEY}")
    assert "is closed" in late.text

    assert "redan publicerat" in (await staff.says(f"/survey publish {SURVEY}")).text
    overview = await staff.says("/surveys")
    assert f"{SURVEY}: ”Trygghet i Balltorp”, Balltorp, stängd, resultat publicerat, 2 svar" in (
        overview.text
    )
    assert (await english.says("/surveys")).text == "This command is for staff."


async def test_reload_picks_up_a_new_survey(
    staff: Resident, settings: Settings, application: BotApplication
) -> None:
    before = await staff.says("/surveys")
    assert "kallered-test" not in before.text
    path = settings.content_dir / "surveys.yaml"
    added = SURVEYS_YAML.replace("trygghet-test", "kallered-test").replace(
        "area: balltorp", "area: kallered"
    )
    path.write_text(SURVEYS_YAML + added.split("surveys:", 1)[1], encoding="utf-8")
    reloaded = await staff.says("/reload")
    assert reloaded.text.startswith("Innehållet är omläst")
    after = await staff.says("/surveys")
    assert "kallered-test: ”Trygghet i Balltorp”, Kållered, inte startad, 0 svar" in after.text
