"""The residents service on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content
from bot.core.flood import FloodGate
from bot.core.residents import Residents, parse_area, parse_language
from bot.domain import Caller
from bot.errors import StorageError
from bot.holder import ContentHolder
from bot.services import prepare_database
from bot.storage import milestones
from bot.storage.engine import session_factory
from bot.storage.migrate import upgrade
from bot.storage.models import Question, Resident, Subscription
from tests.storage.dbfixtures import Database

ROOT = Path(__file__).resolve().parents[2]
ANNA = Caller(4711, private=True, language_code="sv")
JOHN = Caller(4712, private=True, language_code="en-US")
GROUP = Caller(-100_4711, private=False, language_code="sv")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2021, 3, 1, 10, 0, tzinfo=STOCKHOLM)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class World:
    residents: Residents
    engine: AsyncEngine
    clock: Clock

    async def count(self, model: type[Resident | Subscription | Question]) -> int:
        async with session_factory(self.engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture(scope="module")
def holder() -> ContentHolder:
    return ContentHolder.load(ROOT / "content")


@pytest.fixture
async def world(database: Database, holder: ContentHolder) -> AsyncIterator[World]:
    engine = database.engine()
    await upgrade(engine)
    clock = Clock()
    residents = Residents(
        session_factory(engine),
        holder,
        clock,
        FloodGate(20, clock),
        retention=dt.timedelta(days=90),
    )
    yield World(residents, engine, clock)
    await engine.dispose()


def test_area_and_language_words() -> None:
    assert parse_area("Kållered") == "kallered"
    assert parse_area(" BALLTORP ") == "balltorp"
    assert parse_area("båda") == parse_area("alla") == parse_area("all") == "all"
    assert parse_area("mars") is None
    assert parse_language("English") == "en"
    assert parse_language("svenska") == "sv"
    assert parse_language("de") is None


async def test_language_follows_telegram_until_chosen(world: World) -> None:
    assert await world.residents.language(ANNA) == "sv"
    assert await world.residents.language(JOHN) == "en"
    await world.residents.set_language(ANNA, "en")
    assert await world.residents.language(ANNA) == "en"
    assert await world.residents.language(GROUP) == "sv"


async def test_the_sole_writer_remembers_chosen_languages_and_never_a_stale_one(
    world: World, holder: ContentHolder
) -> None:
    residents = Residents(
        session_factory(world.engine),
        holder,
        world.clock,
        FloodGate(20, world.clock),
        retention=dt.timedelta(days=90),
        sole_writer=True,
    )
    reads: list[str] = []

    def count_reads(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "residents" in statement:
            reads.append(statement)

    event.listen(world.engine.sync_engine, "before_cursor_execute", count_reads)
    try:
        dialogue = holder.current.dialogue
        await residents.set_language(ANNA, "en")
        for turn in range(5):
            if turn == 1:
                reads.clear()  # from the second message on, nothing more to read
            await residents.ask(ANNA, "varför flyttar arbetet?")
            await residents.ask(JOHN, "why does the work move?")
            assert await residents.unknown_command(ANNA) == dialogue.unknown_command("en")
            assert await residents.unknown_command(JOHN) == dialogue.unknown_command("en")
        assert reads == []
        await residents.set_language(ANNA, "sv")
        assert await residents.unknown_command(ANNA) == dialogue.unknown_command("sv")
        await residents.forget(ANNA)
        # Forgotten: Telegram's hint again, not the choice that was erased.
        anna_in_english = Caller(ANNA.chat_id, language_code="en")
        assert await residents.unknown_command(anna_in_english) == dialogue.unknown_command("en")
    finally:
        event.remove(world.engine.sync_engine, "before_cursor_execute", count_reads)


async def test_questions_are_logged_with_topic_score_and_answered(
    world: World, content: Content
) -> None:
    answered = await world.residents.ask(ANNA, "varför flyttar arbetet?")
    unanswered = await world.residents.ask(ANNA, "vad kostar en pizza")
    await world.residents.ask(ANNA, "hej")  # small talk is not a question
    await world.residents.ask(GROUP, "varför flyttar arbetet?")  # groups store nothing
    async with session_factory(world.engine)() as session:
        rows = list(await session.scalars(select(Question).order_by(Question.id)))
    assert [(q.chat_id, q.text, q.topic, q.answered) for q in rows] == [
        (ANNA.chat_id, "varför flyttar arbetet?", "why_move", True),
        (ANNA.chat_id, "vad kostar en pizza", None, False),
    ]
    assert rows[0].score == pytest.approx(answered.score)
    assert rows[1].score == pytest.approx(unanswered.score)
    assert rows[0].asked_at == world.clock.now


async def test_subscriptions_by_name_buttons_and_all(world: World, content: Content) -> None:
    texts, residents = content.texts, world.residents
    assert (await residents.subscribe(ANNA, "Kållered")).text == texts.get(
        "subscribed", "sv", area="Kållered"
    )
    assert (await residents.subscribe(ANNA, "kallered")).text == texts.get(
        "already_subscribed", "sv", area="Kållered"
    )
    unknown = await residents.subscribe(ANNA, "mars")
    assert unknown.text == texts.get("area_unknown", "sv")
    assert [b.data for row in unknown.buttons for b in row] == [
        "sub:balltorp",
        "sub:kallered",
        "sub:all",
    ]
    await residents.subscribe(JOHN, "all")
    assert await world.count(Subscription) == 3
    menu = await residents.unsubscribe(JOHN, None)
    assert [b.data for row in menu.buttons for b in row] == [
        "unsub:balltorp",
        "unsub:kallered",
        "unsub:all",
    ]
    assert (await residents.press(JOHN, "unsub:balltorp")).text == texts.get(
        "unsubscribed", "en", area="Balltorp"
    )
    assert (await residents.unsubscribe(JOHN, "balltorp")).text == texts.get(
        "not_subscribed", "en", area="Balltorp"
    )
    assert (await residents.unsubscribe(GROUP, "all")).text == texts.get("private_only", "sv")
    assert (await residents.unsubscribe(Caller(1, language_code="en"), None)).text == texts.get(
        "no_subscriptions", "en"
    )


async def test_mydata_shows_everything_and_splits_long_histories(world: World) -> None:
    await world.residents.subscribe(ANNA, "balltorp")
    questions = [f"fråga nummer {n}: " + "x" * 980 for n in range(10)]
    for question in questions:
        await world.residents.ask(ANNA, question)
    replies = await world.residents.mydata(ANNA)
    assert len(replies) >= 3
    assert all(len(reply.text) <= 4096 for reply in replies)
    shown = "\n".join(reply.text for reply in replies)
    assert all(question in shown for question in questions)
    assert "Balltorp" in shown
    assert str(ANNA.chat_id) in shown


async def test_forget_erases_every_row_and_nothing_else(world: World) -> None:
    for caller in (ANNA, JOHN):
        await world.residents.subscribe(caller, "all")
        await world.residents.ask(caller, "varför flyttar arbetet?")
    await world.residents.forget(ANNA)
    assert (await world.residents.mydata(ANNA))[0].text.startswith("Jag har ingenting")
    assert await world.count(Resident) == 1
    assert await world.count(Subscription) == 2
    assert await world.count(Question) == 1


async def test_prune_keeps_questions_for_the_retention_period(world: World) -> None:
    await world.residents.ask(ANNA, "varför flyttar arbetet?")
    world.clock.now += dt.timedelta(days=89)
    assert await world.residents.prune_questions() == 0
    world.clock.now += dt.timedelta(days=2)
    assert await world.residents.prune_questions() == 1
    assert await world.count(Question) == 0


async def test_buttons_with_forged_data_change_nothing(world: World, content: Content) -> None:
    for data in ("sub:mars", "unsub:", "lang:xx", "forget:", "🙂", ""):
        reply = await world.residents.press(ANNA, data)
        assert reply.text == content.texts.get("expired_button", "sv")
    assert await world.count(Resident) == 0


async def test_start_refuses_a_database_that_is_not_at_head(database: Database) -> None:
    engine = database.engine()
    try:
        if database.backend == "sqlite":
            await prepare_database(str(database.url), engine)  # the embedded default migrates
            await prepare_database(str(database.url), engine)  # and again is harmless
            return
        with pytest.raises(StorageError, match="omradesbot db upgrade"):
            await prepare_database(database.url.render_as_string(hide_password=False), engine)
        await upgrade(engine)
        await prepare_database(database.url.render_as_string(hide_password=False), engine)
    finally:
        await engine.dispose()


async def test_timeline_text_shows_staff_changes(world: World) -> None:
    """A staff-added milestone and a moved one appear in /milestones, as in the picture."""
    async with session_factory(world.engine).begin() as session:
        await milestones.add_milestone(
            session,
            "open-house",
            area="balltorp",
            when_at=dt.datetime(2021, 4, 10, 18, 0, tzinfo=STOCKHOLM),
            title_sv="Öppet hus i Balltorp",
            title_en="Open house in Balltorp",
            created_by=1,
        )
        await milestones.move_milestone(
            session, "balltorp-start", dt.datetime(2021, 10, 4, 9, 0, tzinfo=STOCKHOLM), moved_by=1
        )
    text = (await world.residents.milestones(ANNA)).text
    assert "⏳ 2021-04-10 kl. 18:00: Öppet hus i Balltorp" in text
    assert "2021-10-04" in text
    assert "hösten 2021" not in text  # the moved step lost its seasonal label
    english = (await world.residents.press(JOHN, "menu:timeline")).text
    assert "Open house in Balltorp" in english


async def test_questions_asked_at_once_share_commits_and_each_is_stored_before_its_answer(
    world: World,
) -> None:
    commits: list[object] = []
    event.listen(world.engine.sync_engine, "commit", commits.append)
    sessions = session_factory(world.engine)

    async def ask(number: int) -> int:
        caller = Caller(5_000 + number, private=True, language_code="sv")
        await world.residents.ask(caller, f"varför flyttar arbetet? ({number})")
        # Read at once on another connection: the question must already be committed.
        async with sessions() as session:
            stored = await session.scalar(
                select(func.count()).where(Question.chat_id == caller.chat_id)
            )
        return int(stored or 0)

    assert await asyncio.gather(*(ask(n) for n in range(30))) == [1] * 30
    assert await world.count(Resident) == 30
    # One commit per question made residents queue on SQLite's write lock under load.
    assert len(commits) < 15
