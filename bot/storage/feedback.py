"""Answers and their votes: written with each FAQ answer, voted on, counted for staff, pruned.

Every figure staff see is one GROUP BY over a covering index (answers by day and topic,
questions by time, tickets by time): no row of a resident is ever read for a staff view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import share
from bot.storage._dialect import insert_ignoring_conflicts
from bot.storage.models import Answer, Language, Question, Resident, Ticket


@dataclass(frozen=True)
class GivenAnswer:
    """One FAQ answer to record, as the vote buttons under it refer to it (by `token`)."""

    token: str
    chat_id: int
    topic: str
    language: Language
    via: str  # "text" (free text), "suggested" (after "did you mean"), "menu" (topic button)
    day: dt.date


def answer_rows(answers: Sequence[GivenAnswer]) -> list[dict[str, object]]:
    """The rows of `answers` for one bulk INSERT."""
    return [
        {
            "token": a.token,
            "chat_id": a.chat_id,
            "topic": a.topic,
            "language": a.language,
            "via": a.via,
            "day": a.day,
            "vote": None,
        }
        for a in answers
    ]


async def record_answers(
    session: AsyncSession, answers: Sequence[GivenAnswer], *, now: dt.datetime
) -> None:
    """Store answers, creating the residents they hang off (writes only, never a read first)."""
    if not answers:
        return
    first: dict[int, GivenAnswer] = {}
    for answer in answers:
        first.setdefault(answer.chat_id, answer)
    await session.execute(
        insert_ignoring_conflicts(session, Resident),
        [
            {
                "chat_id": a.chat_id,
                "language": a.language,
                "language_chosen": False,
                "created_at": now,
                "updated_at": now,
            }
            for a in first.values()
        ],
    )
    await session.execute(insert(Answer), answer_rows(answers))


class VoteResult(Enum):
    """What a vote press did."""

    NEW = "new"  # the first vote on this answer
    CHANGED = "changed"  # the other button than before
    SAME = "same"  # the same button again: nothing changes
    REFUSED = "refused"  # unknown, forged, erased, too old or from another chat: nothing counted


async def cast_vote(
    session: AsyncSession, token: str, chat_id: int, vote: int, *, oldest_day: dt.date
) -> tuple[VoteResult, Answer | None]:
    """Record `vote` (1 or -1) on the answer `token` sent to `chat_id`, if still open to votes.

    Each outcome is decided by one conditional UPDATE, so two presses at once count once.
    """
    if vote not in (1, -1):
        raise ValueError(f"a vote is 1 or -1, not {vote!r}")
    mine = and_(Answer.token == token, Answer.chat_id == chat_id, Answer.day >= oldest_day)
    for condition, result in (
        (Answer.vote.is_(None), VoteResult.NEW),
        (Answer.vote == -vote, VoteResult.CHANGED),
    ):
        changed = await session.execute(
            update(Answer)
            .where(mine, condition)
            .values(vote=vote)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            return result, await _answer(session, token)
    answer = await session.scalar(select(Answer).where(mine))
    return (VoteResult.SAME, answer) if answer is not None else (VoteResult.REFUSED, None)


async def _answer(session: AsyncSession, token: str) -> Answer | None:
    return await session.scalar(
        select(Answer).where(Answer.token == token).execution_options(populate_existing=True)
    )


async def question_behind(
    session: AsyncSession, chat_id: int, topic: str | None, since: dt.datetime
) -> str | None:
    """The resident's latest question since `since` that led to `topic` (None: no answer)."""
    led_to = Question.topic.is_(None) if topic is None else Question.topic == topic
    text = await session.scalar(
        select(Question.text)
        .where(Question.chat_id == chat_id, Question.asked_at >= since, led_to)
        .order_by(Question.asked_at.desc(), Question.id.desc())
        .limit(1)
    )
    return str(text) if text is not None else None


