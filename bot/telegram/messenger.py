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


def inline_keyboard(buttons: Buttons) -> dict[str, object] | None:
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


class PtbMessenger:
    """Sends through a PTB Bot's connection; every Telegram failure becomes an outbox error.

    The calls go straight to the bot's request object (`BaseRequest.post`), the step PTB's
    own methods end in, skipping what the outbox does not need: building PTB objects for the
    arguments and parsing Telegram's answer into a `Message` (only its id is kept). Under a
    broadcast that was about a third of each send's CPU. PTB documents `Bot.request` as not
    for manual use because such calls bypass its `Defaults` and its rate limiter; this bot
    uses neither (scheduler/ratelimit.py paces the outbox). Errors are PTB's own, so 429, 403
    and 400 are told apart exactly as for any PTB call.
    """

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_text(self, chat_id: int, text: str, buttons: Buttons = ()) -> int:
        """Send plain text with optional buttons; return Telegram's message id."""
        message = await self._post(
            "sendMessage",
            {"chat_id": chat_id, "text": text, "reply_markup": inline_keyboard(buttons)},
        )
        message_id = message.get("message_id") if isinstance(message, dict) else None
        if not isinstance(message_id, int):
            raise PermanentSendError("Telegram answered sendMessage without a message id")
        return message_id

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()
    ) -> None:
        """Replace a sent message's text, keeping (or setting) its buttons."""
        await self._post(
            "editMessageText",
            {
                "chat_id": chat_id,
                "message_id": message_id,
                "text": text,
                "reply_markup": inline_keyboard(buttons),
            },
        )

    async def delete(self, chat_id: int, message_id: int) -> None:
        """Delete a sent message."""
        await self._post("deleteMessage", {"chat_id": chat_id, "message_id": message_id})

    async def _post(self, method: str, parameters: dict[str, object]) -> object:
        data = RequestData(
            [RequestParameter.from_input(k, v) for k, v in parameters.items() if v is not None]
        )
        try:
            return await self._bot.request.post(f"{self._bot.base_url}/{method}", data)
        except TelegramError as exc:
            raise _translate(exc) from exc


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
