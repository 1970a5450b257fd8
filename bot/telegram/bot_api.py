"""The light Bot API path: plain JSON calls on PTB's connection, without PTB objects.

`post` builds PTB's `RequestData` from plain values and hands it to the bot's request object
(`BaseRequest.post`), the step PTB's own methods end in. It skips what no caller here needs:
PTB objects built for the arguments, and Telegram's answer parsed into a `Message` of which only
the id is used; under load that was about a third of each send's CPU. The call still passes the
bot's request object, so the send budget (bot/telegram/request.py) applies to it as to any other.

PTB builds `RequestData` from its private `RequestParameter`s; `JsonRequestData` is a public
subclass that holds plain JSON values instead and encodes them the way PTB's parameters do
(a string as it is, anything else as JSON). tests/telegram/test_bot_api_contract.py checks that
this path sends exactly what `Bot.send_message` sends and fails the same way, so a PTB upgrade
that changes either fails loudly there instead of quietly here.
"""

from __future__ import annotations

import json

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import RequestData


# RequestData is marked final for type checkers only; the contract test pins what this sends.
class JsonRequestData(RequestData):  # type: ignore[misc]
    """Request data of plain JSON values (no files), encoded as PTB encodes its parameters."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, object]) -> None:
        super().__init__()
        self._values = {name: value for name, value in values.items() if value is not None}

    @property
    def parameters(self) -> dict[str, str | int | list[object] | dict[object, object]]:
        """The values as given (None ones left out)."""
        return dict(self._values)  # type: ignore[arg-type]

    @property
    def json_parameters(self) -> dict[str, str]:
        """Each value JSON-encoded, a string as it is: what PTB's `RequestParameter` does."""
        return {
            name: value if isinstance(value, str) else json.dumps(value)
            for name, value in self._values.items()
        }

    @property
    def json_payload(self) -> bytes:
        """The body of the POST."""
        return json.dumps(self.json_parameters).encode("utf-8")


async def post(bot: Bot, method: str, parameters: dict[str, object]) -> object:
    """Call `method` with JSON-able `parameters` (None values left out); Telegram's result.

    Failures are PTB's own `TelegramError`s, exactly as from the typed methods.
    """
    return await bot.request.post(f"{bot.base_url}/{method}", JsonRequestData(parameters))


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
