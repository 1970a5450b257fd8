"""Thin PTB handlers for surveys: residents' /enkat and answer buttons, staff's /survey.

`/survey` is both: registered behind `filters.User(staff_ids)`, a subcommand (start, results,
close, publish) acts; for everyone else, and for staff without one, it lists the open surveys
as /enkat does. Staff buttons (`staff:survey:`) are checked again in the core at the moment of
the press. bot/telegram/app.py registers these in its one table: the staff buttons before the
other `staff:` ones, and `text_answer` in the place of the FAQ's free-text handler, since a
text question takes the resident's next message.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update
from telegram.error import BadRequest

from bot.core.surveys.flow import SurveyFlow
from bot.core.surveys.staff import SUBCOMMANDS, SurveyStaff
from bot.domain import SURVEY_CHART as CHART
from bot.domain import SURVEY_PREFIX as PREFIX
from bot.domain import Lang, Reply
from bot.storage import surveys as store
from bot.telegram import handlers
from bot.telegram.context import BotContext
from bot.telegram.filters import without_mention
from bot.telegram.handlers import caller_of, send
from bot.telegram.keyboards import inline_keyboard
from bot.visuals.survey_chart import survey_caption, survey_png

log = logging.getLogger(__name__)

CHART_FILENAME = "enkat.png"


def survey_staff(context: BotContext) -> SurveyStaff:
    """The core staff survey service."""
    return context.services.survey_staff


def _flow(context: BotContext) -> SurveyFlow:
    return context.services.surveys


def _lang(update: Update) -> Lang:
    user = update.effective_user
    code = (user.language_code or "") if user is not None else ""
    return "en" if code.startswith("en") else "sv"


def _actor(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user is not None else None


async def survey(update: Update, context: BotContext) -> None:
    """/survey, /enkat from staff: a subcommand acts; alone, the open surveys as residents see."""
    words = context.args or []
    if not words:
        await send(update, context, await _flow(context).list_open(caller_of(update)))
        return
    chat = update.effective_chat
    assert chat is not None
    lang = _lang(update)
    done = await survey_staff(context).command(_actor(update), chat.id, words, lang)
    await send(update, context, done.replies)
    if done.chart is not None:
        await _send_chart(context, chat.id, done.chart, lang)


async def survey_for_residents(update: Update, context: BotContext) -> None:
    """/enkat, /survey: the open surveys for the resident's areas (a staff subcommand: refused)."""
    words = context.args or []
    if words and words[0].lower() in SUBCOMMANDS:
        await not_staff(update, context)
        return
    await send(update, context, await _flow(context).list_open(caller_of(update)))


async def surveys(update: Update, context: BotContext) -> None:
    """/surveys (staff): every survey with its state and number of responses."""
    actor = _actor(update)
    assert actor is not None
    await send(update, context, await survey_staff(context).overview(actor, _lang(update)))


async def not_staff(update: Update, context: BotContext) -> None:
    """/surveys from anyone else: refused."""
    texts = context.services.content.current.content.texts
    await send(update, context, Reply(texts.get("staff_only", _lang(update))))


async def staff_button(update: Update, context: BotContext) -> None:
    """Send or Cancel under a survey preview; the core checks the presser is staff now."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    chat = update.effective_chat
    if chat is None:
        return
    reply = await survey_staff(context).press(
        _actor(update), chat.id, query.data or "", _lang(update)
    )
    await send(update, context, reply)


async def answer_button(update: Update, context: BotContext) -> None:
    """Svara/Answer, an option, a toggle, Done, Skip or the results chart."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if update.effective_chat is None:
        return
    data = query.data or ""
    caller = caller_of(update)
    if data.startswith(f"{PREFIX}{CHART}:"):
        lang = await context.services.residents.language(caller)
        await _send_chart(context, caller.chat_id, data.removeprefix(f"{PREFIX}{CHART}:"), lang)
        return
    step = await _flow(context).press(caller, data)
    if step.edit and query.message is not None:
        # A toggle changes the ticks on the same question instead of adding a message; a
        # message Telegram no longer lets us edit (too old, deleted) gets a fresh one instead.
        try:
            await query.edit_message_text(
                step.reply.text, parse_mode=None, reply_markup=inline_keyboard(step.reply)
            )
        except BadRequest as exc:
            log.info("survey question not edited (%s); sent anew", exc.message)
        else:
            return
    await send(update, context, step.reply)


async def text_answer(update: Update, context: BotContext) -> None:
    """Free text: the answer to a waiting text question, otherwise a question for the FAQ."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    text = without_mention(message.text, context.bot.username)
    reply = await _flow(context).text_answer(caller_of(update), text)
    if reply is None:
        await handlers.ask(update, context)
        return
    await send(update, context, reply)


async def _send_chart(context: BotContext, chat_id: int, survey_id: str, lang: Lang) -> None:
    services = context.services
    content = services.content.current.content
    found = next((s for s in content.surveys if s.id == survey_id), None)
    if found is None:
        await context.bot.send_message(
            chat_id, content.texts.get("survey_unknown", lang), parse_mode=None
        )
        return
    async with services.sessions() as session:
        tally = await store.tally(session, found.id)
    png = await asyncio.to_thread(survey_png, found, tally, content.texts, lang)
    await context.bot.send_photo(
        chat_id,
        InputFile(png, filename=CHART_FILENAME),
        caption=survey_caption(found, tally, content.texts, lang),
        parse_mode=None,
    )
