"""Record the messages the send budget gave up on, in the database every process shares."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.columns import utcnow
from bot.storage.lost import count_lost

log = logging.getLogger(__name__)


class LostMessages:
    """`record` is the budget's `on_lost`: it cannot wait, so the count is written by a task."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._tasks: set[asyncio.Task[None]] = set()

    def record(self, chat_id: int, reason: str) -> None:
        """Count one lost message (the budget logged it, with a pseudonym of the chat)."""
        task = asyncio.get_running_loop().create_task(self._write(reason))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, reason: str) -> None:
        try:
            async with self._sessions.begin() as session:
                await count_lost(session, utcnow().date(), reason)
        except (SQLAlchemyError, OSError) as exc:  # the log line above stays the record
            log.warning("could not count a lost message (%s): %s", reason, exc)

    async def flush(self) -> None:
        """Wait for the counts being written (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
