"""Which chats have a survey in progress, remembered by the database's sole writer.

Every free-text message asks "is a survey question waiting for this?". Reading the database for
that on every message halves the bot's throughput on SQLite, whose one connection the question
log also writes through. Only a process that is the database's sole writer (SQLite's instance
lock: bot/instance_lock.py) may remember the answer, since every participation then begins and
ends in this process. It is loaded once, lazily, and corrects itself: a chat it still holds
after /forget or a closed survey costs one read, which then drops it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.surveys import unfinished_chats


class InProgress:
    """The chats with an unfinished participation (None until first loaded)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._chats: set[int] | None = None

    async def maybe(self, chat_id: int) -> bool:
        """False only when `chat_id` certainly has no survey in progress."""
        if self._chats is None:
            async with self._sessions() as session:
                self._chats = await unfinished_chats(session)
        return chat_id in self._chats

    def began(self, chat_id: int) -> None:
        """A participation of `chat_id` began."""
        if self._chats is not None:
            self._chats.add(chat_id)

    def none_left(self, chat_id: int) -> None:
        """The database shows no unfinished participation of `chat_id` (any more)."""
        if self._chats is not None:
            self._chats.discard(chat_id)
