"""Pace outgoing messages: a global rate per sliding one-second window and one message per chat."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds and a way to wait; tests inject a clock that advances without sleeping."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        """Seconds from `time.monotonic`."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep on the event loop."""
        await asyncio.sleep(max(0.0, seconds))


class RateLimiter:
    """At most `rate` sends in any window of `window` seconds, evenly spaced, plus per-chat spacing.

    Two rules together: sends are spaced `window / capacity` apart (smooth, no bursts that
    Telegram would punish), and a log of the last `capacity` send times is the hard guarantee
    that no window ever holds more. `margin` widens the window a little, so that jitter
    between our clock and the moment the server counts a request cannot push a 26th message
    into a one-second window at 25/s; it costs `margin` of the throughput (2% by default).
    """

    def __init__(
        self,
        rate: float,
        *,
        window: float = 1.0,
        margin: float = 0.02,
        per_chat_interval: float = 1.0,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if rate * window >= 1:
            self.capacity = math.floor(rate * window)
            self.window = window * (1 + margin)
        else:
            self.capacity = 1
            self.window = (1 / rate) * (1 + margin)
        self.spacing = self.window / self.capacity
        self.per_chat_interval = per_chat_interval * (1 + margin)
        self._log: deque[float] = deque(maxlen=self.capacity)
        self._next_even = -math.inf
        self._paused_until = -math.inf
        self._chat_last: dict[int, float] = {}

    def ready_at(self, now: float) -> float:
        """The earliest moment the next send may start (`now` when it may start at once)."""
        earliest = max(now, self._paused_until, self._next_even)
        if len(self._log) >= self.capacity:
            earliest = max(earliest, self._log[0] + self.window)
        return earliest

    def available(self, now: float) -> int:
        """How many sends may start at `now` without waiting (0 or 1: sends are spaced)."""
        return 1 if self.ready_at(now) <= now else 0

    def record(self, now: float, chat_id: int | None = None) -> None:
        """Count one send started at `now` (to `chat_id`, when it is a chat message)."""
        self._log.append(now)
        # Spacing keeps to a schedule rather than to the last actual send, so a late wake-up of
        # the event loop is caught up instead of lost; the log still caps every window.
        base = self._next_even if self._next_even > now - self.spacing else now
        self._next_even = base + self.spacing
        if chat_id is not None:
            self._chat_last[chat_id] = now

    def chat_ready_at(self, chat_id: int, now: float) -> float:
        """The earliest moment a message to `chat_id` may start."""
        last = self._chat_last.get(chat_id)
        if last is None:
            return now
        ready = last + self.per_chat_interval
        if ready <= now:
            del self._chat_last[chat_id]  # keeps the table as small as the last second's chats
            return now
        return ready

    def pause(self, now: float, seconds: float) -> None:
        """Stop every send for `seconds` (Telegram's retry_after applies to the whole bot)."""
        self._paused_until = max(self._paused_until, now + seconds)

    def forget_idle_chats(self, now: float) -> None:
        """Drop per-chat entries older than the interval, so memory stays bounded."""
        cutoff = now - self.per_chat_interval
        for chat_id in [c for c, t in self._chat_last.items() if t <= cutoff]:
            del self._chat_last[chat_id]
