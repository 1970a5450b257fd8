"""The outbox's Messenger over PTB's Bot API connection: plain text, buttons, errors translated."""

from __future__ import annotations

import datetime as dt
import warnings

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.domain import Buttons
from bot.ports import (
    MessageGoneError,
    PermanentSendError,
    RateLimitedError,
    RecipientBlockedError,
    TransientSendError,
)
from bot.telegram import bot_api
from bot.telegram.request import GONE_MARKERS


def inline_keyboard_json(buttons: Buttons) -> dict[str, object] | None:
    """Rows of core Buttons as Telegram's inline keyboard (Bot API JSON); None for no buttons."""
    if not buttons:
        return None
    return {
        "inline_keyboard": [
            [
                {"text": b.label, "url": b.url}
                if b.url is not None
                else {"text": b.label, "callback_data": b.data}
                for b in row
            ]
            for row in buttons
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

    The light path (bot/telegram/bot_api.py): no PTB objects built or parsed for a message whose
    id is all anyone reads. Failures are PTB's own `TelegramError`s.
    """
    return await bot_api.send_text(bot, chat_id, text, inline_keyboard_json(buttons))


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
            await bot_api.post(self._bot, "editMessageText", parameters)
        except TelegramError as exc:
            raise _translate(exc) from exc

    async def delete(self, chat_id: int, message_id: int) -> None:
        """Delete a sent message."""
        try:
            await bot_api.post(
                self._bot, "deleteMessage", {"chat_id": chat_id, "message_id": message_id}
            )
        except TelegramError as exc:
            raise _translate(exc) from exc


def _translate(exc: TelegramError) -> Exception:
    if isinstance(exc, RetryAfter):
        return RateLimitedError(retry_after_seconds(exc))
    if isinstance(exc, Forbidden):
        return RecipientBlockedError(exc.message)
    if isinstance(exc, BadRequest):  # a NetworkError subclass in PTB, but never worth a retry
        if any(marker in exc.message.lower() for marker in GONE_MARKERS):
            return MessageGoneError(exc.message)
        return PermanentSendError(exc.message)
    if isinstance(exc, NetworkError):
        return TransientSendError(exc.message)
    return PermanentSendError(exc.message)
