"""Thin PTB handlers for asking the staff: the resident's button and /ask, the staff's answers.

Registered by `register_ticket_handlers`, called from `register_handlers` after the resident
commands and before the resident button handler and free-text answering (group 0, first match
wins), so a ticket button or a staff reply to a ticket never reaches the FAQ. The draft (the
last unanswered question) lives in the database, kept by the core (bot/tickets.py). Staff
commands are registered twice: behind `filters.User(staff_ids)` (they act) and for everyone
else (refused); the core checks the staff id again at the moment of action.
"""

from __future__ import annotations

import datetime as dt

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.ext.filters import MessageFilter

from bot.domain import ASK_STAFF, FORGET_YES, Lang
from bot.telegram import handlers
from bot.telegram.context import BotApplication, BotContext
from bot.telegram.handlers import caller_of, send
from bot.telegram.jobs import PRUNE_AT
from bot.telegram.messenger import PtbMessenger
from bot.tickets import CANCEL, SEND_PREFIX, Tickets

# Before group 0 (where /forget's confirm button erases the rows): staff copies are found first.
GROUP_BEFORE_MAIN = -1
GROUP_MAIN = 0

STAFF_COMMANDS = ("reply", "tickets", "close", "unanswered", "suggest")


class RepliesToBot(MessageFilter):
    """A message that replies to one of the bot's own messages (a ticket may be behind it)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(name="RepliesToBot")

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == message.get_bot().id
        )


def _tickets(context: BotContext) -> Tickets:
    tickets = context.services.tickets
    if tickets is None:
        raise RuntimeError("the services were built without tickets; use Services.create")
    return tickets


def _lang(update: Update) -> Lang:
    """The staff member's language, from their Telegram app (staff have no stored setting)."""
    user = update.effective_user
    code = (user.language_code or "") if user is not None else ""
    return "en" if code.startswith("en") else "sv"


def _args(update: Update) -> str:
    """Everything after the command, newlines kept (context.args would drop them)."""
    message = update.effective_message
    return ((message.text if message else None) or "").partition(" ")[2].strip()


