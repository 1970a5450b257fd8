"""Thin PTB handlers for asking the staff: the resident's button and /ask, the staff's answers.

bot/telegram/app.py registers them in its one handler table (after the resident commands, before
the resident button handler and free-text answering), so a ticket button or a staff reply to a
ticket never reaches the FAQ. The draft (the last unanswered question) lives in the database,
kept by the core (bot/core/tickets.py). Staff commands are registered twice: behind
`filters.User(staff_ids)` (they act) and for everyone else (refused); the core checks the staff id
again at the moment of action.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext.filters import MessageFilter

from bot.core.tickets import CANCEL, SEND_PREFIX
from bot.domain import ASK_STAFF
from bot.telegram import handlers
from bot.telegram.context import BotContext
from bot.telegram.handlers import app_lang, args_of, caller_of, send
from bot.telegram.messenger import PtbMessenger

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


def _actor(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user is not None else None


# --- residents -----------------------------------------------------------------------------------


async def ask_staff(update: Update, context: BotContext) -> None:
    """/ask, /fraga [question]: show what would be sent to the staff, with Send and Cancel."""
    text = args_of(update) or None
    offer = await context.services.tickets.offer(caller_of(update), text)
    await send(update, context, offer.reply)


async def ticket_button(update: Update, context: BotContext) -> None:
    """ "Ask the staff", Send and Cancel; the query is always answered."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if update.effective_chat is None:
        return
    tickets, caller, data = context.services.tickets, caller_of(update), query.data or ""
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


# --- staff ---------------------------------------------------------------------------------------


async def answer_by_reply(update: Update, context: BotContext) -> None:
    """A staff member's reply to a ticket message answers it; other replies are questions."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    assert replied is not None
    tickets = context.services.tickets
    ticket_id = await tickets.ticket_for_message(replied.chat.id, replied.message_id)
    if ticket_id is None:
        await handlers.ask(update, context)
        return
    notifier = PtbMessenger(context.bot)
    reply = await tickets.answer(
        _actor(update), ticket_id, message.text or "", app_lang(update), notifier
    )
    await send(update, context, reply)


async def refuse_reply(update: Update, context: BotContext) -> None:
    """Anyone else replying to a ticket message: refused; other replies are questions."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    assert replied is not None
    tickets = context.services.tickets
    if await tickets.ticket_for_message(replied.chat.id, replied.message_id) is None:
        await handlers.ask(update, context)
        return
    await send(update, context, tickets.refuse(app_lang(update)))


async def reply_command(update: Update, context: BotContext) -> None:
    """/reply <ticket> <answer>."""
    notifier = PtbMessenger(context.bot)
    reply = await context.services.tickets.reply_command(
        _actor(update), args_of(update), app_lang(update), notifier
    )
    await send(update, context, reply)


async def tickets_command(update: Update, context: BotContext) -> None:
    """/tickets: the open tickets."""
    await send(
        update,
        context,
        await context.services.tickets.list_open(_actor(update), app_lang(update)),
    )


async def close_command(update: Update, context: BotContext) -> None:
    """/close <ticket>: close without an answer."""
    reply = await context.services.tickets.close(_actor(update), args_of(update), app_lang(update))
    await send(update, context, reply)


async def unanswered_command(update: Update, context: BotContext) -> None:
    """/unanswered: what the bot could not answer in the last 30 days."""
    await send(
        update,
        context,
        await context.services.tickets.unanswered(_actor(update), app_lang(update)),
    )


async def suggest_command(update: Update, context: BotContext) -> None:
    """/suggest <ticket>: a draft FAQ entry in content/suggestions.yaml."""
    reply = await context.services.tickets.suggest(
        _actor(update), args_of(update), app_lang(update)
    )
    await send(update, context, reply)


async def not_staff(update: Update, context: BotContext) -> None:
    """A staff command from anyone else: refused, nothing happens."""
    await send(update, context, context.services.tickets.refuse(app_lang(update)))


STAFF_HANDLERS = {
    "reply": reply_command,
    "tickets": tickets_command,
    "close": close_command,
    "unanswered": unanswered_command,
    "suggest": suggest_command,
}
