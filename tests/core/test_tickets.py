"""The tickets service on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.config import Settings
from bot.core.flood import FloodGate
from bot.core.residents import Residents
from bot.core.tickets import (
    DRAFT_TTL,
    SEND_PREFIX,
    Tickets,
    group_similar,
    parse_ticket_id,
)
from bot.domain import ASK_STAFF, Buttons, Caller
from bot.errors import ContentError
from bot.holder import ContentBundle, ContentHolder
from bot.ports import RecipientBlockedError
from bot.storage import privacy
from bot.storage import tickets as store
from bot.storage.engine import session_factory
from bot.storage.migrate import upgrade
from tests.databases import BACKENDS, Database, postgres_schema, sqlite_database

ROOT = Path(__file__).resolve().parents[2]
ANNA = Caller(4711, private=True, language_code="sv")
JOHN = Caller(4712, private=True, language_code="en-US")
GROUP = Caller(-100_4711, private=False, language_code="sv")
STAFF = 9001


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2021, 3, 1, 10, 0, tzinfo=STOCKHOLM)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Outbox:
    """A recording Notifier: the transport seam, not the thing under test."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    edited: list[tuple[int, int, str]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)

    async def send_text(self, chat_id: int, text: str, buttons: Buttons = ()) -> int:
        if chat_id in self.blocked:
            raise RecipientBlockedError("Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, text))
        return 1000 + len(self.sent)

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()
    ) -> None:
        self.edited.append((chat_id, message_id, text))


@dataclass
class World:
    tickets: Tickets
    engine: AsyncEngine
    clock: Clock
    outbox: Outbox


@pytest.fixture(scope="module")
def holder() -> ContentHolder:
    return ContentHolder.load(ROOT / "content", ask_staff=True)


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        yield sqlite_database(tmp_path / "bot.db")
        return
    async with postgres_schema() as database:
        yield database


def make_tickets(engine: AsyncEngine, holder: ContentHolder, clock: Clock, **kw: object) -> Tickets:
    values: dict[str, object] = {"staff_ids": frozenset({STAFF, 9002}), **kw}
    settings = replace(Settings(), **values)  # type: ignore[arg-type]
    sessions = session_factory(engine)
    residents = Residents(
        sessions,
        holder,
        clock,
        FloodGate(20, clock),
        retention=dt.timedelta(days=90),
        keep_drafts=True,
    )
    return Tickets(sessions, holder, residents, settings, clock)


@pytest.fixture
async def world(database: Database, holder: ContentHolder) -> AsyncIterator[World]:
    engine = database.engine()
    await upgrade(engine)
    clock = Clock()
    yield World(make_tickets(engine, holder, clock, ticket_limit=2), engine, clock, Outbox())
    await engine.dispose()


async def send_ticket(world: World, caller: Caller, text: str) -> int:
    offer = await world.tickets.offer(caller, text)
    assert offer.draft is not None
    assert offer.draft.token is not None
    sent = await world.tickets.submit(caller, offer.draft.token, world.outbox)
    assert sent.draft is None
    assert await world.tickets.draft(caller) is None
    async with session_factory(world.engine)() as session:
        tickets = await privacy.resident_data(session, caller.chat_id)
    return tickets.tickets[-1].id


def test_ticket_ids_are_read_from_staff_arguments() -> None:
    assert parse_ticket_id("12 Svaret är ja") == (12, "Svaret är ja")
    assert parse_ticket_id("#7") == (7, "")
    assert parse_ticket_id("sju svar") == (None, "sju svar")
    assert parse_ticket_id("") == (None, "")


def test_similar_questions_are_counted_together() -> None:
    groups = group_similar(
        [
            "När öppnar ni i Balltorp?",
            "när öppnar ni i balltorp",
            "Vad kostar en pizza?",
            "NÄR ÖPPNAR NI I BALLTORP!!",
            "   ",
        ]
    )
    assert groups == [("När öppnar ni i Balltorp?", 3), ("Vad kostar en pizza?", 1)]


