"""The outbox's Messenger over PTB's Bot API connection: plain text, buttons, errors translated."""

from __future__ import annotations

import datetime as dt
import warnings

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter  # what Bot._post builds
from telegram.warnings import PTBDeprecationWarning

from scheduler.messenger import (
    Buttons,
    MessageGoneError,
    PermanentSendError,
    RateLimitedError,
    RecipientBlockedError,
    TransientSendError,
)

# Telegram's wording for "nothing to do": the edit or delete already happened (or cannot).
_GONE_MARKERS = (
    "message to delete not found",
    "message to edit not found",
    "message is not modified",
    "message can't be deleted",
    "message can't be edited",
)


def inline_keyboard_json(buttons: Buttons) -> dict[str, object] | None:
    """Rows of core Buttons as Telegram's inline keyboard (Bot API JSON); None for no buttons."""
    if not buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in row] for row in buttons
        ]
    }


def retry_after_seconds(error: RetryAfter) -> float:
    """Seconds Telegram asked us to wait, without PTB's int-vs-timedelta deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def send_plain_text(bot: Bot, chat_id: int, text: str, buttons: Buttons = ()) -> int:
    """sendMessage as plain text (never markup) with optional buttons; Telegram's message id.

    The call goes straight to the bot's request object (`BaseRequest.post`), the step PTB's
    own methods end in, skipping what no caller here needs: PTB objects built for the
    arguments and Telegram's answer parsed into a `Message` of which only the id is used.
    Under load that was about a third of each send's CPU. PTB documents `Bot.request` as not
    for manual use because such calls bypass its `Defaults` and its rate limiter; this bot
    uses neither (scheduler/ratelimit.py paces the outbox). Failures are PTB's own
    `TelegramError`s, exactly as from `Bot.send_message`.
    """
    message = await _post(
        bot,
        "sendMessage",
        {"chat_id": chat_id, "text": text, "reply_markup": inline_keyboard_json(buttons)},
    )
    message_id = message.get("message_id") if isinstance(message, dict) else None
    if not isinstance(message_id, int):
        raise TelegramError("Telegram answered sendMessage without a message id")
    return message_id


class PtbMessenger:
    """Sends through a PTB Bot's connection; every Telegram failure becomes an outbox error."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_text(self, chat_id: int, text: str, buttons: Buttons = ()) -> int:
        """Send plain text with optional buttons; return Telegram's message id."""
        try:
            return await send_plain_text(self._bot, chat_id, text, buttons)
        except TelegramError as exc:
            raise _translate(exc) from exc

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()
    ) -> None:
        """Replace a sent message's text, keeping (or setting) its buttons."""
        parameters = {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "reply_markup": inline_keyboard_json(buttons),
        }
        try:
            await _post(self._bot, "editMessageText", parameters)
        except TelegramError as exc:
            raise _translate(exc) from exc

    async def delete(self, chat_id: int, message_id: int) -> None:
        """Delete a sent message."""
        try:
            await _post(self._bot, "deleteMessage", {"chat_id": chat_id, "message_id": message_id})
        except TelegramError as exc:
            raise _translate(exc) from exc


async def _post(bot: Bot, method: str, parameters: dict[str, object]) -> object:
    data = RequestData(
        [RequestParameter.from_input(k, v) for k, v in parameters.items() if v is not None]
    )
    return await bot.request.post(f"{bot.base_url}/{method}", data)


def _translate(exc: TelegramError) -> Exception:
    if isinstance(exc, RetryAfter):
        return RateLimitedError(retry_after_seconds(exc))
    if isinstance(exc, Forbidden):
        return RecipientBlockedError(exc.message)
    if isinstance(exc, BadRequest):  # a NetworkError subclass in PTB, but never worth a retry
        if any(marker in exc.message.lower() for marker in _GONE_MARKERS):
            return MessageGoneError(exc.message)
        return PermanentSendError(exc.message)
    if isinstance(exc, NetworkError):
        return TransientSendError(exc.message)
    return PermanentSendError(exc.message)
