"""Logged questions: written after each answer, read for staff statistics, pruned by age."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._dialect import insert_ignoring_conflicts
from bot.storage.columns import utcnow
from bot.storage.models import QUESTION_TEXT_LIMIT, Language, Question, Resident


@dataclass(frozen=True)
class QuestionStats:
    """What /stats shows about questions asked since a date."""

    total: int
    answered: int
    unanswered: int
    top_topics: list[tuple[str, int]]

    @property
    def share_answered(self) -> float:
        """Answered questions as a fraction of all; 0.0 when nobody asked anything."""
        return self.answered / self.total if self.total else 0.0


async def log_question(
    session: AsyncSession,
    chat_id: int,
    text: str,
    language: Language,
    *,
    topic: str | None,
    score: float,
    answered: bool,
    now: dt.datetime | None = None,
) -> Question:
    """Keep a question for statistics; the text is cut to 1,000 characters.

    Creates the resident row if needed (with `language`), since questions hang off it and are
    erased with it.
    """
    now = now or utcnow()
    # Write first, never read first: in WAL mode a transaction that reads and then writes fails
    # at once ("database is locked", SQLITE_BUSY_SNAPSHOT, no busy wait) when another connection
    # committed in between, which under load (the outbox sender commits many times a second)
    # turned residents' answers into apologies. A first write waits for the lock instead.
    await session.execute(
        insert_ignoring_conflicts(session, Resident).values(
            chat_id=chat_id,
            language=language,
            language_chosen=False,
            created_at=now,
            updated_at=now,
        )
    )
    question = Question(
        chat_id=chat_id,
        asked_at=now,
        text=text[:QUESTION_TEXT_LIMIT],
        language=language,
        topic=topic,
        score=score,
        answered=answered,
    )
    session.add(question)
    await session.flush()
    return question


async def prune_questions(session: AsyncSession, older_than: dt.datetime) -> int:
    """Delete questions asked before `older_than`; return how many."""
    result = await session.execute(
        delete(Question)
        .where(Question.asked_at < older_than)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def question_stats(
    session: AsyncSession, since: dt.datetime, *, top: int = 5
) -> QuestionStats:
    """Counts of questions asked at or after `since`, and the `top` most asked topics."""
    total, answered = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((Question.answered.is_(True), 1), else_=0)), 0),
            ).where(Question.asked_at >= since)
        )
    ).one()
    topic_count = func.count().label("n")
    topics = await session.execute(
        select(Question.topic, topic_count)
        .where(Question.asked_at >= since, Question.topic.is_not(None))
        .group_by(Question.topic)
        .order_by(topic_count.desc(), Question.topic)
        .limit(top)
    )
    return QuestionStats(
        total=int(total),
        answered=int(answered),
        unanswered=int(total) - int(answered),
        top_topics=[(str(topic), int(count)) for topic, count in topics],
    )


async def unanswered_questions(
    session: AsyncSession, since: dt.datetime, *, limit: int = 500
) -> list[Question]:
    """Questions the bot could not answer since `since`, newest first, for /unanswered."""
    rows = await session.scalars(
        select(Question)
        .where(Question.asked_at >= since, Question.answered.is_(False))
        .order_by(Question.asked_at.desc(), Question.id.desc())
        .limit(limit)
    )
    return list(rows)
