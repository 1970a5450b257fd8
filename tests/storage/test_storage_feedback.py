"""Answers and votes in the database: one vote per answer, the vote window, the staff counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.feedback import (
    GivenAnswer,
    VoteResult,
    cast_vote,
    close_votes,
    conversations,
    prune_answers,
    questions_between,
    record_answers,
    topic_figures,
    votes_between,
    votes_by_day,
)
from bot.storage.models import Answer
from bot.storage.questions import log_question
from bot.storage.tickets import create_ticket

NOW = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
ANNA, BO = 7_000_000_001, 7_000_000_002


def given(
    token: str, chat_id: int = ANNA, topic: str = "move", *, via: str = "text", days_ago: int = 0
) -> GivenAnswer:
    return GivenAnswer(token, chat_id, topic, "sv", via, TODAY - dt.timedelta(days=days_ago))


async def test_one_vote_per_answer_changed_by_the_other_button(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await record_answers(session, [given("tokenAAAA1")], now=NOW)
    outcomes = []
    for vote in (1, 1, -1, -1, 1):
        async with sessions.begin() as session:
            result, _ = await cast_vote(session, "tokenAAAA1", ANNA, vote, oldest_day=TODAY)
            outcomes.append(result)
    assert outcomes == [
        VoteResult.NEW,
        VoteResult.SAME,
        VoteResult.CHANGED,
        VoteResult.SAME,
        VoteResult.CHANGED,
    ]
    async with sessions() as session:
        assert await votes_between(session, TODAY, TODAY) == (1, 0)


async def test_a_foreign_old_or_unknown_press_changes_nothing(session: AsyncSession) -> None:
    async with session.begin():
        await record_answers(session, [given("tokenBBBB1", days_ago=8)], now=NOW)
        await record_answers(session, [given("tokenBBBB2")], now=NOW)
        window = TODAY - dt.timedelta(days=7)
        assert (await cast_vote(session, "tokenBBBB1", ANNA, 1, oldest_day=window))[0] is (
            VoteResult.REFUSED
        )
        assert (await cast_vote(session, "tokenBBBB2", BO, 1, oldest_day=window))[0] is (
            VoteResult.REFUSED
        )
        assert (await cast_vote(session, "nosuchtoken", ANNA, 1, oldest_day=window))[0] is (
            VoteResult.REFUSED
        )
        assert await votes_between(session, TODAY - dt.timedelta(days=30), TODAY) == (0, 0)


async def test_closing_unties_answers_and_pruning_deletes_them(session: AsyncSession) -> None:
    async with session.begin():
        await record_answers(
            session, [given("tokenCCCC1", days_ago=10), given("tokenCCCC2")], now=NOW
        )
        await cast_vote(session, "tokenCCCC1", ANNA, -1, oldest_day=TODAY - dt.timedelta(days=30))
        assert await close_votes(session, TODAY - dt.timedelta(days=7)) == 1
        untied = await session.scalar(select(func.count()).where(Answer.chat_id.is_(None)))
        assert untied == 1
        # The vote is still counted, but nobody can press on it any more.
        assert await votes_between(session, TODAY - dt.timedelta(days=30), TODAY) == (0, 1)
        assert (
            await cast_vote(session, "tokenCCCC1", ANNA, 1, oldest_day=TODAY.replace(year=2000))
        )[0] is VoteResult.REFUSED
        assert await prune_answers(session, TODAY - dt.timedelta(days=9)) == 1
        assert await session.scalar(select(func.count()).select_from(Answer)) == 1


async def test_staff_figures_per_topic_and_day(session: AsyncSession) -> None:
    async with session.begin():
        await record_answers(
            session,
            [
                given("tokenDDDD1"),
                given("tokenDDDD2", BO, via="suggested"),
                given("tokenDDDD3", BO, "timeline", via="menu", days_ago=1),
            ],
            now=NOW,
        )
        for token, chat, vote in (
            ("tokenDDDD1", ANNA, 1),
            ("tokenDDDD2", BO, -1),
            ("tokenDDDD3", BO, -1),
        ):
            await cast_vote(session, token, chat, vote, oldest_day=TODAY - dt.timedelta(days=7))
        move, timeline = await topic_figures(session, TODAY - dt.timedelta(days=6), TODAY)
        assert (move.topic, move.given, move.direct, move.suggested, move.up, move.down) == (
            "move",
            2,
            1,
            1,
            1,
            1,
        )
        assert move.helpful_share == 0.5
        assert (timeline.topic, timeline.given, timeline.helpful_share) == ("timeline", 1, 0.0)
        assert await votes_by_day(session, TODAY - dt.timedelta(days=6), TODAY) == [
            (TODAY - dt.timedelta(days=1), 1, 0, 1),
            (TODAY, 2, 1, 1),
        ]


async def test_conversations_resolved_without_a_ticket_and_median_answer_time(
    session: AsyncSession,
) -> None:
    async with session.begin():
        for chat in (ANNA, BO):
            await log_question(
                session, chat, "När?", "sv", topic=None, score=0.1, answered=False, now=NOW
            )
        ticket = await create_ticket(session, ANNA, "När?", "sv", now=NOW)
        ticket.answered_at = NOW + dt.timedelta(hours=3)
        ticket.status = "answered"
        await session.flush()
        figures = await conversations(
            session, NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1)
        )
    assert (figures.chats, figures.tickets, figures.ticket_chats) == (2, 1, 1)
    assert figures.resolved_share == 0.5
    assert figures.median_answer_seconds == 3 * 3600


async def test_staff_figures_read_covering_indexes_only(engine: AsyncEngine) -> None:
    """Every staff count is answered from an index alone, never by reading rows (SQLite's plan
    says so; PostgreSQL's planner decides by table size, see bench/feedback.py)."""
    if engine.dialect.name != "sqlite":
        pytest.skip(
            "SQLite's EXPLAIN QUERY PLAN names covering indexes; PostgreSQL's depends on size"
        )
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    start, end = NOW - dt.timedelta(days=7), NOW
    async with sessions() as session:
        await topic_figures(session, TODAY - dt.timedelta(days=6), TODAY)
        await votes_by_day(session, TODAY - dt.timedelta(days=6), TODAY)
        await votes_between(session, TODAY - dt.timedelta(days=6), TODAY)
        await questions_between(session, start, end)
        await conversations(session, start, end)
    event.remove(engine.sync_engine, "before_cursor_execute", capture)
    # The tickets' lines (a few hundred rows a week) are read; everything else from an index.
    counted = [(s, p) for s, p in statements if "FROM tickets" not in s]
    assert len(counted) == 5
    async with engine.connect() as connection:
        for statement, parameters in counted:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = " ".join(str(row[-1]) for row in plan)
            assert "COVERING INDEX" in details, (statement, details)
