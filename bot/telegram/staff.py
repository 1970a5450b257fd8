"""Thin PTB handlers for the staff commands, gated by a user filter at registration.

Staff commands are registered twice: once behind `filters.User(staff_ids)` (they act), once
for everyone else (they get "this command is for staff"). Send/Cancel presses are routed here
by their `staff:` prefix and checked again in the core at the moment of the press.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.content import Lang
from bot.staff import StaffService
from bot.telegram.context import BotApplication, BotContext
from bot.telegram.handlers import send
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


def staff_service(context: BotContext) -> StaffService:
    """The core staff service over this process's services."""
    services = context.services
    return StaffService(
        services.sessions,
        lambda: services.content.current.content,
        reload=services.content.reload,
        clock=services.clock,
        staff_ids=services.settings.staff_ids,
        delivery=services.delivery,
        insight=services.insight,
    )


def _lang(update: Update) -> Lang:
    user = update.effective_user
    code = (user.language_code or "") if user is not None else ""
    return "en" if code.startswith("en") else "sv"


def _args(update: Update) -> str:
    """Everything after the command, newlines kept (context.args would drop them)."""
    text = update.effective_message.text if update.effective_message else None
    return (text or "").partition(" ")[2].strip()


def _ids(update: Update) -> tuple[int, int]:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    return user.id, chat.id


async def broadcast(update: Update, context: BotContext) -> None:
    """/broadcast <area> <text>: a preview with Send and Cancel."""
    actor, chat = _ids(update)
    reply = await staff_service(context).preview(actor, chat, _args(update), _lang(update))
    await send(update, context, reply)


async def schedule(update: Update, context: BotContext) -> None:
    """/schedule YYYY-MM-DD HH:MM <area> <text>: a preview for later."""
    actor, chat = _ids(update)
    reply = await staff_service(context).preview(
        actor, chat, _args(update), _lang(update), scheduled=True
    )
    await send(update, context, reply)


async def scheduled(update: Update, context: BotContext) -> None:
    """/scheduled: the broadcasts waiting for their time."""
    actor, _ = _ids(update)
    await send(update, context, await staff_service(context).scheduled(actor, _lang(update)))


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel <id>."""
    actor, _ = _ids(update)
    reply = await staff_service(context).cancel(actor, _args(update), _lang(update))
    await send(update, context, reply)


async def retract(update: Update, context: BotContext) -> None:
    """/retract <id>: delete a sent broadcast for every recipient."""
    actor, chat = _ids(update)
    reply = await staff_service(context).retract(actor, chat, _args(update), _lang(update))
    await send(update, context, reply)


async def correct(update: Update, context: BotContext) -> None:
    """/correct <id> <new text>: edit a sent broadcast for every recipient."""
    actor, chat = _ids(update)
    reply = await staff_service(context).correct(actor, chat, _args(update), _lang(update))
    await send(update, context, reply)


async def stats(update: Update, context: BotContext) -> None:
    """/stats: the numbers, then the same as a chart."""
    actor, chat = _ids(update)
    await send(update, context, await staff_service(context).stats(actor, _lang(update)))
    await send_stats_chart(context, chat, _lang(update))


async def reload(update: Update, context: BotContext) -> None:
    """/reload: re-read the content; invalid content is rejected with its errors."""
    actor, _ = _ids(update)
    await send(update, context, await staff_service(context).reload(actor, _lang(update)))


async def milestone(update: Update, context: BotContext) -> None:
    """/milestone add|move|remove."""
    actor, _ = _ids(update)
    delivery = context.services.delivery
    timeline = list((await delivery.jobs.timeline())[0]) if delivery is not None else []
    reply = await staff_service(context).milestone(actor, _args(update), _lang(update), timeline)
    await send(update, context, reply)


async def not_staff(update: Update, context: BotContext) -> None:
    """A staff command from anyone else: refused, nothing happens."""
    await send(update, context, staff_service(context).refuse(_lang(update)))


async def staff_button(update: Update, context: BotContext) -> None:
    """Send or Cancel under a preview; the core checks the presser is staff right now."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    user = update.effective_user
    reply = await staff_service(context).press(
        user.id if user is not None else None, query.data or "", _lang(update)
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


def register_staff_handlers(application: BotApplication, staff_ids: frozenset[int]) -> None:
    """Staff commands (filtered), their refusal for everyone else, and the staff buttons.

    Register before the resident button handler and the unknown-command fallback.
    """
    staff = filters.User(user_id=staff_ids)
    for name in STAFF_COMMANDS:
        application.add_handler(CommandHandler(name, HANDLERS[name], filters=staff))
        application.add_handler(CommandHandler(name, not_staff, filters=~staff))
    application.add_handler(CallbackQueryHandler(staff_button, pattern=r"^staff:"))
