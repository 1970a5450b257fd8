"""Build the Telegram `Application`: one builder chain, every handler registered in one place."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.dialogue import COMMANDS
from bot.core.feedback import VOTE_PREFIX
from bot.domain import FORGET_YES, SURVEY_PREFIX
from bot.services import Services
from bot.telegram import feedback as feedback_handlers
from bot.telegram import handlers, posters, surveys, tickets
from bot.telegram import staff as staff_handlers
from bot.telegram.commands import set_command_menus
from bot.telegram.context import CONTEXT_TYPES, BotApplication, BotContext
from bot.telegram.filters import Addressed
from bot.telegram.jobs import schedule_digest
from bot.telegram.loop import new_event_loop
from bot.telegram.messenger import PtbMessenger
from bot.telegram.ordering import PerChatOrder
from bot.telegram.request import AiohttpRequest

log = logging.getLogger(__name__)

# Only what the handlers use; edited messages and channel posts never reach the bot.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

# Handler groups, run in this order; a handler raising ApplicationHandlerStop ends the update.
GROUP_ADDRESSED = -2  # drop group messages not meant for the bot
GROUP_FLOOD = -1  # count every remaining message against the flood limit
GROUP_MAIN = 0  # everything that answers; within it, the first matching handler wins

# Connections to the Bot API shared by the handlers and the outbox sender (getUpdates has its
# own): 32 keep ~10x Telegram's send rate in flight at 100 ms per request; requests beyond them
# wait for a free one (PTB's pool timeout).
BOT_API_CONNECTIONS = 32

# The handler of each resident command in bot.core.dialogue.COMMANDS (English name -> handler).
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
        # No PTB JobQueue: every timed job runs on the scheduler/ timetables (housekeeping in every
        # process, delivery on the sender's holder), one APScheduler each.
        .job_queue(None)
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


# How often start-up retries a Bot API call that failed on the network or on Telegram's side
# (a dropped connection, a 502, a timeout), about a second apart: a hiccup while the bot is
# deployed must not stop it before its first update. A wrong token is never retried.
START_UP_RETRIES = 10


def run_polling(application: BotApplication) -> None:
    """Answer updates by long polling until SIGINT/SIGTERM; start-up errors propagate."""
    # PTB runs on the current event loop and closes it when polling ends.
    asyncio.set_event_loop(new_event_loop())
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=START_UP_RETRIES)
    finally:
        asyncio.set_event_loop(None)


def register_handlers(application: BotApplication, services: Services) -> None:
    """Every handler of the bot, in one table: the order and groups decide who answers what.

    Groups run in order (GROUP_ADDRESSED, GROUP_FLOOD, GROUP_MAIN); a handler raising
    ApplicationHandlerStop ends the update there. Within GROUP_MAIN the first matching handler
    wins, so the specific come before the general: commands, then ticket replies and buttons,
    then free text, then the fallbacks.
    """
    staff_ids = services.settings.staff_ids
    staff = filters.User(user_id=staff_ids)
    private_or_addressed = Addressed(staff_ids)
    # Only new messages: status updates (members joining, pins) are not residents talking.
    message = filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL
    free_text = message & filters.TEXT & ~filters.COMMAND

    def main(handler: BaseHandler[Update, BotContext, None]) -> None:
        application.add_handler(handler, group=GROUP_MAIN)

    # GROUP_ADDRESSED: in group chats, anything not addressed to the bot stops here, silently.
    application.add_handler(
        MessageHandler(message & ~private_or_addressed, handlers.ignore_unaddressed),
        group=GROUP_ADDRESSED,
    )
    # GROUP_FLOOD: the flood gate sees every message that will be answered; it stops the update
    # (after one notice) when a chat writes faster than the limit. Button presses are not
    # counted: each must be answered, and they are cheap.
    application.add_handler(MessageHandler(message, handlers.check_flood), group=GROUP_FLOOD)

    # GROUP_MAIN, resident commands, each under its English name and Swedish alias.
    main(CommandHandler("start", handlers.start))
    for command in COMMANDS:
        if command.name in COMMAND_HANDLERS:
            main(CommandHandler((command.name, command.alias), COMMAND_HANDLERS[command.name]))
    main(CommandHandler(("ask", "fraga"), tickets.ask_staff))
    # /survey is both: staff get subcommands (start, results, ...), everyone else the list.
    main(CommandHandler(("survey", "enkat"), surveys.survey, filters=staff))
    main(CommandHandler(("survey", "enkat"), surveys.survey_for_residents, filters=~staff))

    # Staff commands: behind the staff filter they act; for anyone else they are refused
    # (not answered as unknown commands). The core checks the staff id again when acting.
    for name in staff_handlers.STAFF_COMMANDS:
        main(CommandHandler(name, staff_handlers.HANDLERS[name], filters=staff))
        main(CommandHandler(name, staff_handlers.not_staff, filters=~staff))
    for name in tickets.STAFF_COMMANDS:
        main(CommandHandler(name, tickets.STAFF_HANDLERS[name], filters=staff))
        main(CommandHandler(name, tickets.not_staff, filters=~staff))
    main(CommandHandler("surveys", surveys.surveys, filters=staff))
    main(CommandHandler("surveys", surveys.not_staff, filters=~staff))
    main(CommandHandler(posters.STAFF_COMMANDS, posters.poster, filters=staff))
    main(CommandHandler(posters.STAFF_COMMANDS, staff_handlers.not_staff, filters=~staff))

    # A reply to one of the bot's messages may answer a ticket: before free-text answering.
    replies = free_text & tickets.RepliesToBot()
    main(MessageHandler(replies & staff, tickets.answer_by_reply))
    main(MessageHandler(replies & ~staff, tickets.refuse_reply))

    # Buttons with a home of their own, before the resident button handler (which would call
    # them expired): staff Send/Cancel, the ticket buttons, the 👍/👎 under answers, /forget's
    # confirmation, the survey buttons (staff Send/Cancel before the other staff buttons).
    main(CallbackQueryHandler(surveys.staff_button, pattern=r"^staff:survey:"))
    main(CallbackQueryHandler(staff_handlers.staff_button, pattern=r"^staff:"))
    main(CallbackQueryHandler(tickets.ticket_button, pattern=r"^ticket:"))
    main(CallbackQueryHandler(feedback_handlers.vote, pattern=rf"^{VOTE_PREFIX}"))
    main(CallbackQueryHandler(handlers.forget_confirmed, pattern=rf"^{FORGET_YES}$"))
    main(CallbackQueryHandler(surveys.answer_button, pattern=rf"^{SURVEY_PREFIX}"))

    # The rest: button presses, free text, then fallbacks. Text comes before the unknown-command
    # catch-all, which must come after every CommandHandler.
    main(CallbackQueryHandler(handlers.button))
    # A text survey question takes the resident's next message; anything else is a question.
    main(MessageHandler(free_text, surveys.text_answer))
    main(MessageHandler(message & filters.COMMAND, handlers.unknown_command))
    main(MessageHandler(message & ~filters.TEXT, handlers.non_text))

    application.add_error_handler(handlers.report_error)


async def _post_init(application: BotApplication) -> None:
    """Start the long-lived services once the bot is connected, before the first update."""
    services = application.bot_data.services
    await services.prepare_database()
    # Deep links and "Tell a neighbour" are made of the username Telegram gave (getMe).
    services.links.learn(application.bot.username)
    schedule_digest(application)  # on the housekeeping timetable, beside the daily prunes
    await services.housekeeping.start()  # prunes old questions now, then daily
    await set_command_menus(
        application.bot,
        services.content.current.content.texts,
        ask_staff=bool(services.settings.staff_ids),
    )
    # The delivery port can send once the bot exists; leadership decides whether this process
    # runs the scheduler and the sender (one of each per database, scheduler/leadership.py).
    services.delivery.connect(PtbMessenger(application.bot))
    await services.leadership.start()
    log.info("bot @%s is ready (%s)", application.bot.username, services.leadership.role)


async def _post_stop(application: BotApplication) -> None:
    """Stop the scheduler and sender while the bot can still talk to Telegram.

    This runs before `Application.shutdown()` closes the Bot API connections: a send in flight
    finishes and its outcome is committed, instead of reaching Telegram unrecorded and going out
    again after the restart.
    """
    services = application.bot_data.services
    services.housekeeping.stop()
    # Stops the runtime first (if this process holds the role), then frees the role.
    await services.leadership.stop()


async def _post_shutdown(application: BotApplication) -> None:
    """Close the long-lived services after the last update was handled."""
    await application.bot_data.services.close()
