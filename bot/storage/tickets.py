"""Tickets: questions residents send to the staff, the staff's copies and answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._dialect import upsert
from bot.storage.columns import utcnow
from bot.storage.models import Language, Ticket, TicketDraft, TicketMessage


async def create_ticket(
    session: AsyncSession,
    chat_id: int,
    text: str,
    language: Language,
    *,
    area: str | None = None,
    shared_name: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket for an existing resident."""
    ticket = Ticket(
        chat_id=chat_id,
        text=text,
        language=language,
        area=area,
        shared_name=shared_name,
        status="open",
        created_at=now or utcnow(),
    )
    session.add(ticket)
    await session.flush()
    return ticket


async def open_ticket_count(session: AsyncSession, chat_id: int) -> int:
    """Open tickets of one resident, for OMRADESBOT_TICKET_LIMIT."""
    count = await session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.chat_id == chat_id, Ticket.status == "open")
    )
    return int(count or 0)


async def open_tickets(session: AsyncSession) -> list[Ticket]:
    """Every open ticket, oldest first, for /tickets."""
    rows = await session.scalars(
        select(Ticket).where(Ticket.status == "open").order_by(Ticket.created_at, Ticket.id)
    )
    return list(rows)


async def get_ticket(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """The ticket with this id, freshly read."""
    return await session.get(Ticket, ticket_id, populate_existing=True)


async def record_ticket_message(
    session: AsyncSession, ticket_id: int, staff_chat_id: int, message_id: int
) -> None:
    """Remember the staff-chat message showing the ticket, so replying to it answers it."""
    session.add(
        TicketMessage(ticket_id=ticket_id, staff_chat_id=staff_chat_id, message_id=message_id)
    )
    await session.flush()


async def ticket_for_message(
    session: AsyncSession, staff_chat_id: int, message_id: int
) -> Ticket | None:
    """The ticket shown by a staff-chat message, or None for any other message."""
    return await session.scalar(
        select(Ticket)
        .join(TicketMessage, TicketMessage.ticket_id == Ticket.id)
        .where(TicketMessage.staff_chat_id == staff_chat_id, TicketMessage.message_id == message_id)
    )


async def _open_ticket_locked(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """The ticket if it is still open, its row locked (PostgreSQL) until the transaction ends."""
    ticket = await session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return ticket if ticket is not None and ticket.status == "open" else None


async def answer_ticket(
    session: AsyncSession,
    ticket_id: int,
    answer: str,
    *,
    answered_by: int,
    now: dt.datetime | None = None,
) -> Ticket | None:
    """Record the staff's answer; None when the ticket is missing or no longer open.

    The row is locked (PostgreSQL) so two staff members answering at once cannot both win.
    """
    ticket = await _open_ticket_locked(session, ticket_id)
    if ticket is None:
        return None
    ticket.status = "answered"
    ticket.answer = answer
    ticket.answered_by = answered_by
    ticket.answered_at = now or utcnow()
    await session.flush()
    return ticket


async def close_ticket(
    session: AsyncSession, ticket_id: int, *, now: dt.datetime | None = None
) -> Ticket | None:
    """Close an open ticket without an answer; None when missing or no longer open."""
    ticket = await _open_ticket_locked(session, ticket_id)
    if ticket is None:
        return None
    ticket.status = "closed"
    ticket.closed_at = now or utcnow()
    await session.flush()
    return ticket


async def prune_tickets(session: AsyncSession, older_than: dt.datetime) -> int:
    """Delete answered or closed tickets created before `older_than`; return how many."""
    result = await session.execute(
        delete(Ticket)
        .where(Ticket.status != "open", Ticket.created_at < older_than)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def staff_copies_of(session: AsyncSession, chat_id: int) -> list[tuple[int, int, int]]:
    """(ticket id, staff chat id, message id) of every staff-chat copy of a resident's tickets."""
    rows = await session.execute(
        select(TicketMessage.ticket_id, TicketMessage.staff_chat_id, TicketMessage.message_id)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(Ticket.chat_id == chat_id)
        .order_by(TicketMessage.id)
    )
    return [(int(t), int(c), int(m)) for t, c, m in rows]


# --- drafts: the last unanswered question, kept for "Ask the staff" --------------------------


async def get_draft(session: AsyncSession, chat_id: int) -> TicketDraft | None:
    """The resident's draft, or None."""
    return await session.get(TicketDraft, chat_id, populate_existing=True)


async def save_draft(
    session: AsyncSession, chat_id: int, text: str, noted_at: dt.datetime, token: str | None
) -> None:
    """Replace the resident's draft (one per resident: the last unanswered question)."""
    values = {"text": text, "noted_at": noted_at, "token": token}
    statement = upsert(session, TicketDraft).values(chat_id=chat_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["chat_id"], set_=values))


async def delete_draft(session: AsyncSession, chat_id: int) -> None:
    """Forget the resident's draft."""
    await session.execute(delete(TicketDraft).where(TicketDraft.chat_id == chat_id))


async def prune_drafts(session: AsyncSession, noted_before: dt.datetime) -> int:
    """Delete drafts too old to be sent; return how many."""
    result = await session.execute(delete(TicketDraft).where(TicketDraft.noted_at < noted_before))
    return int(result.rowcount)  # type: ignore[attr-defined]
