"""/mydata shows everything stored about a resident; /forget leaves no row mentioning them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import (
    Base,
    Broadcast,
    Recipient,
    TicketMessage,
    claim_pending,
    create_ticket,
    enqueue_broadcast,
    forget_resident,
    get_or_create_resident,
    log_question,
    mark_sent,
    record_ticket_message,
    resident_data,
    subscribe,
    subscriber_chat_ids,
)
from bot.storage.feedback import GivenAnswer, cast_vote, record_answers
from bot.storage.models import FloodMessage, SendPermit, SurveyParticipation, SurveyRow
from bot.storage.models import SurveyAnswer as SurveyAnswerRow
from bot.storage.surveys import Answer, submit_response
from bot.storage.tickets import save_draft

UTC = dt.UTC
NOW = dt.datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
ANNA, BO = 7_000_000_001, 7_000_000_002
STAFF_CHAT = -1_001_234_567_890


async def _fill(session: AsyncSession) -> int:
    """Give Anna (and Bo, who must survive) a row in every table that can mention a resident."""
    session.add(SurveyRow(id="s", area="all", shape="[]", started_at=NOW, invited=2))
    await session.flush()
    for chat_id in (ANNA, BO):
        await get_or_create_resident(session, chat_id, "sv", now=NOW)
        session.add(SurveyParticipation(survey_id="s", chat_id=chat_id, completed=True))
        await submit_response(session, "s", [Answer("q", 0, choice=1)])
        await subscribe(session, chat_id, ["all"], now=NOW)
        await log_question(
            session,
            chat_id,
            "När flyttar ni?",
            "sv",
            topic="move",
            score=0.9,
            answered=True,
            now=NOW,
        )
        ticket = await create_ticket(
            session, chat_id, "Hej personalen", "sv", area="balltorp", now=NOW
        )
        await record_ticket_message(session, ticket.id, STAFF_CHAT, 500 + ticket.id)
        await save_draft(session, chat_id, "Var parkerar man?", NOW, None)
        session.add(FloodMessage(chat_id=chat_id, at=NOW))
        session.add(SendPermit(chat_id=chat_id, priority=0, granted_at=NOW))
        token = f"tok{chat_id}"
        await record_answers(
            session, [GivenAnswer(token, chat_id, "move", "sv", "text", NOW.date())], now=NOW
        )
        await cast_vote(session, token, chat_id, -1, oldest_day=NOW.date())
    sent = await enqueue_broadcast(
        session,
        Broadcast(kind="broadcast", area="all", text_sv="Hej", text_en="Hi", created_at=NOW),
        await subscriber_chat_ids(session, "all"),
        now=NOW,
    )
    assert sent is not None
    for claimed in await claim_pending(session, 10, NOW):
        await mark_sent(session, claimed.id, 900 + claimed.id, now=NOW)
    pending = await enqueue_broadcast(
        session,
        Broadcast(
            kind="notice", area="balltorp", text_sv="Ny tid", text_en="New date", created_at=NOW
        ),
        [Recipient(ANNA, "sv"), Recipient(BO, "sv")],
        now=NOW,
    )
    assert pending is not None
    return pending.id


async def _tables_mentioning(session: AsyncSession, value: int) -> dict[str, int]:
    """Every 64-bit integer column of every table in the models, searched for `value`.

    32-bit columns cannot hold a chat id; `test_chat_ids_are_64_bit` keeps it that way.
    """
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, BigInteger):
                count = await session.scalar(
                    select(func.count()).select_from(table).where(column == value)
                )
                if count:
                    found[f"{table.name}.{column.name}"] = count
    return found


async def test_mydata_shows_everything_stored(session: AsyncSession) -> None:
    async with session.begin():
        await _fill(session)
    async with session.begin():
        data = await resident_data(session, ANNA)
    assert data.resident is not None
    assert data.resident.chat_id == ANNA
    assert [s.area for s in data.subscriptions] == ["balltorp", "kallered"]
    assert [q.text for q in data.questions] == ["När flyttar ni?"]
    assert [t.text for t in data.tickets] == ["Hej personalen"]
    assert len(data.pending_deliveries) == 1  # the notice; the sent broadcast is history
    assert data.surveys == (("s", True),)  # that she took part, never what she answered
    assert [(a.topic, a.vote) for a in data.answers] == [("move", -1)]
    assert not data.empty


async def test_forget_leaves_no_row_mentioning_the_resident(session: AsyncSession) -> None:
    async with session.begin():
        await _fill(session)
        anna_ticket_ids = [t.id for t in (await resident_data(session, ANNA)).tickets]
    async with session.begin():
        before = await _tables_mentioning(session, ANNA)
    # The search must see Anna everywhere she is stored, or it could not notice a leftover.
    assert {name.split(".")[0] for name in before} >= {
        "residents",
        "subscriptions",
        "questions",
        "tickets",
        "deliveries",
        "answers",
    }

    async with session.begin():
        counts = await forget_resident(session, ANNA)
    assert counts == {
        "ticket_messages": 1,
        "deliveries": 2,
        "answers": 1,
        "questions": 1,
        "subscriptions": 2,
        "tickets": 1,
        "residents": 1,
        "ticket_drafts": 1,
        "flood_messages": 1,
        "send_permits": 1,
        "survey_participations": 1,
    }

    async with session.begin():
        assert await _tables_mentioning(session, ANNA) == {}
        left = await session.scalar(
            select(func.count())
            .select_from(TicketMessage)
            .where(TicketMessage.ticket_id.in_(anna_ticket_ids))
        )
        assert left == 0
        assert (await resident_data(session, ANNA)).empty
        # Bo is untouched.
        bo = await resident_data(session, BO)
        assert bo.resident is not None
        assert (len(bo.subscriptions), len(bo.questions), len(bo.tickets)) == (2, 1, 1)
        # The anonymous answers stay: they never mentioned her.
        assert await session.scalar(select(func.count()).select_from(SurveyAnswerRow)) == 2


async def test_forget_twice_and_forget_a_stranger(session: AsyncSession) -> None:
    async with session.begin():
        await _fill(session)
        await forget_resident(session, ANNA)
    async with session.begin():
        assert set((await forget_resident(session, ANNA)).values()) == {0}
        assert set((await forget_resident(session, 42)).values()) == {0}


def test_chat_ids_are_64_bit() -> None:
    # Telegram chat ids exceed 32 bits; the forget search above relies on this too.
    chat_columns = [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("chat_id")
    ]
    assert len(chat_columns) >= 6
    assert all(isinstance(column.type, BigInteger) for column in chat_columns)
