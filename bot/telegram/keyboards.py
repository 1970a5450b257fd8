"""Render the core's buttons as Telegram inline keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import Reply


def inline_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's button rows as an inline keyboard, or None when it has no buttons."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(button.label, url=button.url)
                if button.url is not None
                else InlineKeyboardButton(button.label, callback_data=button.data)
                for button in row
            ]
            for row in reply.buttons
        ]
    )
