"""Survey queries: starting, participation (the only chat id), anonymous responses, tallies.

Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    Broadcast,
    Delivery,
    SurveyAnswer,
    SurveyParticipation,
    SurveyResponse,
    SurveyRow,
)
from bot.storage.outbox import enqueue_for_area, queue_deliveries

# Pushes of a survey carry `survey:<id>:invite` or `survey:<id>:results` as their dedupe key:
# each goes out once, and the sender knows from it which buttons go under the message.
PUSH_PREFIX = "survey:"
INVITE, RESULTS = "invite", "results"

Shape = tuple[tuple[str, str, int], ...]  # (question id, kind, number of choices)


def push_key(survey_id: str, what: str) -> str:
    """The dedupe key of a survey's invitation or results push."""
    return f"{PUSH_PREFIX}{survey_id}:{what}"


def survey_of_push(dedupe_key: str | None) -> tuple[str, str] | None:
    """(survey id, 'invite' | 'results') of a survey push, None for any other broadcast."""
    if not dedupe_key or not dedupe_key.startswith(PUSH_PREFIX):
        return None
    survey_id, _, what = dedupe_key.removeprefix(PUSH_PREFIX).rpartition(":")
    return (survey_id, what) if survey_id and what in (INVITE, RESULTS) else None


def encode_shape(shape: Shape) -> str:
    """The question shape as stored in `surveys.shape`."""
    return json.dumps([list(item) for item in shape])


def decode_shape(raw: str) -> Shape:
    """The stored question shape."""
    return tuple((str(q), str(k), int(n)) for q, k, n in json.loads(raw))


async def survey_row(session: AsyncSession, survey_id: str) -> SurveyRow | None:
    """The started survey, or None if staff never started it."""
    return await session.get(SurveyRow, survey_id, populate_existing=True)


async def survey_rows(session: AsyncSession) -> dict[str, SurveyRow]:
    """Every started survey by id."""
    return {row.id: row for row in await session.scalars(select(SurveyRow))}


async def start_survey(
    session: AsyncSession,
    survey_id: str,
    area: str,
    shape: Shape,
    invitation: tuple[str, str],
    *,
    actor: int,
    staff_chat_id: int,
    now: dt.datetime,
) -> int | None:
    """Store the survey as started and invite the area's subscribers; how many (None: started
    before). The invitation is one outbox broadcast, its deliveries written by the database."""
    if await survey_row(session, survey_id) is not None:
        return None
    row = SurveyRow(
        id=survey_id,
        area=area,
        shape=encode_shape(shape),
        started_at=now,
        started_by=actor,
        invited=0,
    )
    session.add(row)
    broadcast = Broadcast(
        kind="notice",
        area=area,
        text_sv=invitation[0],
        text_en=invitation[1],
        dedupe_key=push_key(survey_id, INVITE),
        created_by=actor,
        created_at=now,
        staff_chat_id=staff_chat_id,
    )
    invited = await enqueue_for_area(session, broadcast, now=now)
    row.invited = invited or 0
    await session.flush()
    return row.invited


async def publish_results(
    session: AsyncSession,
    survey_id: str,
    summary: tuple[str, str],
    *,
    actor: int,
    staff_chat_id: int,
    now: dt.datetime,
) -> int | None:
    """Queue the results to every resident the invitation reached; how many (None: done before)."""
    row = await survey_row(session, survey_id)
    invitation = await session.scalar(
        select(Broadcast).where(Broadcast.dedupe_key == push_key(survey_id, INVITE))
    )
    key = push_key(survey_id, RESULTS)
    taken = await session.scalar(select(Broadcast.id).where(Broadcast.dedupe_key == key))
    if row is None or invitation is None or taken is not None:
        return None
    broadcast = Broadcast(
        kind="notice",
        area=row.area,
        text_sv=summary[0],
        text_en=summary[1],
        dedupe_key=key,
        created_by=actor,
        created_at=now,
        staff_chat_id=staff_chat_id,
        status="queued",
    )
    session.add(broadcast)
    await session.flush()
    invited = select(Delivery.chat_id, Delivery.language).where(
        Delivery.broadcast_id == invitation.id, Delivery.status == "sent"
    )
    queued = await queue_deliveries(session, broadcast.id, invited, now=now)
    row.published_at = now
    return queued


async def published_summary(session: AsyncSession, survey_id: str, lang: str) -> str | None:
    """The results summary staff published for the survey, in `lang`; None if not published."""
    broadcast = await session.scalar(
        select(Broadcast).where(Broadcast.dedupe_key == push_key(survey_id, RESULTS))
    )
    return broadcast.text_for(lang) if broadcast is not None else None


# --- participation: the one place a chat id meets a survey ---------------------------------


async def participation(
    session: AsyncSession, survey_id: str, chat_id: int
) -> SurveyParticipation | None:
    """Where `chat_id` stands in the survey, or None if they never began it."""
    return await session.get(
        SurveyParticipation, (survey_id, chat_id), populate_existing=True, with_for_update=True
    )


async def awaiting_text(session: AsyncSession, chat_id: int) -> list[SurveyParticipation]:
    """The unfinished participations of `chat_id` (a text question may wait for a message)."""
    rows = await session.scalars(
        select(SurveyParticipation).where(
            SurveyParticipation.chat_id == chat_id, SurveyParticipation.completed.is_(False)
        )
    )
    return list(rows)


