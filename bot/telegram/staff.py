"""Thin PTB handlers for the staff commands, gated by a user filter at registration.

bot/telegram/app.py registers every staff command twice: once behind `filters.User(staff_ids)`
(they act), once for everyone else (they get "this command is for staff"). Send/Cancel presses
are routed here by their `staff:` prefix and checked again in the core at the moment of the press.
"""

from __future__ import annotations

from telegram import Update

from bot.telegram.context import BotContext
from bot.telegram.handlers import app_lang, args_of, send
from bot.telegram.visuals import send_stats_chart

STAFF_COMMANDS = (
    "broadcast",
    "schedule",
    "scheduled",
    "cancel",
    "retract",
    "correct",
    "stats",
    "reload",
    "milestone",
)


def _ids(update: Update) -> tuple[int, int]:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    return user.id, chat.id


async def broadcast(update: Update, context: BotContext) -> None:
    """/broadcast <area> <text>: a preview with Send and Cancel."""
    actor, chat = _ids(update)
    reply = await context.services.staff.preview(actor, chat, args_of(update), app_lang(update))
    await send(update, context, reply)


async def schedule(update: Update, context: BotContext) -> None:
    """/schedule YYYY-MM-DD HH:MM <area> <text>: a preview for later."""
    actor, chat = _ids(update)
    reply = await context.services.staff.preview(
        actor, chat, args_of(update), app_lang(update), scheduled=True
    )
    await send(update, context, reply)


async def scheduled(update: Update, context: BotContext) -> None:
    """/scheduled: the broadcasts waiting for their time."""
    actor, _ = _ids(update)
    await send(update, context, await context.services.staff.scheduled(actor, app_lang(update)))


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel <id>."""
    actor, _ = _ids(update)
    reply = await context.services.staff.cancel(actor, args_of(update), app_lang(update))
    await send(update, context, reply)


async def retract(update: Update, context: BotContext) -> None:
    """/retract <id>: delete a sent broadcast for every recipient."""
    actor, chat = _ids(update)
    reply = await context.services.staff.retract(actor, chat, args_of(update), app_lang(update))
    await send(update, context, reply)


async def correct(update: Update, context: BotContext) -> None:
    """/correct <id> <new text>: edit a sent broadcast for every recipient."""
    actor, chat = _ids(update)
    reply = await context.services.staff.correct(actor, chat, args_of(update), app_lang(update))
    await send(update, context, reply)


async def stats(update: Update, context: BotContext) -> None:
    """/stats: the numbers, then the same as a chart."""
    actor, chat = _ids(update)
    await send(update, context, await context.services.staff.stats(actor, app_lang(update)))
    await send_stats_chart(context, chat, app_lang(update))


async def reload(update: Update, context: BotContext) -> None:
    """/reload: re-read the content; invalid content is rejected with its errors."""
    actor, _ = _ids(update)
    await send(update, context, await context.services.staff.reload(actor, app_lang(update)))


async def milestone(update: Update, context: BotContext) -> None:
    """/milestone add|move|remove."""
    actor, _ = _ids(update)
    reply = await context.services.staff.milestone(actor, args_of(update), app_lang(update))
    await send(update, context, reply)


async def not_staff(update: Update, context: BotContext) -> None:
    """A staff command from anyone else: refused, nothing happens."""
    await send(update, context, context.services.staff.refuse(app_lang(update)))


async def staff_button(update: Update, context: BotContext) -> None:
    """Send or Cancel under a preview; the core checks the presser is staff right now."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    user = update.effective_user
    reply = await context.services.staff.press(
        user.id if user is not None else None, query.data or "", app_lang(update)
    )
    if update.effective_chat is not None:
        await send(update, context, reply)


HANDLERS = {
    "broadcast": broadcast,
    "schedule": schedule,
    "scheduled": scheduled,
    "cancel": cancel,
    "retract": retract,
    "correct": correct,
    "stats": stats,
    "reload": reload,
    "milestone": milestone,
}
