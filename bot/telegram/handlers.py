"""Thin handlers: read the update, make one call into the core, send the replies it returns."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.core.flood import Verdict
from bot.domain import MENU_TIMELINE, Caller, Lang, Reply, language_from_telegram
from bot.telegram.context import BotContext
from bot.telegram.filters import without_mention
from bot.telegram.messenger import PtbMessenger, send_plain_text
from bot.telegram.visuals import send_calendar_file, send_timeline_picture
from bot.visuals.calendar import ICS_PREFIX

log = logging.getLogger(__name__)


def caller_of(update: Update) -> Caller:
    """The chat to answer and Telegram's language hint; never a name or username."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        raise ValueError("an update without a chat has no one to answer")
    return Caller(
        chat_id=chat.id,
        private=chat.type == ChatType.PRIVATE,
        language_code=user.language_code if user is not None else None,
    )


async def send(update: Update, context: BotContext, replies: Reply | Iterable[Reply]) -> None:
    """Send replies to the update's chat as plain text: user text is never parsed as markup.

    The send budget (bot/telegram/request.py) has already retried a reply that Telegram
    refused or that met a network error, and logged and counted one that still failed; such a
    reply ends the answer here. A 400 is a bug of ours and goes to the error handler.
    """
    chat = update.effective_chat
    assert chat is not None
    for reply in (replies,) if isinstance(replies, Reply) else replies:
        try:
            await send_plain_text(context.bot, chat.id, reply.text, reply.buttons)
        except BadRequest:
            raise
        except (Forbidden, RetryAfter, NetworkError):
            return


def app_lang(update: Update) -> Lang:
    """The language of the user's Telegram app (staff have no stored setting)."""
    user = update.effective_user
    return language_from_telegram(user.language_code if user is not None else None)


def args_of(update: Update) -> str:
    """Everything after the command, newlines kept (context.args would drop them)."""
    message = update.effective_message
    return ((message.text if message else None) or "").partition(" ")[2].strip()


def _argument(context: BotContext) -> str | None:
    return " ".join(context.args) if context.args else None


# --- gates (groups -2 and -1) ------------------------------------------------------------------


async def ignore_unaddressed(update: Update, context: BotContext) -> None:
    """Stop here: a group message not meant for the bot."""
    raise ApplicationHandlerStop


async def check_flood(update: Update, context: BotContext) -> None:
    """Let the message through, or say once that it is too many, then stay silent."""
    caller = caller_of(update)
    verdict = await context.services.residents.admit(caller)
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.NOTICE:
        await send(update, context, await context.services.residents.flood_notice(caller))
    raise ApplicationHandlerStop


# --- commands ------------------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> None:
    """/start [payload]: the welcome and the main menu; a deep link's payload adds its area."""
    payload = context.args[0] if context.args and len(context.args) == 1 else None
    reply = await context.services.invitations.start(caller_of(update), payload)
    await send(update, context, reply)


async def help_command(update: Update, context: BotContext) -> None:
    """/help, /hjalp: what the bot can do."""
    await send(update, context, await context.services.residents.help(caller_of(update)))


async def faq(update: Update, context: BotContext) -> None:
    """/faq, /fragor: the topics as buttons."""
    await send(update, context, await context.services.residents.topics(caller_of(update)))


async def subscribe(update: Update, context: BotContext) -> None:
    """/subscribe, /prenumerera [balltorp|kallered|all]."""
    reply = await context.services.residents.subscribe(caller_of(update), _argument(context))
    await send(update, context, reply)


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/unsubscribe, /avsluta [balltorp|kallered|all]."""
    reply = await context.services.residents.unsubscribe(caller_of(update), _argument(context))
    await send(update, context, reply)


async def milestones(update: Update, context: BotContext) -> None:
    """/milestones, /tidslinje: the timeline of the move, as text and then as a picture."""
    caller = caller_of(update)
    await send(update, context, await context.services.residents.milestones(caller))
    await send_timeline_picture(context, caller)


async def language(update: Update, context: BotContext) -> None:
    """/language, /sprak [sv|en]."""
    reply = await context.services.residents.set_language(caller_of(update), _argument(context))
    await send(update, context, reply)


async def mydata(update: Update, context: BotContext) -> None:
    """/mydata, /minadata: everything stored about the resident."""
    await send(update, context, await context.services.residents.mydata(caller_of(update)))


async def forget(update: Update, context: BotContext) -> None:
    """/forget, /glom: ask for confirmation before erasing."""
    reply = await context.services.residents.forget_confirm(caller_of(update))
    await send(update, context, reply)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have: a hint towards /help."""
    reply = await context.services.residents.unknown_command(caller_of(update))
    await send(update, context, reply)


# --- messages and buttons ------------------------------------------------------------------------


async def ask(update: Update, context: BotContext) -> None:
    """Free text: the answer, 'did you mean' buttons, or an honest 'I don't know'."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    text = without_mention(message.text, context.bot.username)
    # Unanswered, the question is also kept (in the database) for "Ask the staff".
    reply = await context.services.residents.ask(caller_of(update), text)
    await send(update, context, reply)


async def non_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice and the like: the bot understands text."""
    await send(update, context, await context.services.residents.non_text(caller_of(update)))


async def button(update: Update, context: BotContext) -> None:
    """Any button press; the query is always answered so the button stops spinning."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if update.effective_chat is None:  # the message is gone; nowhere to answer
        return
    data = query.data or ""
    if data.startswith(ICS_PREFIX):  # "Add to calendar" under the timeline picture
        await send_calendar_file(context, caller_of(update), data)
        return
    pressed_on = query.message.text if isinstance(query.message, Message) else None
    reply = await context.services.residents.press(caller_of(update), data, pressed_on)
    await send(update, context, reply)
    if data == MENU_TIMELINE:
        await send_timeline_picture(context, caller_of(update))


async def forget_confirmed(update: Update, context: BotContext) -> None:
    """/forget's confirm button: the staff copies and every row go, in one core operation."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if update.effective_chat is None:
        return
    messenger = PtbMessenger(context.bot)
    await send(update, context, await context.services.privacy.forget(caller_of(update), messenger))


# --- errors --------------------------------------------------------------------------------------


async def report_error(update: object, context: BotContext) -> None:
    """Log a handler failure with its traceback, then apologise to the resident."""
    if update is None and isinstance(context.error, NetworkError):
        # Polling hit a dropped connection or a timeout; PTB polls again by itself.
        log.warning("polling the Bot API failed, trying again: %s", context.error)
        return
    log.error(
        "handling update %s failed",
        update.update_id if isinstance(update, Update) else None,
        exc_info=context.error,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:
        # Already answered by the handler, or too old to answer: either way, carry on.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        await send(update, context, await context.services.residents.apology(caller_of(update)))
    except TelegramError as exc:
        log.warning("could not send the apology: %s", exc)
