"""A Telegram Bot API emulator for the tests: the real PTB client talks to it over HTTP.

async with running_emulator(token="123:ABC") as emulator:
    bot = telegram.Bot("123:ABC", base_url=emulator.base_url)
    await emulator.send_text(User(7, "Anna", language_code="sv"), "/start")
    replies = await emulator.wait_for_messages(7, 1)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tools.emulator.emulator import SEND_METHODS, BotApiEmulator, scope_key
from tools.emulator.limits import FAULT_KINDS, FaultConfig, FaultKind
from tools.emulator.markup import MarkupError, parse_text, utf16_len
from tools.emulator.state import (
    Button,
    CallbackAnswer,
    Chat,
    IncomingMessage,
    RequestRecord,
    SendRecord,
    SentMessage,
    StoredFile,
    User,
    WebhookInfo,
)

DEFAULT_TOKEN = "123456789:TEST-token-for-the-emulator"


@asynccontextmanager
async def running_emulator(
    token: str = DEFAULT_TOKEN, **options: Any
) -> AsyncIterator[BotApiEmulator]:
    """Start a BotApiEmulator on a free port for the duration of the block."""
    emulator = BotApiEmulator(token, **options)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


__all__ = [
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "SEND_METHODS",
    "BotApiEmulator",
    "Button",
    "CallbackAnswer",
    "Chat",
    "FaultConfig",
    "FaultKind",
    "IncomingMessage",
    "MarkupError",
    "RequestRecord",
    "SendRecord",
    "SentMessage",
    "StoredFile",
    "User",
    "WebhookInfo",
    "parse_text",
    "running_emulator",
    "scope_key",
    "utf16_len",
]