def test_missing_ticket_texts_are_named(holder: ContentHolder) -> None:
    content = holder.current.content
    strings = dict(content.texts.strings)
    del strings["ticket_response_time"]
    broken = replace(content, texts=replace(content.texts, strings=strings))
    with pytest.raises(ContentError) as caught:
        ContentBundle.build(broken)
    assert any("ticket_response_time: missing" in p for p in caught.value.problems)


def residents_of(world: World) -> Residents:
    return world.tickets._residents


async def test_only_unanswered_questions_become_drafts(world: World) -> None:
    tickets, residents = world.tickets, residents_of(world)
    await residents.ask(ANNA, "Vad kostar en pizza på torget?")
    draft = await tickets.draft(ANNA)  # kept in the database, with the question
    assert draft is not None
    assert draft.text == "Vad kostar en pizza på torget?"
    # Small talk and answered questions keep the earlier question.
    await residents.ask(ANNA, "jag vill prata med en människa")
    await residents.ask(ANNA, "varför flyttar områdesarbetet från Kållered?")
    assert await tickets.draft(ANNA) == draft
    # Group chats never keep drafts: nobody there is a resident.
    await residents.ask(GROUP, "Vad kostar en pizza?")
    assert await tickets.draft(GROUP) is None


async def test_a_draft_expires(world: World) -> None:
    await residents_of(world).ask(ANNA, "Vad kostar en pizza?")
    world.clock.now += DRAFT_TTL + dt.timedelta(seconds=1)
    offer = await world.tickets.offer(ANNA)
    assert offer.draft is None
    assert "/fraga" in offer.reply.text
    assert await world.tickets.draft(ANNA) is None


async def test_another_service_on_the_same_database_sends_the_draft(
    world: World, holder: ContentHolder
) -> None:
    # Two processes behind a load balancer: one answered, the other gets the confirmation.
    other = make_tickets(world.engine, holder, world.clock, ticket_limit=2)
    await residents_of(world).ask(ANNA, "Vad kostar en pizza på torget?")
    shown = await other.offer(ANNA)
    assert shown.draft is not None
    assert "pizza" in shown.reply.text
    assert shown.draft.token is not None
    sent = await world.tickets.submit(ANNA, shown.draft.token, world.outbox)
    assert sent.draft is None
    assert [chat for chat, _ in world.outbox.sent] == [STAFF, 9002]
    assert "pizza" in world.outbox.sent[0][1]


async def test_send_only_with_the_token_of_the_shown_text(world: World) -> None:
    first = await world.tickets.offer(ANNA, "Första frågan?")
    second = await world.tickets.offer(ANNA, "Andra frågan?")
    assert first.draft is not None
    assert first.draft.token is not None
    assert second.draft is not None
    # The first confirmation's Send button must not send the second text.
    stale = await world.tickets.submit(ANNA, first.draft.token, world.outbox)
    assert "inte att skicka längre" in stale.reply.text
    assert world.outbox.sent == []
    data = second.reply.buttons[0][0].data
    assert data.startswith(SEND_PREFIX)
    assert "Andra" not in data


async def test_round_trip_and_second_answer(world: World) -> None:
    ticket_id = await send_ticket(world, ANNA, "Får jag ta med hunden?")
    # No staff chat: every staff member gets the ticket privately.
    assert [chat for chat, _ in world.outbox.sent] == [STAFF, 9002]
    posted = world.outbox.sent[0][1]
    assert world.tickets.staff_targets() == (STAFF, 9002)
    assert f"#{ticket_id}" in posted
    assert "Får jag ta med hunden?" in posted
    assert str(ANNA.chat_id) not in posted

    assert await world.tickets.ticket_for_message(STAFF, 1001) == ticket_id
    assert await world.tickets.ticket_for_message(STAFF, 4242) is None

    reply = await world.tickets.answer(STAFF, ticket_id, "Ja, i koppel.", "sv", world.outbox)
    assert "skickat" in reply.text
    assert world.outbox.sent[-1][0] == ANNA.chat_id
    assert "Ja, i koppel." in world.outbox.sent[-1][1]
    again = await world.tickets.answer(9002, ticket_id, "Nej.", "en", world.outbox)
    assert again.text == f"Ticket #{ticket_id} is already answered. Your answer was not sent."


