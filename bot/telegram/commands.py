"""The command menus Telegram shows, generated from the dialogue's commands and texts.yaml."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bot.content import Texts
from bot.core.dialogue import available_commands
from bot.domain import Lang


def command_menu(texts: Texts, lang: Lang, *, ask_staff: bool = False) -> list[BotCommand]:
    """/start, then every command under its name in `lang` (Swedish aliases for Swedish)."""
    menu = [BotCommand("start", texts.get("command_start", lang))]
    for command in available_commands(ask_staff=ask_staff):
        name = command.alias if lang == "sv" else command.name
        menu.append(BotCommand(name, texts.get(command.description_key, lang)))
    return menu


async def set_command_menus(bot: Bot, texts: Texts, *, ask_staff: bool = False) -> None:
    """Swedish for everyone by default; English for Telegram apps set to English."""
    await bot.set_my_commands(command_menu(texts, "sv", ask_staff=ask_staff))
    await bot.set_my_commands(command_menu(texts, "en", ask_staff=ask_staff), language_code="en")