def _actor(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user is not None else None


# --- residents -----------------------------------------------------------------------------------


async def ask_staff(update: Update, context: BotContext) -> None:
    """/ask, /fraga [question]: show what would be sent to the staff, with Send and Cancel."""
    text = _args(update) or None
    offer = await _tickets(context).offer(caller_of(update), text)
    await send(update, context, offer.reply)


async def ticket_button(update: Update, context: BotContext) -> None:
    """ "Ask the staff", Send and Cancel; the query is always answered."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if update.effective_chat is None:
        return
    tickets, caller, data = _tickets(context), caller_of(update), query.data or ""
    if data == ASK_STAFF:
        offer = await tickets.offer(caller)
    elif data.startswith(SEND_PREFIX):
        notifier = PtbMessenger(context.bot)
        offer = await tickets.submit(caller, data.removeprefix(SEND_PREFIX), notifier)
    elif data == CANCEL:
        offer = await tickets.cancel(caller)
    else:
        await send(update, context, await context.services.residents.press(caller, data))
        return
    await send(update, context, offer.reply)


async def erase_staff_copies(update: Update, context: BotContext) -> None:
    """/forget confirmed: blank the resident's questions in the staff chats before rows go."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    await _tickets(context).erase_staff_copies(chat.id, PtbMessenger(context.bot))


# --- staff ---------------------------------------------------------------------------------------


async def answer_by_reply(update: Update, context: BotContext) -> None:
    """A staff member's reply to a ticket message answers it; other replies are questions."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    assert replied is not None
    tickets = _tickets(context)
    ticket_id = await tickets.ticket_for_message(replied.chat.id, replied.message_id)
    if ticket_id is None:
        await handlers.ask(update, context)
        return
    notifier = PtbMessenger(context.bot)
    reply = await tickets.answer(
        _actor(update), ticket_id, message.text or "", _lang(update), notifier
    )
    await send(update, context, reply)


async def refuse_reply(update: Update, context: BotContext) -> None:
    """Anyone else replying to a ticket message: refused; other replies are questions."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    assert replied is not None
    tickets = _tickets(context)
    if await tickets.ticket_for_message(replied.chat.id, replied.message_id) is None:
        await handlers.ask(update, context)
        return
    await send(update, context, tickets.refuse(_lang(update)))


async def reply_command(update: Update, context: BotContext) -> None:
    """/reply <ticket> <answer>."""
    notifier = PtbMessenger(context.bot)
    reply = await _tickets(context).reply_command(
        _actor(update), _args(update), _lang(update), notifier
    )
    await send(update, context, reply)


async def tickets_command(update: Update, context: BotContext) -> None:
    """/tickets: the open tickets."""
    await send(update, context, await _tickets(context).list_open(_actor(update), _lang(update)))


async def close_command(update: Update, context: BotContext) -> None:
    """/close <ticket>: close without an answer."""
    reply = await _tickets(context).close(_actor(update), _args(update), _lang(update))
    await send(update, context, reply)


async def unanswered_command(update: Update, context: BotContext) -> None:
    """/unanswered: what the bot could not answer in the last 30 days."""
    await send(update, context, await _tickets(context).unanswered(_actor(update), _lang(update)))


async def suggest_command(update: Update, context: BotContext) -> None:
    """/suggest <ticket>: a draft FAQ entry in content/suggestions.yaml."""
    reply = await _tickets(context).suggest(_actor(update), _args(update), _lang(update))
    await send(update, context, reply)


async def not_staff(update: Update, context: BotContext) -> None:
    """A staff command from anyone else: refused, nothing happens."""
    await send(update, context, _tickets(context).refuse(_lang(update)))


async def prune_tickets(context: BotContext) -> None:
    """Daily: delete answered and closed tickets older than the question retention period."""
    await _tickets(context).prune()


STAFF_HANDLERS = {
    "reply": reply_command,
    "tickets": tickets_command,
    "close": close_command,
    "unanswered": unanswered_command,
    "suggest": suggest_command,
}


def register_ticket_handlers(application: BotApplication) -> None:
    """Every ticket handler, plus the daily prune; call before the resident fallbacks."""
    settings = application.bot_data.services.settings
    staff = filters.User(user_id=settings.staff_ids)
    text = filters.UpdateType.MESSAGE & filters.TEXT
    free_text = text & ~filters.COMMAND

    # Group 0: a reply to a bot message may answer a ticket; it must beat free-text answering.
    replies = free_text & RepliesToBot()
    application.add_handler(MessageHandler(replies & staff, answer_by_reply), group=GROUP_MAIN)
    application.add_handler(MessageHandler(replies & ~staff, refuse_reply), group=GROUP_MAIN)
    application.add_handler(CommandHandler(("ask", "fraga"), ask_staff), group=GROUP_MAIN)
    for name in STAFF_COMMANDS:
        application.add_handler(
            CommandHandler(name, STAFF_HANDLERS[name], filters=staff), group=GROUP_MAIN
        )
        application.add_handler(CommandHandler(name, not_staff, filters=~staff), group=GROUP_MAIN)
    # Before the resident button handler, which would call these presses expired.
    application.add_handler(
        CallbackQueryHandler(ticket_button, pattern=r"^ticket:"), group=GROUP_MAIN
    )

    application.add_handler(
        CallbackQueryHandler(erase_staff_copies, pattern=rf"^{FORGET_YES}$"),
        group=GROUP_BEFORE_MAIN,
    )

    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    job_queue.run_daily(
        prune_tickets,
        time=PRUNE_AT.replace(tzinfo=settings.timezone),
        name="prune-tickets",
    )
    # Also once at start-up, like the questions (post_init prunes those).
    job_queue.run_once(prune_tickets, when=dt.timedelta(seconds=0), name="prune-tickets-now")
