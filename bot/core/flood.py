"""Per-chat flood control: a sliding one-minute window, one polite notice, then silence.

Two gates with one behaviour: `FloodGate` counts in this process's memory, which is right where
this process is the only one answering (the embedded SQLite database allows one process);
`SharedFloodGate` counts in the database, so that with several processes behind a load balancer
the limit holds for the bot as a whole and not once per process.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import flood as store

WINDOW = dt.timedelta(minutes=1)


class Verdict(enum.Enum):
    """What to do with one incoming message."""

    ALLOW = "allow"
    NOTICE = "notice"  # over the limit for the first time: say so once
    DROP = "drop"  # still over the limit: stay silent


class Gate(Protocol):
    """What the residents' service needs from a flood gate."""

    async def admit(self, chat_id: int) -> Verdict:
        """Count one message from `chat_id` and say whether to answer it."""
        ...

    def forget(self, chat_id: int) -> None:
        """Drop what this process remembers about `chat_id` (after /forget)."""
        ...

    async def tidy(self) -> None:
        """Free what no longer counts (chats quiet for a whole window)."""
        ...


def verdict(count: int, limit: int, *, noticed: bool) -> Verdict:
    """The verdict for a chat's `count`-th message in the window."""
    if count <= limit:
        return Verdict.ALLOW
    return Verdict.DROP if noticed else Verdict.NOTICE


@dataclass
class _Chat:
    times: deque[dt.datetime] = field(default_factory=deque)
    noticed: bool = False


class FloodGate:
    """Counts each chat's messages over the last minute against `limit`.

    Dropped messages count too, so a resident who keeps hammering stays silenced until the
    minute behind them is calm; that is the point of the gate.
    """

    def __init__(
        self, limit: int, clock: Callable[[], dt.datetime], window: dt.timedelta = WINDOW
    ) -> None:
        if limit < 1:
            raise ValueError("the flood limit must be at least 1")
        self._limit = limit
        self._clock = clock
        self._window = window
        self._chats: dict[int, _Chat] = {}

    def check(self, chat_id: int) -> Verdict:
        """Record one message from `chat_id` and say whether to answer it."""
        now = self._clock()
        chat = self._chats.setdefault(chat_id, _Chat())
        self._expire(chat, now)
        chat.times.append(now)
        result = verdict(len(chat.times), self._limit, noticed=chat.noticed)
        chat.noticed = result is not Verdict.ALLOW
        return result

    async def admit(self, chat_id: int) -> Verdict:
        """`check`, as the `Gate` the residents' service awaits."""
        return self.check(chat_id)

    async def tidy(self) -> None:
        """`sweep`, as the `Gate` the housekeeping job awaits."""
        self.sweep()

    def forget(self, chat_id: int) -> None:
        """Drop what the gate remembers about `chat_id` (after /forget)."""
        self._chats.pop(chat_id, None)

    def sweep(self) -> None:
        """Free the memory of chats that have been quiet for a whole window."""
        now = self._clock()
        for chat_id, chat in list(self._chats.items()):
            self._expire(chat, now)
            if not chat.times:
                del self._chats[chat_id]

    def __len__(self) -> int:
        return len(self._chats)

    def _expire(self, chat: _Chat, now: dt.datetime) -> None:
        while chat.times and now - chat.times[0] >= self._window:
            chat.times.popleft()


class SharedFloodGate:
    """The same gate with its count in the database, shared by every process (PostgreSQL).

    One row per message, kept a minute (bot/storage/flood.py); the chat's row count decides. The
    notice goes with the message that first passes the limit, which one process alone counts.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        limit: int,
        clock: Callable[[], dt.datetime],
        window: dt.timedelta = WINDOW,
    ) -> None:
        if limit < 1:
            raise ValueError("the flood limit must be at least 1")
        self._sessions = sessions
        self._limit = limit
        self._clock = clock
        self._window = window

    async def admit(self, chat_id: int) -> Verdict:
        """Count one message from `chat_id` in the database and say whether to answer it."""
        async with self._sessions.begin() as session:
            count = await store.count_message(session, chat_id, self._clock(), self._window)
        return verdict(count, self._limit, noticed=count > self._limit + 1)

    def forget(self, chat_id: int) -> None:
        """Nothing in memory: /forget deletes the chat's rows with the rest of its data."""

    async def tidy(self) -> None:
        """Delete the rows of chats that have been quiet for a whole window."""
        async with self._sessions.begin() as session:
            await store.prune_flood(session, self._clock() - self._window)
