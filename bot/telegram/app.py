"""Build the Telegram `Application`: one builder chain, every handler registered in one place."""

from __future__ import annotations

import asyncio
import logging
import math

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.dialogue import COMMANDS
from bot.leadership import Leadership, election_interval, role_lock
from bot.services import Services
from bot.telegram import handlers
from bot.telegram.commands import set_command_menus
from bot.telegram.context import CONTEXT_TYPES, BotApplication
from bot.telegram.feedback import register_feedback_handlers
from bot.telegram.filters import Addressed
from bot.telegram.jobs import schedule_housekeeping
from bot.telegram.loop import new_event_loop
from bot.telegram.messenger import PtbMessenger
from bot.telegram.ordering import PerChatOrder
from bot.telegram.request import AiohttpRequest
from bot.telegram.staff import register_staff_handlers
from bot.telegram.surveys import register_survey_handlers, text_answer
from bot.telegram.tickets import register_ticket_handlers
from scheduler.runtime import DeliveryRuntime

log = logging.getLogger(__name__)

# Only what the handlers use; edited messages and channel posts never reach the bot.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

# Handler groups run in order; a handler raising ApplicationHandlerStop ends the update there.
GROUP_ADDRESSED = -2  # drop group messages not meant for the bot
GROUP_FLOOD = -1  # count every remaining message against the flood limit
GROUP_MAIN = 0  # within a group, the first matching handler wins

# Connections to the Bot API shared by the handlers and the outbox sender (getUpdates has its
# own): 32 keep ~10x Telegram's send rate in flight at 100 ms per request; requests beyond them
# wait for a free one (PTB's pool timeout).
BOT_API_CONNECTIONS = 32

# How often the holder of the sender role re-reads reminders and scheduled broadcasts, which
# staff may have changed through another process.
JOB_REFRESH_SECONDS = 30.0

# The handler of each resident command in bot.dialogue.COMMANDS (English name -> handler).
COMMAND_HANDLERS = {
    "faq": handlers.faq,
    "subscribe": handlers.subscribe,
    "unsubscribe": handlers.unsubscribe,
    "milestones": handlers.milestones,
    "language": handlers.language,
    "mydata": handlers.mydata,
    "forget": handlers.forget,
    "help": handlers.help_command,
}


