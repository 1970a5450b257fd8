"""Send the pictures and calendar files of bot.visuals through Telegram (photo, document).

The handlers call these after their text reply; everything drawn or built comes from the core
(bot.visuals), this module only picks the language, the live timeline and the clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram import InputFile
from telegram.error import TelegramError

from bot.content import Milestone
from bot.domain import Caller, Lang, Reply
from bot.telegram.context import BotApplication, BotContext
from bot.telegram.keyboards import inline_keyboard
from bot.visuals.calendar import (
    ICS_MIME_TYPE,
    build_ics,
    calendar_buttons,
    calendar_caption,
    ics_filename,
    milestone_id_of,
)
from bot.visuals.charts import render_stats
from bot.visuals.feedback import collect_trend, trend_caption, trend_png
from bot.visuals.report import topic_titles
from bot.visuals.stats import collect_stats
from bot.visuals.timeline import render_timeline

log = logging.getLogger(__name__)

TIMELINE_FILENAME = "tidslinje.png"
STATS_FILENAME = "statistik.png"
TREND_FILENAME = "trend.png"


async def live_milestones(context: BotContext) -> list[Milestone]:
    """The timeline as it is now: milestones.yaml with staff additions, moves and removals."""
    return await context.services.residents.timeline()


async def send_timeline_picture(context: BotContext, caller: Caller) -> None:
    """The timeline PNG with its caption and an "Add to calendar" button per coming date."""
    services = context.services
    lang = await services.residents.language(caller)
    content = services.content.current.content
    now = services.clock()
    milestones = await live_milestones(context)
    if not milestones:
        return  # the text reply already said the timeline is empty
    picture = await render_timeline(milestones, lang, now, content.texts)
    buttons = calendar_buttons(milestones, lang, now, content.texts)
    await context.bot.send_photo(
        caller.chat_id,
        InputFile(picture.png, filename=TIMELINE_FILENAME),
        caption=picture.caption,
        parse_mode=None,
        reply_markup=inline_keyboard(Reply(picture.caption, buttons)),
    )


async def send_calendar_file(context: BotContext, caller: Caller, data: str) -> None:
    """The .ics file for the milestone named in 'ics:<id>', or a notice if it is gone."""
    services = context.services
    lang = await services.residents.language(caller)
    texts = services.content.current.content.texts
    wanted = milestone_id_of(data)
    milestone = next((m for m in await live_milestones(context) if m.id == wanted), None)
    if milestone is None:
        await context.bot.send_message(
            caller.chat_id, texts.get("calendar_unknown", lang), parse_mode=None
        )
        return
    document = InputFile(
        build_ics(milestone, lang, texts, stamp=services.clock()),
        filename=ics_filename(milestone),
    )
    document.mimetype = ICS_MIME_TYPE  # never left to the platform's guess from the name
    await context.bot.send_document(
        caller.chat_id,
        document,
        caption=calendar_caption(milestone, texts, lang),
        parse_mode=None,
    )


async def send_stats_chart(context: BotContext, chat_id: int, lang: Lang) -> None:
    """The staff chart (subscribers, questions per day, top topics) with its caption."""
    services = context.services
    content = services.content.current.content
    stats = await collect_stats(
        services.sessions, services.clock(), zone=services.settings.timezone
    )
    picture = await render_stats(stats, lang, content.texts, topic_titles(content, lang))
    await context.bot.send_photo(
        chat_id,
        InputFile(picture.png, filename=STATS_FILENAME),
        caption=picture.caption,
        parse_mode=None,
    )


async def send_trend_charts(
    application: BotApplication, targets: Sequence[tuple[int, Lang]]
) -> None:
    """The feedback trend chart (4 weeks) to each staff chat in its language, after the digest."""
    services = application.bot_data.services
    content = services.content.current.content
    trend = await collect_trend(
        services.sessions, services.clock(), zone=services.settings.timezone
    )
    pictures: dict[Lang, bytes] = {}
    for chat_id, lang in targets:
        if lang not in pictures:
            pictures[lang] = await asyncio.to_thread(trend_png, trend, content.texts, lang)
        try:
            await application.bot.send_photo(
                chat_id,
                InputFile(pictures[lang], filename=TREND_FILENAME),
                caption=trend_caption(trend, content.texts, lang),
                parse_mode=None,
            )
        except TelegramError as exc:
            log.warning("the digest's trend chart was not sent: %s", exc)