async def unfinished_chats(session: AsyncSession) -> set[int]:
    """Every chat with a survey in progress (for the sole writer's memory of them)."""
    rows = await session.scalars(
        select(SurveyParticipation.chat_id).where(SurveyParticipation.completed.is_(False))
    )
    return set(rows)


async def participations_of(session: AsyncSession, chat_id: int) -> list[SurveyParticipation]:
    """Every survey `chat_id` took or takes part in (for /mydata)."""
    rows = await session.scalars(
        select(SurveyParticipation)
        .where(SurveyParticipation.chat_id == chat_id)
        .order_by(SurveyParticipation.survey_id)
    )
    return list(rows)


@dataclass(frozen=True)
class Answer:
    """One stored answer: a choice (option number or scale value) or a text."""

    question_id: str
    seq: int
    choice: int | None = None
    text: str | None = None


async def submit_response(session: AsyncSession, survey_id: str, answers: Sequence[Answer]) -> str:
    """Store a completed response under a random id (no chat id, no time); return the id."""
    response_id = secrets.token_hex(16)
    session.add(SurveyResponse(id=response_id, survey_id=survey_id))
    await session.flush()
    if answers:
        await session.execute(
            insert(SurveyAnswer),
            [
                {
                    "response_id": response_id,
                    "survey_id": survey_id,
                    "question_id": a.question_id,
                    "seq": a.seq,
                    "choice": a.choice,
                    "text": a.text,
                }
                for a in answers
            ],
        )
    return response_id


async def close_survey(session: AsyncSession, row: SurveyRow, now: dt.datetime) -> None:
    """Close the survey: no more answers are taken, and its answers in progress, which can never
    be sent, are erased (they hold a chat id).

    The participation rows stay, so /mydata still says the resident began the survey.
    """
    row.closed_at = now
    await session.execute(
        update(SurveyParticipation)
        .where(SurveyParticipation.survey_id == row.id, SurveyParticipation.completed.is_(False))
        .values(draft=None)
    )


async def forget_participations(session: AsyncSession, chat_id: int) -> int:
    """Delete every participation of `chat_id` (the answers stay, anonymous); how many."""
    result = await session.execute(
        delete(SurveyParticipation).where(SurveyParticipation.chat_id == chat_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- tallies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """A survey's answers counted: respondents, per question and choice, and the free texts."""

    respondents: int
    answered: dict[str, int] = field(default_factory=dict)  # question id -> responses answering
    counts: dict[str, dict[int, int]] = field(default_factory=dict)  # question -> choice -> n
    texts: dict[str, list[str]] = field(default_factory=dict)


async def tally(session: AsyncSession, survey_id: str, *, with_texts: bool = False) -> Tally:
    """Count the answers in the database (two GROUP BYs); free texts only when asked."""
    respondents = await session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.survey_id == survey_id)
    )
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    rows = await session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.choice, func.count())
        .where(SurveyAnswer.survey_id == survey_id, SurveyAnswer.choice.is_not(None))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.choice)
    )
    for question_id, choice, count in rows:
        if choice is not None:
            counts[question_id][int(choice)] = int(count)
    answered = {
        question_id: int(count)
        for question_id, count in await session.execute(
            select(SurveyAnswer.question_id, func.count(func.distinct(SurveyAnswer.response_id)))
            .where(SurveyAnswer.survey_id == survey_id)
            .group_by(SurveyAnswer.question_id)
        )
    }
    texts: dict[str, list[str]] = defaultdict(list)
    if with_texts:
        for question_id, text in await session.execute(
            select(SurveyAnswer.question_id, SurveyAnswer.text)
            .where(SurveyAnswer.survey_id == survey_id, SurveyAnswer.text.is_not(None))
            .order_by(SurveyAnswer.response_id)
        ):
            texts[question_id].append(str(text))
    return Tally(int(respondents or 0), answered, dict(counts), dict(texts))


async def response_counts(session: AsyncSession) -> dict[str, int]:
    """Responses per survey id."""
    rows = await session.execute(
        select(SurveyResponse.survey_id, func.count()).group_by(SurveyResponse.survey_id)
    )
    return {survey_id: int(count) for survey_id, count in rows}


async def responses(session: AsyncSession, survey_id: str) -> AsyncIterator[list[Answer]]:
    """Each response's answers, in the random order of their ids (for the CSV export)."""
    result = await session.stream(
        select(
            SurveyAnswer.response_id,
            SurveyAnswer.question_id,
            SurveyAnswer.seq,
            SurveyAnswer.choice,
            SurveyAnswer.text,
        )
        .where(SurveyAnswer.survey_id == survey_id)
        .order_by(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.seq)
    )
    current: str | None = None
    batch: list[Answer] = []
    async for response_id, question_id, seq, choice, text in result:
        if response_id != current and batch:
            yield batch
            batch = []
        current = response_id
        batch.append(Answer(question_id, seq, choice, text))
    if batch:
        yield batch
    # Responses with no answers at all (every question skipped) are still responses.
    empty = await session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(
            SurveyResponse.survey_id == survey_id,
            ~SurveyResponse.id.in_(select(SurveyAnswer.response_id)),
        )
    )
    for _ in range(int(empty or 0)):
        yield []
