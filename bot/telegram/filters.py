"""Message filters: whether a message in a group is addressed to the bot, and reading it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from telegram import Message, MessageEntity
from telegram.constants import ChatType
from telegram.ext.filters import MessageFilter


class Addressed(MessageFilter):
    """Private messages, and group messages meant for this bot.

    In a group the bot only answers a command with its @name (`/help@omradesbot`), a reply to
    one of its messages, or a message mentioning it. Staff members' commands pass without the
    @name, so staff commands work in the staff group as in a private chat.
    """

    __slots__ = ("_staff_ids",)

    def __init__(self, staff_ids: Iterable[int] = ()) -> None:
        super().__init__(name="Addressed")
        self._staff_ids = frozenset(staff_ids)

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        username = (bot.username or "").lower()
        for entity, text in message.parse_entities(
            [MessageEntity.BOT_COMMAND, MessageEntity.MENTION]
        ).items():
            if entity.type == MessageEntity.MENTION and text[1:].lower() == username:
                return True
            if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
                _, _, target = text.partition("@")
                if target.lower() == username:
                    return True
                user = message.from_user
                if not target and user is not None and user.id in self._staff_ids:
                    return True
        return False


def without_mention(text: str, username: str | None) -> str:
    """The text with the bot's @name removed, so '@omradesbot när börjar det?' is a question."""
    if not username:
        return text.strip()
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()
