"""Staff /poster: the printable PDF as a document and its PNG preview as a photo.

bot/telegram/app.py registers it like the other staff commands: behind `filters.User(staff_ids)`
it acts, for anyone else it answers that the command is for staff; the core checks again.
"""

from __future__ import annotations

from telegram import Bot, InputFile, Update
from telegram.error import InvalidToken, TelegramError

from bot.config import Settings
from bot.core.deeplinks import link_url
from bot.domain import Reply
from bot.errors import ConfigError
from bot.telegram.context import BotContext
from bot.telegram.handlers import app_lang, args_of, send
from bot.visuals.poster import poster_words, render_poster

PDF_MIME_TYPE = "application/pdf"
STAFF_COMMANDS = ("poster",)


async def poster(update: Update, context: BotContext) -> None:
    """/poster <area> [sv|en] [campaign]: the poster as PDF (to print) and PNG (to look at)."""
    user, chat = update.effective_user, update.effective_chat
    assert chat is not None
    lang = app_lang(update)
    invitations = context.services.invitations
    order = invitations.poster_order(user.id if user else None, args_of(update), lang)
    if isinstance(order, Reply):
        await send(update, context, order)
        return
    username = context.bot.username  # known since getMe at start-up
    url = link_url(username, order.link)
    words = poster_words(
        context.services.content.current.content.texts, order.lang, order.link.area
    )
    caption = invitations.poster_caption(url, lang)
    name = f"affisch-{order.link.payload}" if order.lang == "sv" else f"poster-{order.link.payload}"
    document = InputFile(await render_poster(url, words, "pdf"), filename=f"{name}.pdf")
    document.mimetype = PDF_MIME_TYPE
    await context.bot.send_document(chat.id, document, caption=caption, parse_mode=None)
    picture = InputFile(await render_poster(url, words, "png"), filename=f"{name}.png")
    await context.bot.send_photo(chat.id, picture, caption=caption, parse_mode=None)


async def fetch_username(settings: Settings) -> str:
    """The bot's username from Telegram (getMe), for `omradesbot poster` without --bot-username.

    ConfigError when Telegram cannot be asked or refuses the token; the token is never shown.
    """
    bot = Bot(settings.require_token().reveal(), base_url=settings.telegram_api_url)
    try:
        async with bot:
            return bot.username
    except InvalidToken as exc:
        raise ConfigError(
            "Telegram refused TELEGRAM_BOT_TOKEN; give --bot-username NAME instead"
        ) from exc
    except TelegramError as exc:
        raise ConfigError(
            f"could not ask Telegram for the bot's username ({exc.message}); "
            "give --bot-username NAME instead"
        ) from exc