def build_application(services: Services, *, polling: bool = True) -> BotApplication:
    """The bot for `services.settings`, ready for `run_polling()` (or initialize/start in tests).

    With `polling=False` there is no Updater: bot/telegram/webhook.py feeds the update queue.
    """
    settings = services.settings
    builder = (
        Application.builder()
        .token(settings.require_token().reveal())
        .base_url(settings.telegram_api_url)
        # Every call of the bot's connection that puts something in a chat takes a permit of
        # the send budget (bot/telegram/request.py); getUpdates has a connection of its own.
        .request(AiohttpRequest(BOT_API_CONNECTIONS, budget=services.budget))
        .get_updates_request(AiohttpRequest())
        .context_types(CONTEXT_TYPES)
        # Chats side by side, each chat's updates one at a time in order (bot/telegram/ordering.py):
        # the flood gate and the ticket draft are per chat.
        .concurrent_updates(PerChatOrder())
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    application: BotApplication = (builder if polling else builder.updater(None)).build()
    application.bot_data.services = services
    register_handlers(application, services)
    return application


def run_polling(application: BotApplication) -> None:
    """Answer updates by long polling until SIGINT/SIGTERM; start-up errors propagate."""
    # PTB runs on the current event loop and closes it when polling ends.
    asyncio.set_event_loop(new_event_loop())
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    finally:
        asyncio.set_event_loop(None)


def register_handlers(application: BotApplication, services: Services) -> None:
    """Every handler of the bot, in the order and groups that decide who answers what."""
    private_or_addressed = Addressed(services.settings.staff_ids)
    # Only new messages: status updates (members joining, pins) are not residents talking.
    message = filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL

    # Group -2: in group chats, anything not addressed to the bot stops here, silently.
    application.add_handler(
        MessageHandler(message & ~private_or_addressed, handlers.ignore_unaddressed),
        group=GROUP_ADDRESSED,
    )
    # Group -1: the flood gate sees every message that will be answered; it stops the update
    # (after one notice) when a chat writes faster than the limit. Button presses are not
    # counted: each must be answered, and they are cheap.
    application.add_handler(MessageHandler(message, handlers.check_flood), group=GROUP_FLOOD)

    # Group 0, resident commands, each under its English name and Swedish alias.
    application.add_handler(CommandHandler("start", handlers.start), group=GROUP_MAIN)
    for command in COMMANDS:
        handler = COMMAND_HANDLERS.get(command.name)
        if handler is None:
            continue  # /ask lives with the tickets, /survey with the surveys, registered below
        application.add_handler(
            CommandHandler((command.name, command.alias), handler), group=GROUP_MAIN
        )

    # Surveys (issue 18): before the staff buttons (`staff:survey:` would match `staff:`) and
    # before free text, which a waiting text question takes as its answer.
    register_survey_handlers(application, services.settings.staff_ids)
    # STAFF COMMANDS (issue 4): register_staff_handlers(application) goes here, before the
    # fallbacks below, so /broadcast and friends are not answered as unknown commands.
    register_staff_handlers(application, services.settings.staff_ids)
    # Tickets (issue 5): staff replies to a ticket and ticket buttons before free text/buttons.
    register_ticket_handlers(application)
    # Feedback (issue 16): the 👍/👎 buttons under answers, before the generic button handler.
    register_feedback_handlers(application)

    # Group 0, the rest: button presses, free text, then fallbacks. Order matters: text before
    # the unknown-command catch-all, which must come after every CommandHandler.
    application.add_handler(CallbackQueryHandler(handlers.button), group=GROUP_MAIN)
    application.add_handler(
        # The answer to a waiting survey text question, else handlers.ask (the FAQ).
        MessageHandler(message & filters.TEXT & ~filters.COMMAND, text_answer),
        group=GROUP_MAIN,
    )
    application.add_handler(
        MessageHandler(message & filters.COMMAND, handlers.unknown_command), group=GROUP_MAIN
    )
    application.add_handler(
        MessageHandler(message & ~filters.TEXT, handlers.non_text), group=GROUP_MAIN
    )

    application.add_error_handler(handlers.report_error)


async def _post_init(application: BotApplication) -> None:
    """Start the long-lived services once the bot is connected, before the first update."""
    services = application.bot_data.services
    await services.prepare_database()
    await services.residents.prune_questions()
    await set_command_menus(
        application.bot,
        services.content.current.content.texts,
        ask_staff=bool(services.settings.staff_ids),
    )
    schedule_housekeeping(application)
    # Every process gets a runtime (staff commands read its timeline), but only the holder of
    # the sender role starts it: one scheduler and one sender per database (bot/leadership.py).
    services.delivery = _delivery_runtime(application)

    async def start_delivery() -> None:
        services.delivery = _delivery_runtime(application)
        await services.delivery.start()

    async def stop_delivery() -> None:
        if services.delivery is not None:
            await services.delivery.stop()
        services.delivery = _delivery_runtime(application)

    async def refresh_jobs() -> None:
        # Staff may have changed milestones through another process; its rebuild missed ours.
        if services.delivery is not None:
            await services.delivery.rebuild()

    interval = election_interval(services.settings.failover_seconds)
    services.leadership = Leadership(
        role_lock(services.engine),
        on_acquire=start_delivery,
        on_release=stop_delivery,
        while_held=refresh_jobs,
        interval=interval,
        refresh_every=max(1, math.ceil(JOB_REFRESH_SECONDS / interval)),
    )
    await services.leadership.start()
    log.info("bot @%s is ready (%s)", application.bot.username, services.leadership.role)


async def _post_stop(application: BotApplication) -> None:
    """Stop the scheduler and sender while the bot can still talk to Telegram.

    This runs before `Application.shutdown()` closes the Bot API connections: a send in flight
    finishes and its outcome is committed, instead of reaching Telegram unrecorded and going out
    again after the restart.
    """
    services = application.bot_data.services
    if services.leadership is not None:
        await services.leadership.stop()  # stops the runtime first, then frees the role
    elif services.delivery is not None:
        await services.delivery.stop()


async def _post_shutdown(application: BotApplication) -> None:
    """Close the long-lived services after the last update was handled."""
    await application.bot_data.services.close()


def _delivery_runtime(application: BotApplication) -> DeliveryRuntime:
    services = application.bot_data.services
    return DeliveryRuntime(
        services.settings,
        services.sessions,
        PtbMessenger(application.bot),
        lambda: services.content.current.content,
        services.clock,
        budget=services.budget,
    )
