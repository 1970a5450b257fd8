"""Storage: SQLAlchemy models, engine and session factory, queries, Alembic migrations.

Usage (composition root):

    engine = create_engine(database_url(settings.database_url))
    await upgrade(engine)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        resident = await get_or_create_resident(session, chat_id, "sv")

Query functions take the session first and never commit; the caller's
`async with session.begin():` is the unit of work.
"""

from __future__ import annotations

from bot.storage.columns import UTCDateTime, utcnow
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import alembic_config, current_revision, head_revision, upgrade
from bot.storage.milestones import (
    add_milestone,
    milestone_rows,
    move_milestone,
    remove_milestone,
)
from bot.storage.models import (
    SUBSCRIPTION_AREAS,
    Base,
    Broadcast,
    Delivery,
    MilestoneRow,
    Question,
    Resident,
    Subscription,
    Ticket,
    TicketMessage,
)
from bot.storage.outbox import (
    ClaimedDelivery,
    DeliveryCounts,
    add_broadcast,
    broadcasts_by_id,
    cancel_broadcast,
    claim_pending,
    delivery_counts,
    due_scheduled,
    enqueue_broadcast,
    enqueue_followup,
    finish_broadcasts,
    mark_blocked,
    mark_failed,
    mark_report_sent,
    mark_sent,
    mark_sent_many,
    pending_count,
    reschedule,
    scheduled_broadcasts,
)
from bot.storage.privacy import ResidentData, forget_resident, resident_data
from bot.storage.questions import (
    QuestionStats,
    log_question,
    prune_questions,
    question_stats,
    unanswered_questions,
)
from bot.storage.residents import (
    Recipient,
    deactivate_subscriptions,
    expand_areas,
    get_or_create_resident,
    get_resident,
    set_language,
    subscribe,
    subscriber_chat_ids,
    subscriber_counts,
    subscriptions_of,
    unsubscribe,
)
from bot.storage.tickets import (
    answer_ticket,
    close_ticket,
    create_ticket,
    get_ticket,
    open_ticket_count,
    open_tickets,
    prune_tickets,
    record_ticket_message,
    ticket_for_message,
)
from bot.storage.url import database_url, safe_url

__all__ = [
    "SUBSCRIPTION_AREAS",
    "Base",
    "Broadcast",
    "ClaimedDelivery",
    "Delivery",
    "DeliveryCounts",
    "MilestoneRow",
    "Question",
    "QuestionStats",
    "Recipient",
    "Resident",
    "ResidentData",
    "Subscription",
    "Ticket",
    "TicketMessage",
    "UTCDateTime",
    "add_broadcast",
    "add_milestone",
    "alembic_config",
    "answer_ticket",
    "broadcasts_by_id",
    "cancel_broadcast",
    "claim_pending",
    "close_ticket",
    "create_engine",
    "create_ticket",
    "current_revision",
    "database_url",
    "deactivate_subscriptions",
    "delivery_counts",
    "due_scheduled",
    "enqueue_broadcast",
    "enqueue_followup",
    "expand_areas",
    "finish_broadcasts",
    "forget_resident",
    "get_or_create_resident",
    "get_resident",
    "get_ticket",
    "head_revision",
    "log_question",
    "mark_blocked",
    "mark_failed",
    "mark_report_sent",
    "mark_sent",
    "mark_sent_many",
    "milestone_rows",
    "move_milestone",
    "open_ticket_count",
    "open_tickets",
    "pending_count",
    "prune_questions",
    "prune_tickets",
    "question_stats",
    "record_ticket_message",
    "remove_milestone",
    "reschedule",
    "resident_data",
    "safe_url",
    "scheduled_broadcasts",
    "session_factory",
    "set_language",
    "subscribe",
    "subscriber_chat_ids",
    "subscriber_counts",
    "subscriptions_of",
    "ticket_for_message",
    "unanswered_questions",
    "unsubscribe",
    "upgrade",
    "utcnow",
]
