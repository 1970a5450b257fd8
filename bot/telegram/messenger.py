"""The outbox's Messenger over PTB's Bot: plain text, inline buttons, Telegram errors translated."""

from __future__ import annotations

import datetime as dt
import warnings

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
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


def inline_keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """Rows of core Buttons as Telegram's inline keyboard; None for no buttons."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )


def retry_after_seconds(error: RetryAfter) -> float:
    """Seconds Telegram asked us to wait, without PTB's int-vs-timedelta deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class PtbMessenger:
    """Sends through a PTB Bot; every Telegram failure becomes one of the outbox's errors."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_text(self, chat_id: int, text: str, buttons: Buttons = ()) -> int:
        """Send plain text with optional buttons; return Telegram's message id."""
        try:
            message = await self._bot.send_message(
                chat_id, text, reply_markup=inline_keyboard(buttons)
            )
        except TelegramError as exc:
            raise _translate(exc) from exc
        return message.message_id

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()
    ) -> None:
        """Replace a sent message's text, keeping (or setting) its buttons."""
        try:
            await self._bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=inline_keyboard(buttons)
            )
        except TelegramError as exc:
            raise _translate(exc) from exc

    async def delete(self, chat_id: int, message_id: int) -> None:
        """Delete a sent message."""
        try:
            await self._bot.delete_message(chat_id, message_id)
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
