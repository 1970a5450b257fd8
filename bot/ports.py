"""The port to a chat platform: three calls and the failures a caller must tell apart.

The core (tickets) and the delivery scheduler (outbox sender) send through a `Messenger`;
bot/telegram/messenger.py implements it over PTB, tests over the emulator.

DeliveryError                   base; the sender decides retry, block or give up from the type
├── RateLimitedError            429: wait `retry_after` seconds, then retry the same message
├── RecipientBlockedError       403: blocked or deactivated; stop writing to this resident
├── MessageGoneError            edit/delete of a message that no longer exists or is unchanged
├── TransientSendError          network trouble or a server error: retry with backoff
└── PermanentSendError          any other refusal (400): retrying would not help
"""

from __future__ import annotations

from typing import Protocol

from bot.domain import Buttons
from bot.errors import OmradesbotError


class DeliveryError(OmradesbotError):
    """A message could not be delivered; the subclass says why."""


class RateLimitedError(DeliveryError):
    """Telegram asked the bot to slow down."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"rate limited: retry after {retry_after:g} s")


class RecipientBlockedError(DeliveryError):
    """The resident blocked the bot or deleted their account."""


class MessageGoneError(DeliveryError):
    """The message to edit or delete is already gone (or already says this)."""


class TransientSendError(DeliveryError):
    """Worth another try later."""


class PermanentSendError(DeliveryError):
    """Not worth another try."""


class Messenger(Protocol):
    """What the core and the outbox need from a chat platform; PTB's Bot is wrapped in
    bot/telegram/messenger.py."""

    async def send_text(self, chat_id: int, text: str, buttons: Buttons = ()) -> int:
        """Send plain text (never markup) with optional button rows; return the message id."""
        ...

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()
    ) -> None:
        """Replace the text (and buttons) of a message the bot sent."""
        ...

    async def delete(self, chat_id: int, message_id: int) -> None:
        """Delete a message the bot sent."""
        ...
