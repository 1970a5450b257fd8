"""The contract of the light Bot API path (bot/telegram/bot_api.py) with python-telegram-bot.

bot_api.py is the one module allowed to use a private PTB module. These tests fail loudly when a
PTB upgrade changes what it relies on: the light path must send exactly what `Bot.send_message`
sends and fail with the same errors. The last test keeps every other module on PTB's public API.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.domain import Button
from bot.telegram.messenger import send_plain_text
from tools.emulator import BotApiEmulator, running_emulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123123123:AAE-contract-test"
ANNA = 4242


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with running_emulator(TOKEN) as emulator:
        emulator.user(ANNA)
        yield emulator


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emulator.base_url) as bot:
        yield bot


async def test_the_light_path_sends_what_send_message_sends(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    text = "Hej <b>inte fet</b> & *inte kursiv* 🙂"
    typed = await bot.send_message(
        ANNA,
        text,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Ja", callback_data="y"),
                    InlineKeyboardButton("Nej", callback_data="n"),
                ]
            ]
        ),
    )
    light = await send_plain_text(bot, ANNA, text, ((Button("Ja", "y"), Button("Nej", "n")),))
    first, second = emulator.messages(ANNA)
    assert light == typed.message_id + 1 == second.message_id
    for field in ("text", "source_text", "parse_mode", "entities", "reply_markup"):
        assert getattr(first, field) == getattr(second, field), field
    assert second.parse_mode is None  # plain text: never markup


async def test_the_light_path_fails_as_send_message_fails(
    bot: Bot, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    for kind, error in (("429", RetryAfter), ("drop", Exception)):
        emulator.script_faults(kind, count=2, methods=["sendMessage"])
        with pytest.raises(error) as typed:
            await bot.send_message(ANNA, "hej")
        with pytest.raises(error) as light:
            await send_plain_text(bot, ANNA, "hej")
        assert type(typed.value) is type(light.value)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await send_plain_text(bot, ANNA, " ")
    await emulator.block(ANNA)
    with pytest.raises(Forbidden, match="blocked"):
        await send_plain_text(bot, ANNA, "hej")


def test_no_module_imports_a_private_telegram_module() -> None:
    """Not even bot_api.py: its request body is a public subclass of PTB's RequestData."""
    private = re.compile(r"^\s*(from|import)\s+telegram(\.\w+)*\._", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bot", "scheduler", "bench", "tests", "tools")
        for path in (ROOT / folder).rglob("*.py")
        if private.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
