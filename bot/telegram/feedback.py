"""Thin PTB handler for the 👍/👎 buttons under FAQ answers (bot/feedback.py decides)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.feedback import VOTE_PREFIX
from bot.telegram.context import BotApplication, BotContext
from bot.telegram.handlers import caller_of, send

GROUP_MAIN = 0


async def vote(update: Update, context: BotContext) -> None:
    """👍 or 👎: a short notice on the button; after 👎 also a message with a way on."""
    query = update.callback_query
    assert query is not None
    feedback = context.services.feedback
    if feedback is None or update.effective_chat is None:
        await query.answer()
        return
    outcome = await feedback.vote(caller_of(update), query.data or "")
    # The notice shows briefly over the chat: a vote never adds a message of its own, except
    # the way on after a 👎.
    await query.answer(text=outcome.notice)
    if outcome.reply is not None:
        await send(update, context, outcome.reply)


def register_feedback_handlers(application: BotApplication) -> None:
    """The vote buttons; register before the resident button handler (group 0, first wins)."""
    application.add_handler(
        CallbackQueryHandler(vote, pattern=rf"^{VOTE_PREFIX}"), group=GROUP_MAIN
    )
