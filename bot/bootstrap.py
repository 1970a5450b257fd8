"""The composition root: settings -> engine -> content -> services -> transport, built once here.

Every `omradesbot` command and every test fixture that needs the bot goes through these
functions; nothing else constructs a long-lived service. The light half, content -> matcher ->
dialogue, is bot/holder.py's (`build_dialogue`), so `omradesbot ask` loads no database driver
and no Telegram library. Dependencies point one way
(transport -> core -> storage); this module is the one place that sees every layer.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.core.deeplinks import BotLinks
from bot.core.digest import Digest
from bot.core.feedback import Feedback
from bot.core.flood import FloodGate, Gate, SharedFloodGate
from bot.core.insight import Insight
from bot.core.invitations import Invitations
from bot.core.privacy import Privacy
from bot.core.residents import Residents
from bot.core.staff import StaffService
from bot.core.surveys.flow import SurveyFlow
from bot.core.surveys.staff import SurveyStaff
from bot.core.tickets import Tickets
from bot.domain import Clock
from bot.holder import ContentHolder, model_store
from bot.services import Services
from bot.storage.engine import create_engine, session_factory
from scheduler.budget import LocalWindow, SendBudget
from scheduler.housekeeping import Housekeeping
from scheduler.leadership import Leadership, election_interval, role_lock
from scheduler.lost import LostMessages
from scheduler.ratelimit import SystemClock
from scheduler.runtime import Delivery
from scheduler.shared_budget import SharedWindow

if TYPE_CHECKING:
    from bot.telegram.context import BotApplication

# How often the holder of the sender role re-reads reminders and scheduled broadcasts, which
# staff may have changed through another process.
JOB_REFRESH_SECONDS = 30.0


def system_clock(settings: Settings) -> Clock:
    """The real time, aware, in the bot's time zone."""
    zone = settings.timezone
    return lambda: dt.datetime.now(zone)


def load_live_content(settings: Settings) -> ContentHolder:
    """The content of `settings.content_dir`, validated, with its matcher and dialogue."""
    return ContentHolder.load(
        settings.content_dir,
        ask_staff=bool(settings.staff_ids),
        store=model_store(settings),
        zone=settings.timezone,
    )


def build_services(
    settings: Settings,
    *,
    content: ContentHolder | None = None,
    clock: Clock | None = None,
) -> Services:
    """Build every long-lived service once; nothing connects to the database until first use."""
    content = content or load_live_content(settings)
    clock = clock or system_clock(settings)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    # One process per SQLite file (bot/instance_lock.py); PostgreSQL may have several, which
    # must share the flood count and the send budget instead of each keeping its own.
    sole_writer = engine.dialect.name == "sqlite"
    flood: Gate = (
        FloodGate(settings.flood_limit, clock)
        if sole_writer
        else SharedFloodGate(sessions, settings.flood_limit, clock)
    )
    retention = dt.timedelta(days=settings.question_retention_days)
    links = BotLinks()  # the bot's username once Telegram told it (post_init)
    residents = Residents(
        sessions,
        content,
        clock,
        flood,
        retention=retention,
        sole_writer=sole_writer,
        keep_drafts=bool(settings.staff_ids),
        links=links,
    )
    feedback = Feedback(
        sessions,
        content,
        clock,
        zone=settings.timezone,
        retention=retention,
        ask_staff=bool(settings.staff_ids),
        language=residents.language,
    )
    residents.feedback = feedback  # each needs the other: votes go under the residents' answers
    tickets = Tickets(sessions, content, residents, settings, clock)
    lost = LostMessages(sessions)
    insight = Insight(sessions, lambda: content.current.content, clock, settings.timezone)
    window = (
        LocalWindow(settings.send_rate, SystemClock())
        if sole_writer
        else SharedWindow(engine, settings.send_rate)
    )
    budget = SendBudget(window, push_rate=settings.broadcast_rate, on_lost=lost.record)
    delivery = Delivery(settings, sessions, lambda: content.current.content, clock, budget=budget)
    staff = StaffService(
        sessions,
        lambda: content.current.content,
        reload=content.reload,
        clock=clock,
        staff_ids=settings.staff_ids,
        delivery=delivery,
        zone=settings.timezone,
        insight=insight,
    )
    # Every process has a delivery port, but only the holder of the sender role starts it:
    # one scheduler and one sender per database.
    interval = election_interval(settings.failover_seconds)
    leadership = Leadership(
        role_lock(engine),
        on_acquire=delivery.start,
        on_release=delivery.stop,
        # Staff may have changed milestones through another process; its rebuild missed ours.
        while_held=delivery.rebuild,
        interval=interval,
        refresh_every=max(1, math.ceil(JOB_REFRESH_SECONDS / interval)),
    )
    return Services(
        settings=settings,
        content=content,
        engine=engine,
        sessions=sessions,
        clock=clock,
        flood=flood,
        residents=residents,
        tickets=tickets,
        staff=staff,
        privacy=Privacy(residents, tickets),
        feedback=feedback,
        invitations=Invitations(
            sessions, content, residents, clock, links, staff_ids=settings.staff_ids
        ),
        links=links,
        insight=insight,
        digest=Digest(sessions, insight, settings, clock),
        surveys=SurveyFlow(
            sessions,
            lambda: content.current.content,
            clock,
            residents.language,
            sole_writer=sole_writer,
        ),
        survey_staff=SurveyStaff(
            sessions, lambda: content.current.content, clock, settings.staff_ids, delivery
        ),
        budget=budget,
        lost=lost,
        delivery=delivery,
        housekeeping=Housekeeping(
            prune_questions=residents.prune_questions,
            prune_tickets=tickets.prune,
            sweep_flood_gate=flood.tidy,
            zone=settings.timezone,
        ),
        leadership=leadership,
    )


def build_bot(settings: Settings, *, polling: bool = True) -> BotApplication:
    """The Telegram bot over freshly built services (the transport comes last)."""
    from bot.telegram.app import build_application  # noqa: PLC0415 - PTB only for the bot

    return build_application(build_services(settings), polling=polling)
