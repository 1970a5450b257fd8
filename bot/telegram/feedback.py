"""Thin PTB handler for the 👍/👎 buttons under FAQ answers (bot/core/feedback.py decides)."""

from __future__ import annotations

from telegram import Update

from bot.telegram.context import BotContext
from bot.telegram.handlers import caller_of, send


async def vote(update: Update, context: BotContext) -> None:
    """👍 or 👎: a short notice on the button; after 👎 also a message with a way on."""
    query = update.callback_query
    assert query is not None
    if update.effective_chat is None:
        await query.answer()
        return
    outcome = await context.services.feedback.vote(caller_of(update), query.data or "")
    # The notice shows briefly over the chat: a vote never adds a message of its own, except
    # the way on after a 👎.
    await query.answer(text=outcome.notice)
    if outcome.reply is not None:
        await send(update, context, outcome.reply)
