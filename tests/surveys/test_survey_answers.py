"""The survey core on a real database: answering every kind, resuming, tallies, export, shape."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bootstrap import build_services
from bot.cli import main
from bot.config import Settings
from bot.content import Content, load_content
from bot.core.staff import StaffService
from bot.core.surveys.export import write_csv
from bot.core.surveys.flow import SurveyFlow
from bot.core.surveys.stability import database_problems
from bot.core.surveys.staff import SurveyStaff
from bot.domain import Caller, Lang
from bot.errors import ContentError
from bot.storage import surveys as store
from bot.storage.privacy import forget_resident
from bot.storage.residents import get_or_create_resident, subscribe
from tests.conftest import MakeContent
from tests.databases import Database

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
STAFF = 9001
SURVEY = "balltorp-kartlaggning"


async def swedish(caller: Caller) -> Lang:
    return "sv"


def flow(sessions: async_sessionmaker[AsyncSession], content: Content) -> SurveyFlow:
    return SurveyFlow(sessions, lambda: content, lambda: NOW, swedish)


async def started(
    sessions: async_sessionmaker[AsyncSession], content: Content, *chats: int
) -> None:
    async with sessions.begin() as session:
        for chat in chats:
            await get_or_create_resident(session, chat, "sv", now=NOW)
            await subscribe(session, chat, ["balltorp"], now=NOW)
    staff = SurveyStaff(sessions, lambda: content, lambda: NOW, frozenset({STAFF}))
    reply = await staff.press(STAFF, STAFF, f"staff:survey:send:{SURVEY}", "sv")
    assert f"{len(chats)} mottagare" in reply.text


async def answer_all(survey: SurveyFlow, chat: int, *, safe: int, wish: str) -> str:
    caller = Caller(chat)
    first = (await survey.press(caller, f"survey:go:{SURVEY}")).reply
    assert "1/5" in first.text
    await survey.press(caller, f"survey:a:{SURVEY}:0:{safe}")
    await survey.press(caller, f"survey:a:{SURVEY}:1:4")
    # A new flow object between questions: where the resident stands lives in the database.
    toggled = await survey.press(caller, f"survey:t:{SURVEY}:2:0")
    assert toggled.edit
    assert toggled.reply.buttons[0][0].label.startswith("☑")
    await survey.press(caller, f"survey:t:{SURVEY}:2:3")
    await survey.press(caller, f"survey:t:{SURVEY}:2:3")  # and off again
    await survey.press(caller, f"survey:d:{SURVEY}:2")
    await survey.press(caller, f"survey:a:{SURVEY}:3:0")
    thanks = await survey.text_answer(caller, wish)
    assert thanks is not None
    return thanks.text


async def test_every_kind_of_question_resumes_and_tallies(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    await started(sessions, content, 1, 2, 3, 4, 5)
    for chat, safe in zip((1, 2, 3, 4, 5), (4, 4, 3, 0, 1), strict=True):
        thanks = await answer_all(flow(sessions, content), chat, safe=safe, wish=f"=önskan {chat}")
        assert "Tack för dina svar" in thanks
    assert await flow(sessions, content).text_answer(Caller(1), "en fråga") is None

    async with sessions() as session:
        tally = await store.tally(session, SURVEY, with_texts=True)
    assert tally.respondents == 5
    assert tally.counts["trygghet"] == {5: 2, 4: 1, 1: 1, 2: 1}
    assert tally.counts["viktigast"] == {0: 5}  # option 3 was toggled off by everyone
    assert sorted(tally.texts["onskan"]) == [f"=önskan {n}" for n in range(1, 6)]

    staff = SurveyStaff(sessions, lambda: content, lambda: NOW, frozenset({STAFF}))
    results = await staff.results(STAFF, SURVEY, "sv")
    assert "Medelvärde: 3,4 av 5" in results.reply.text
    assert "– =önskan 3" in results.reply.text  # five respondents: free text shown
    assert "Ökad trygghet: 5 (100 %)" in results.reply.text

    out = io.StringIO()
    assert await write_csv(sessions, content.surveys[0], out) == 5
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["response", "trygghet", "trivsel", "viktigast", "vara-med", "onskan"]
    assert sorted(r[1] for r in rows[1:]) == ["1", "2", "4", "5", "5"]
    assert {r[3] for r in rows[1:]} == {"Ökad trygghet"}
    assert all(r[5].startswith("'=") for r in rows[1:])  # no formula for a spreadsheet to run


async def test_a_survey_with_answers_keeps_its_questions(
    sessions: async_sessionmaker[AsyncSession],
    database: Database,
    tmp_content: MakeContent,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = tmp_content()
    content = load_content(directory)
    assert await database_problems(directory, sessions) == []  # not started: anything goes
    await started(sessions, content, 1)
    assert await database_problems(directory, sessions) == []  # no answers yet
    await answer_all(flow(sessions, content), 1, safe=0, wish="x")

    path = directory / "surveys.yaml"
    original = path.read_text("utf-8")
    path.write_text(original.replace("id: trivsel", "id: trivsel-2"), "utf-8")
    (problem,) = await database_problems(directory, sessions)
    assert "balltorp-kartlaggning (line 10): trivsel-2 (line 32): question 2 was 'trivsel'" in (
        problem
    )
    path.write_text(
        original.replace("          - {sv: Ökad trivsel, en: More well-being}\n", ""), "utf-8"
    )
    (problem,) = await database_problems(directory, sessions)
    assert "viktigast" in problem
    assert "had 4 options" in problem
    start = original.index("      - id: onskan")
    path.write_text(original[:start], "utf-8")
    (problem,) = await database_problems(directory, sessions)
    assert "question 5 'onskan' was removed" in problem
    appended = original + original[start:].replace("onskan", "mer")
    path.write_text(appended, "utf-8")
    assert await database_problems(directory, sessions) == []  # new questions at the end: fine

    if database.backend == "sqlite":
        path.write_text(original[:start], "utf-8")
        monkeypatch.setenv("OMRADESBOT_DATABASE_URL", database.plain_url)
        # The command runs its own event loop, so it gets a thread of its own here.
        assert await asyncio.to_thread(main, ["check-content", str(directory)]) == 1
        assert "cannot lose a question" in capsys.readouterr().out


async def test_a_closed_survey_takes_no_answers(
    sessions: async_sessionmaker[AsyncSession], content: Content, tmp_path: Path
) -> None:
    await started(sessions, content, 1)
    survey = flow(sessions, content)
    await survey.press(Caller(1), f"survey:go:{SURVEY}")
    staff = SurveyStaff(sessions, lambda: content, lambda: NOW, frozenset({STAFF}))
    assert "är stängd" in (await staff.close(STAFF, SURVEY, "sv")).text
    refused = await survey.press(Caller(1), f"survey:a:{SURVEY}:0:0")
    assert "är stängd" in refused.reply.text
    async with sessions() as session:
        assert (await store.tally(session, SURVEY)).respondents == 0
    overview = await staff.overview(STAFF, "sv")
    assert "stängd, 0 svar av 1 inbjudna" in overview.text
    assert (await staff.overview(4242, "sv")).text.endswith("bara för personalen.")


async def test_reload_refuses_to_drop_a_question_that_has_answers(
    sessions: async_sessionmaker[AsyncSession], tmp_content: MakeContent
) -> None:
    directory = tmp_content()
    content = load_content(directory)
    await started(sessions, content, 1)
    await answer_all(flow(sessions, content), 1, safe=0, wish="x")
    reloads: list[bool] = []
    staff = StaffService(
        sessions,
        lambda: content,
        reload=lambda: reloads.append(True),
        clock=lambda: NOW,
        staff_ids=frozenset({STAFF}),
    )
    path = directory / "surveys.yaml"
    original = path.read_text("utf-8")
    path.write_text(original[: original.index("      - id: onskan")], "utf-8")

    refused = await staff.reload(STAFF, "en")
    assert "question 5 'onskan' was removed" in refused.text
    assert reloads == []  # the old content stays live
    path.write_text(original, "utf-8")
    await staff.reload(STAFF, "en")
    assert reloads == [True]


async def test_the_bot_refuses_to_start_on_content_that_drops_an_answered_question(
    sessions: async_sessionmaker[AsyncSession], database: Database, tmp_content: MakeContent
) -> None:
    if database.backend != "sqlite":
        # The check is the same query on both (test_a_survey_with_answers_keeps_its_questions);
        # a test schema's search path is not in its plain URL, which build_services takes.
        pytest.skip("build_services takes a URL; the PostgreSQL test schema is not in it")
    directory = tmp_content()
    content = load_content(directory)
    await started(sessions, content, 1)
    await answer_all(flow(sessions, content), 1, safe=0, wish="x")
    path = directory / "surveys.yaml"
    original = path.read_text("utf-8")
    path.write_text(original.replace("id: trygghet", "id: trygg"), "utf-8")
    services = build_services(Settings(database_url=database.plain_url, content_dir=directory))
    try:
        with pytest.raises(ContentError) as caught:
            await services.prepare_database()
    finally:
        await services.close()
    assert "question 1 was 'trygghet'" in caught.value.problems[0]


async def test_open_surveys_are_listed_with_where_the_resident_stands(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    await started(sessions, content, 1, 2)
    survey = flow(sessions, content)
    listing = await survey.list_open(Caller(1))
    assert "• Trygghet och trivsel i Balltorp" in listing.text
    assert listing.buttons[0][0].data == f"survey:go:{SURVEY}"
    await survey.press(Caller(1), f"survey:go:{SURVEY}")
    await survey.press(Caller(1), f"survey:a:{SURVEY}:0:2")
    assert "du har kommit till fråga 2/5" in (await survey.list_open(Caller(1))).text
    resumed = (await survey.press(Caller(1), f"survey:go:{SURVEY}")).reply
    assert resumed.text.startswith("Välkommen tillbaka!")
    assert "2/5 Hur bra trivs du" in resumed.text
    assert "ingen öppen enkät" in (await survey.list_open(Caller(3))).text  # not subscribed
    assert "bara i en privat chatt" in (await survey.list_open(Caller(-100, private=False))).text

    staff = SurveyStaff(sessions, lambda: content, lambda: NOW, frozenset({STAFF}))
    await staff.close(STAFF, SURVEY, "sv")
    async with sessions() as session:
        (left,) = await store.participations_of(session, 1)
    assert left.draft is None  # answers in progress cannot be sent any more: erased
    assert not left.completed


async def test_a_resident_past_the_last_question_of_a_shortened_survey_is_finished(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    await started(sessions, content, 1)
    survey = flow(sessions, content)
    await survey.press(Caller(1), f"survey:go:{SURVEY}")
    for position, data in enumerate(("a:{}:0:1", "a:{}:1:1", "d:{}:2", "a:{}:3:1")):
        assert position == int(data.format(SURVEY).split(":")[2])
        await survey.press(Caller(1), "survey:" + data.format(SURVEY))
    # Before anyone has finished, editors may still drop the last question.
    shorter = replace(
        content, surveys=(replace(content.surveys[0], questions=content.surveys[0].questions[:4]),)
    )
    done = await flow(sessions, shorter).press(Caller(1), f"survey:go:{SURVEY}")
    assert "Tack för dina svar" in done.reply.text
    async with sessions() as session:
        assert (await store.tally(session, SURVEY)).respondents == 1


async def test_start_respects_the_dates_and_cancel_sends_nothing(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    later = replace(content, surveys=(replace(content.surveys[0], opens=dt.date(2027, 3, 1)),))
    staff = SurveyStaff(sessions, lambda: later, lambda: NOW, frozenset({STAFF}))
    assert "öppnar först 2027-03-01" in (await staff.preview(STAFF, SURVEY, "sv")).text
    assert "öppnar först" in (await staff.press(STAFF, 1, f"staff:survey:send:{SURVEY}", "sv")).text
    over = replace(content, surveys=(replace(content.surveys[0], closes=dt.date(2026, 1, 31)),))
    staff = SurveyStaff(sessions, lambda: over, lambda: NOW, frozenset({STAFF}))
    assert "stängde 2026-01-31" in (await staff.preview(STAFF, SURVEY, "sv")).text

    staff = SurveyStaff(sessions, lambda: content, lambda: NOW, frozenset({STAFF}))
    preview = await staff.preview(STAFF, SURVEY, "sv")
    assert "0 mottagare" in preview.text
    assert "3. Vad tycker du är viktigast att arbeta med i Balltorp? (flera svar)" in preview.text
    dropped = await staff.press(STAFF, 1, f"staff:survey:drop:{SURVEY}", "sv")
    assert "skickades inte" in dropped.text
    async with sessions() as session:
        assert await store.survey_row(session, SURVEY) is None
    refused = await staff.press(4242, 1, f"staff:survey:send:{SURVEY}", "sv")
    assert refused.text == "Det här kommandot är bara för personalen."
    async with sessions() as session:
        assert await store.survey_row(session, SURVEY) is None


async def test_the_sole_writer_remembers_who_is_answering_and_heals_after_forget(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    await started(sessions, content, 1, 2)
    early = SurveyFlow(sessions, lambda: content, lambda: NOW, swedish, sole_writer=True)
    assert await early.text_answer(Caller(1), "en fråga") is None  # loads: nobody answering
    await early.press(Caller(1), f"survey:go:{SURVEY}")
    for data in ("a:{}:0:1", "a:{}:1:1", "d:{}:2", "a:{}:3:1"):
        await early.press(Caller(1), "survey:" + data.format(SURVEY))
    # Begun in an earlier process: a new one reads who is answering once, from the database.
    late = SurveyFlow(sessions, lambda: content, lambda: NOW, swedish, sole_writer=True)
    assert await late.text_answer(Caller(2), "en fråga") is None
    thanks = await late.text_answer(Caller(1), "Mer ljus")
    assert thanks is not None
    assert "Tack för dina svar" in thanks.text

    await early.press(Caller(2), f"survey:go:{SURVEY}")
    for data in ("a:{}:0:1", "a:{}:1:1", "d:{}:2", "a:{}:3:1"):
        await early.press(Caller(2), "survey:" + data.format(SURVEY))
    async with sessions.begin() as session:
        await forget_resident(session, 2)
    assert await early.text_answer(Caller(2), "en fråga") is None  # a question for the FAQ
    async with sessions() as session:
        assert (await store.tally(session, SURVEY)).respondents == 1