async def close_votes(session: AsyncSession, before: dt.date) -> int:
    """Untie answers given before `before` from their residents: only the counts stay."""
    result = await session.execute(
        update(Answer)
        .where(Answer.day < before, Answer.chat_id.is_not(None))
        .values(chat_id=None, token=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def prune_answers(session: AsyncSession, before: dt.date) -> int:
    """Delete answers given before `before` (the question retention); return how many."""
    result = await session.execute(
        delete(Answer).where(Answer.day < before).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- staff figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicFigures:
    """One topic over a span of days."""

    topic: str
    given: int  # every time the answer was given
    direct: int  # straight from the resident's own words
    suggested: int  # after a "did you mean"
    up: int
    down: int

    @property
    def helpful_share(self) -> float | None:
        """👍 / (👍 + 👎); None without a vote."""
        return share(self.up, self.up + self.down)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def topic_figures(
    session: AsyncSession, first_day: dt.date, last_day: dt.date
) -> list[TopicFigures]:
    """Per topic, answers given and votes between two local days (inclusive), most given first."""
    given = func.count().label("given")
    rows = await session.execute(
        select(
            Answer.topic,
            given,
            _count_if(Answer.via == "text"),
            _count_if(Answer.via == "suggested"),
            _count_if(Answer.vote == 1),
            _count_if(Answer.vote == -1),
        )
        .where(Answer.day >= first_day, Answer.day <= last_day)
        .group_by(Answer.topic)
        .order_by(given.desc(), Answer.topic)
    )
    return [
        TopicFigures(str(topic), int(n), int(direct), int(suggested), int(up), int(down))
        for topic, n, direct, suggested, up, down in rows
    ]


async def votes_by_day(
    session: AsyncSession, first_day: dt.date, last_day: dt.date
) -> list[tuple[dt.date, int, int, int]]:
    """(day, answers given, 👍, 👎) for each day with answers, oldest first."""
    rows = await session.execute(
        select(Answer.day, func.count(), _count_if(Answer.vote == 1), _count_if(Answer.vote == -1))
        .where(Answer.day >= first_day, Answer.day <= last_day)
        .group_by(Answer.day)
        .order_by(Answer.day)
    )
    return [(_as_date(day), int(n), int(up), int(down)) for day, n, up, down in rows]


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Conversations:
    """Residents who asked in a span, and tickets opened and answered in it."""

    chats: int
    tickets: int
    ticket_chats: int
    answer_seconds: tuple[float, ...]  # for each ticket answered in the span, sorted

    @property
    def resolved_share(self) -> float | None:
        """Residents who asked and opened no ticket, as a share of those who asked."""
        if not self.chats:
            return None
        return max(0, self.chats - self.ticket_chats) / self.chats

    @property
    def median_answer_seconds(self) -> float | None:
        """Median time from a ticket to the staff's answer; None when none was answered."""
        values = self.answer_seconds
        if not values:
            return None
        middle = len(values) // 2
        if len(values) % 2:
            return values[middle]
        return (values[middle - 1] + values[middle]) / 2


async def conversations(
    session: AsyncSession, start: dt.datetime, end: dt.datetime
) -> Conversations:
    """Distinct residents asking in [start, end), the tickets they opened, answer times."""
    chats = await session.scalar(
        select(func.count(func.distinct(Question.chat_id))).where(
            Question.asked_at >= start, Question.asked_at < end
        )
    )
    in_span = and_(Ticket.created_at >= start, Ticket.created_at < end)
    tickets, ticket_chats = (
        await session.execute(
            select(func.count(), func.count(func.distinct(Ticket.chat_id))).where(in_span)
        )
    ).one()
    answered = await session.execute(
        select(Ticket.created_at, Ticket.answered_at).where(
            Ticket.answered_at.is_not(None), Ticket.answered_at >= start, Ticket.answered_at < end
        )
    )
    seconds = sorted(
        (answered_at - created).total_seconds()
        for created, answered_at in answered
        if answered_at is not None
    )
    return Conversations(int(chats or 0), int(tickets), int(ticket_chats), tuple(seconds))


async def questions_between(
    session: AsyncSession, start: dt.datetime, end: dt.datetime
) -> tuple[int, int]:
    """(questions, answered) asked in [start, end), from the questions' covering index."""
    total, answered = (
        await session.execute(
            select(func.count(), _count_if(Question.answered.is_(True))).where(
                Question.asked_at >= start, Question.asked_at < end
            )
        )
    ).one()
    return int(total), int(answered)


async def votes_between(
    session: AsyncSession, first_day: dt.date, last_day: dt.date
) -> tuple[int, int]:
    """(👍, 👎) on answers given between two local days (inclusive)."""
    up, down = (
        await session.execute(
            select(_count_if(Answer.vote == 1), _count_if(Answer.vote == -1)).where(
                Answer.day >= first_day, Answer.day <= last_day
            )
        )
    ).one()
    return int(up), int(down)


async def questions_about(
    session: AsyncSession, topic: str, since: dt.datetime, *, limit: int = 300
) -> list[str]:
    """The newest questions answered with `topic` since `since` (texts only, no chat id)."""
    rows = await session.scalars(
        select(Question.text)
        .where(Question.asked_at >= since, Question.answered.is_(True), Question.topic == topic)
        .order_by(Question.asked_at.desc())
        .limit(limit)
    )
    return [str(text) for text in rows]
