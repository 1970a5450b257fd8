"""The light Bot API path: plain JSON calls on PTB's connection, without PTB objects.

`post` builds PTB's `RequestData` from plain values and hands it to the bot's request object
(`BaseRequest.post`), the step PTB's own methods end in. It skips what no caller here needs:
PTB objects built for the arguments, and Telegram's answer parsed into a `Message` of which only
the id is used; under load that was about a third of each send's CPU. The call still passes the
bot's request object, so the send budget (bot/telegram/request.py) applies to it as to any other.

This is the one module that touches a private python-telegram-bot module:
`RequestParameter.from_input` is how PTB itself turns an argument into a request parameter, and
`RequestData` has no public constructor. tests/telegram/test_bot_api_contract.py checks that
this path sends exactly what `Bot.send_message` sends and fails the same way, so a PTB upgrade
that changes either fails loudly there instead of quietly here.
"""

from __future__ import annotations

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter


async def post(bot: Bot, method: str, parameters: dict[str, object]) -> object:
    """Call `method` with JSON-able `parameters` (None values left out); Telegram's result.

    Failures are PTB's own `TelegramError`s, exactly as from the typed methods.
    """
    data = RequestData(
        [RequestParameter.from_input(k, v) for k, v in parameters.items() if v is not None]
    )
    return await bot.request.post(f"{bot.base_url}/{method}", data)


async def send_text(
    bot: Bot, chat_id: int, text: str, reply_markup: dict[str, object] | None = None
) -> int:
    """sendMessage as plain text (never markup); Telegram's message id."""
    message = await post(
        bot, "sendMessage", {"chat_id": chat_id, "text": text, "reply_markup": reply_markup}
    )
    message_id = message.get("message_id") if isinstance(message, dict) else None
    if not isinstance(message_id, int):
        raise TelegramError("Telegram answered sendMessage without a message id")
    return message_id
