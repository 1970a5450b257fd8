"""Logged questions: written after each answer, read for staff statistics, pruned by age."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage._dialect import insert_ignoring_conflicts, upsert
from bot.storage.columns import utcnow
from bot.storage.feedback import GivenAnswer, answer_rows
from bot.storage.models import (
    QUESTION_TEXT_LIMIT,
    Answer,
    Language,
    Question,
    Resident,
    TicketDraft,
)


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


@dataclass(frozen=True)
class AskedQuestion:
    """One question to log, as `log_questions` and `QuestionLog` take it."""

    chat_id: int
    text: str
    language: Language
    topic: str | None
    score: float
    answered: bool
    asked_at: dt.datetime
    # Unanswered, with staff to ask: also kept as the resident's ticket draft ("Ask the staff").
    keep_draft: bool = False
    # Answered from the FAQ: the answer its vote buttons refer to, stored in the same commit.
    answer: GivenAnswer | None = None


async def log_questions(session: AsyncSession, asked: Sequence[AskedQuestion]) -> None:
    """Keep several questions in two statements, creating the residents they hang off.

    Writes only (see `log_question` on why a write must come first).
    """
    if not asked:
        return
    # The first question of each chat decides its new row, as one call at a time would.
    first: dict[int, AskedQuestion] = {}
    for question in asked:
        first.setdefault(question.chat_id, question)
    await session.execute(
        insert_ignoring_conflicts(session, Resident),
        [
            {
                "chat_id": q.chat_id,
                "language": q.language,
                "language_chosen": False,
                "created_at": q.asked_at,
                "updated_at": q.asked_at,
            }
            for q in first.values()
        ],
    )
    await session.execute(
        insert(Question),
        [
            {
                "chat_id": q.chat_id,
                "asked_at": q.asked_at,
                "text": q.text[:QUESTION_TEXT_LIMIT],
                "language": q.language,
                "topic": q.topic,
                "score": q.score,
                "answered": q.answered,
            }
            for q in asked
        ],
    )
    answers = [q.answer for q in asked if q.answer is not None]
    if answers:
        await session.execute(insert(Answer), answer_rows(answers))
    # The last unanswered question of each chat becomes its draft, in the same commit: a draft
    # costs nothing beyond the question's own write.
    drafts = {q.chat_id: q for q in asked if q.keep_draft}
    if drafts:
        statement = upsert(session, TicketDraft)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["chat_id"],
                set_={
                    "text": statement.excluded.text,
                    "noted_at": statement.excluded.noted_at,
                    "token": None,
                },
            ),
            [
                {
                    "chat_id": q.chat_id,
                    "text": q.text.strip()[:QUESTION_TEXT_LIMIT],
                    "noted_at": q.asked_at,
                    "token": None,
                }
                for q in drafts.values()
            ],
        )


class QuestionLog:
    """Logs questions durably with group commit: a question is committed when `write` returns,
    and the questions that arrive while one transaction commits share the next one.

    One transaction per question made concurrent handlers queue on SQLite's single write lock
    (held across event-loop turns, polled by the busy handler): under load some waited past the
    busy timeout and the resident got an apology. Here at most one transaction is open at a time,
    however many residents ask at once.
    """

    # A burst larger than this is written in several transactions, one after the other.
    MAX_BATCH = 500

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._pending: list[tuple[AskedQuestion, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, question: AskedQuestion) -> None:
        """Return once `question` is committed; raise what the database raised if it was not."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((question, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending(), name="question log")
        await done

    async def _write_pending(self) -> None:
        while self._pending:
            batch = self._pending[: self.MAX_BATCH]
            del self._pending[: self.MAX_BATCH]
            try:
                async with self._sessions.begin() as session:
                    await log_questions(session, [question for question, _ in batch])
            except Exception as exc:  # every waiter gets the failure: its handler apologises
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            except BaseException:  # cancelled (shutdown): nobody waits for ever
                for _, done in (*batch, *self._pending):
                    done.cancel()
                self._pending.clear()
                raise
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


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
    return QuestionStats(
        total=int(total),
        answered=int(answered),
        unanswered=int(total) - int(answered),
        top_topics=await top_topics(session, since, top=top),
    )


async def top_topics(
    session: AsyncSession, since: dt.datetime, *, top: int = 5
) -> list[tuple[str, int]]:
    """The `top` most asked topics since `since` with their counts, most asked first."""
    topic_count = func.count().label("n")
    topics = await session.execute(
        select(Question.topic, topic_count)
        .where(Question.asked_at >= since, Question.topic.is_not(None))
        .group_by(Question.topic)
        .order_by(topic_count.desc(), Question.topic)
        .limit(top)
    )
    return [(str(topic), int(count)) for topic, count in topics]


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