async def test_staff_is_checked_at_the_moment_of_action(world: World) -> None:
    ticket_id = await send_ticket(world, ANNA, "Får jag ta med hunden?")
    tickets = world.tickets
    refusal = "Det här kommandot är bara för personalen."
    assert (await tickets.answer(ANNA.chat_id, ticket_id, "Ja", "sv", world.outbox)).text == refusal
    assert (await tickets.answer(None, ticket_id, "Ja", "sv", world.outbox)).text == refusal
    assert (await tickets.close(4711, str(ticket_id), "sv")).text == refusal
    assert (await tickets.list_open(4711, "sv")).text == refusal
    assert (await tickets.unanswered(4711, "sv")).text == refusal
    assert (await tickets.suggest(4711, str(ticket_id), "sv")).text == refusal
    assert "Får jag ta med hunden?" in (await tickets.list_open(STAFF, "sv")).text


async def test_an_undelivered_answer_is_saved_and_staff_are_told(world: World) -> None:
    ticket_id = await send_ticket(world, JOHN, "Is there parking?")
    world.outbox.blocked.add(JOHN.chat_id)
    reply = await world.tickets.answer(STAFF, ticket_id, "Yes.", "en", world.outbox)
    assert "not delivered" in reply.text
    async with session_factory(world.engine)() as session:
        ticket = await store.get_ticket(session, ticket_id)
    assert ticket is not None
    assert ticket.status == "answered"


async def test_limit_counts_open_tickets_only(world: World) -> None:
    first = await send_ticket(world, ANNA, "Ett?")
    await send_ticket(world, ANNA, "Två?")
    limited = await world.tickets.offer(ANNA, "Tre?")
    assert limited.reply.text.startswith("Du har redan 2 frågor")
    assert limited.reply.buttons == ()
    await world.tickets.close(STAFF, f"#{first}", "sv")
    assert (await world.tickets.offer(ANNA, "Tre?")).reply.buttons != ()


async def test_not_in_groups_and_not_without_staff(world: World, holder: ContentHolder) -> None:
    assert "privat" in (await world.tickets.offer(GROUP, "Hej?")).reply.text
    nobody = make_tickets(world.engine, holder, world.clock, staff_ids=frozenset())
    assert "inte att fråga personalen" in (await nobody.offer(ANNA, "Hej?")).reply.text


async def test_closed_tickets_are_pruned_after_the_retention(world: World) -> None:
    answered = await send_ticket(world, ANNA, "Gammal fråga?")
    await world.tickets.answer(STAFF, answered, "Gammalt svar.", "sv", world.outbox)
    still_open = await send_ticket(world, JOHN, "Old but open?")
    world.clock.now += dt.timedelta(days=91)
    assert await world.tickets.prune() == 1
    async with session_factory(world.engine)() as session:
        assert await store.get_ticket(session, answered) is None
        assert await store.get_ticket(session, still_open) is not None


async def test_forget_erases_tickets_and_blanks_staff_copies(world: World) -> None:
    ticket_id = await send_ticket(world, ANNA, "Får jag ta med hunden?")
    assert await world.tickets.erase_staff_copies(ANNA.chat_id, world.outbox) == 2
    assert all("hunden" not in text for _, _, text in world.outbox.edited)
    async with session_factory(world.engine).begin() as session:
        counts = await privacy.forget_resident(session, ANNA.chat_id)
    assert counts["tickets"] == 1
    assert counts["ticket_messages"] == 2
    async with session_factory(world.engine)() as session:
        assert await store.get_ticket(session, ticket_id) is None


def test_the_dialogue_offers_the_staff_only_when_asked_to(holder: ContentHolder) -> None:
    with_staff = holder.current.dialogue
    without = ContentHolder.load(ROOT / "content").current.dialogue
    for lang in ("sv", "en"):
        unknown = with_staff.answer("Vad kostar en pizza på torget?", lang)
        assert [b.data for row in unknown.buttons for b in row][-1] == ASK_STAFF
        plain = without.answer("Vad kostar en pizza på torget?", lang)
        assert ASK_STAFF not in [b.data for row in plain.buttons for b in row]
