"""What the bot stores about one resident (/mydata) and erasing all of it (/forget)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    Answer,
    Delivery,
    FloodMessage,
    Question,
    Resident,
    SendPermit,
    Subscription,
    SurveyParticipation,
    Ticket,
    TicketDraft,
    TicketMessage,
)


@dataclass(frozen=True)
class ResidentData:
    """Everything stored about one resident, as plain values to show them."""

    resident: Resident | None
    subscriptions: list[Subscription]
    questions: list[Question]
    tickets: list[Ticket]
    pending_deliveries: list[Delivery]
    draft: TicketDraft | None = None
    # (survey id, finished) of each survey taken part in; never the answers.
    surveys: tuple[tuple[str, bool], ...] = ()
    answers: list[Answer] = field(default_factory=list)  # FAQ answers still open to a vote

    @property
    def empty(self) -> bool:
        """True when nothing at all is stored."""
        return self.resident is None and not (
            self.subscriptions
            or self.questions
            or self.tickets
            or self.pending_deliveries
            or self.draft
            or self.surveys
            or self.answers
        )


async def resident_data(session: AsyncSession, chat_id: int) -> ResidentData:
    """Collect every row about `chat_id`, oldest first within each kind."""
    resident = await session.get(Resident, chat_id, populate_existing=True)
    subscriptions = await session.scalars(
        select(Subscription).where(Subscription.chat_id == chat_id).order_by(Subscription.area)
    )
    questions = await session.scalars(
        select(Question).where(Question.chat_id == chat_id).order_by(Question.asked_at, Question.id)
    )
    tickets = await session.scalars(
        select(Ticket).where(Ticket.chat_id == chat_id).order_by(Ticket.created_at, Ticket.id)
    )
    deliveries = await session.scalars(
        select(Delivery)
        .where(Delivery.chat_id == chat_id, Delivery.status.in_(("pending", "sending")))
        .order_by(Delivery.id)
    )
    draft = await session.get(TicketDraft, chat_id, populate_existing=True)
    surveys = await session.execute(
        select(SurveyParticipation.survey_id, SurveyParticipation.completed)
        .where(SurveyParticipation.chat_id == chat_id)
        .order_by(SurveyParticipation.survey_id)
    )
    answers = await session.scalars(
        select(Answer).where(Answer.chat_id == chat_id).order_by(Answer.day, Answer.id)
    )
    return ResidentData(
        surveys=tuple((survey_id, bool(done)) for survey_id, done in surveys),
        answers=list(answers),
        draft=draft,
        resident=resident,
        subscriptions=list(subscriptions),
        questions=list(questions),
        tickets=list(tickets),
        pending_deliveries=list(deliveries),
    )


async def forget_resident(session: AsyncSession, chat_id: int) -> dict[str, int]:
    """Delete every row mentioning `chat_id`; return the number deleted per table.

    The foreign keys cascade too, but deleting explicitly gives honest counts and does not
    depend on SQLite's foreign_keys pragma being on.
    """
    counts: dict[str, int] = {}
    tickets = select(Ticket.id).where(Ticket.chat_id == chat_id).scalar_subquery()
    result = await session.execute(
        delete(TicketMessage).where(TicketMessage.ticket_id.in_(tickets))
    )
    counts[TicketMessage.__tablename__] = int(result.rowcount)  # type: ignore[attr-defined]
    # Children first, the resident last; then the rows that hold only the chat id for a while
    # (the draft, the flood gate's last minute, the send budget's last seconds).
    for model in (
        SurveyParticipation,  # that they took part; the anonymous answers stay
        Delivery,
        Answer,
        Question,
        Subscription,
        Ticket,
        Resident,
        TicketDraft,
        FloodMessage,
        SendPermit,
    ):
        result = await session.execute(delete(model).where(model.chat_id == chat_id))
        counts[model.__tablename__] = int(result.rowcount)  # type: ignore[attr-defined]
    return counts
