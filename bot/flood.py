"""Per-chat flood control: a sliding one-minute window, one polite notice, then silence."""

from __future__ import annotations

import datetime as dt
import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW = dt.timedelta(minutes=1)


class Verdict(enum.Enum):
    """What to do with one incoming message."""

    ALLOW = "allow"
    NOTICE = "notice"  # over the limit for the first time: say so once
    DROP = "drop"  # still over the limit: stay silent


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
        if len(chat.times) <= self._limit:
            chat.noticed = False
            return Verdict.ALLOW
        if chat.noticed:
            return Verdict.DROP
        chat.noticed = True
        return Verdict.NOTICE

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
