"""Logged questions: truncated, counted for /stats, pruned by age with an injected clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import (
    log_question,
    prune_questions,
    question_stats,
    resident_data,
    unanswered_questions,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the night Sweden moves to summer time
ANNA, BO = 7_000_000_001, 7_000_000_002


async def test_long_question_is_cut_to_1000_characters(session: AsyncSession) -> None:
    async with session.begin():
        question = await log_question(
            session, ANNA, "å" * 4096, "sv", topic=None, score=0.1, answered=False, now=NOW
        )
    assert len(question.text) == 1000
    async with session.begin():
        data = await resident_data(session, ANNA)
    assert [q.text for q in data.questions] == ["å" * 1000]
    assert data.resident is not None  # logging created the resident


async def test_prune_removes_only_older_questions(session: AsyncSession) -> None:
    async with session.begin():
        for days_ago in (200, 91, 90, 89, 0):
            await log_question(
                session,
                ANNA,
                f"asked {days_ago} days ago",
                "sv",
                topic="move",
                score=0.9,
                answered=True,
                now=NOW - dt.timedelta(days=days_ago),
            )
    async with session.begin():
        assert await prune_questions(session, older_than=NOW - dt.timedelta(days=90)) == 2
        assert await prune_questions(session, older_than=NOW - dt.timedelta(days=90)) == 0
    async with session.begin():
        left = [q.text for q in (await resident_data(session, ANNA)).questions]
    assert left == ["asked 90 days ago", "asked 89 days ago", "asked 0 days ago"]


async def test_stats_count_answers_and_top_topics_since_a_date(session: AsyncSession) -> None:
    week_ago = NOW - dt.timedelta(days=7)
    asked = [
        (ANNA, "move", True, 1),
        (ANNA, "move", True, 2),
        (BO, "move", True, 3),
        (BO, "survey", True, 4),
        (BO, None, False, 5),
        (ANNA, None, False, 6),
        (ANNA, "survey", True, 30),  # before the week: not counted
    ]
    async with session.begin():
        for chat_id, topic, answered, days_ago in asked:
            await log_question(
                session,
                chat_id,
                f"question {days_ago}",
                "en",
                topic=topic,
                score=0.8 if answered else 0.2,
                answered=answered,
                now=NOW - dt.timedelta(days=days_ago),
            )
    async with session.begin():
        stats = await question_stats(session, since=week_ago)
        unanswered = await unanswered_questions(session, since=week_ago)
    assert (stats.total, stats.answered, stats.unanswered) == (6, 4, 2)
    assert stats.share_answered == 4 / 6
    assert stats.top_topics == [("move", 3), ("survey", 1)]
    assert [q.text for q in unanswered] == ["question 5", "question 6"]


async def test_stats_with_no_questions(session: AsyncSession) -> None:
    async with session.begin():
        stats = await question_stats(session, since=NOW)
    assert (stats.total, stats.share_answered, stats.top_topics) == (0, 0.0, [])
