"""Pace outgoing messages: a global rate per sliding one-second window and one message per chat."""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from typing import Protocol


class MonotonicClock(Protocol):
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
    """At most `rate` requests in any window of `window` seconds, as the server counts them.

    The server counts a request when it arrives, somewhere between the moment we start it and
    the moment its answer comes back; requests started evenly can arrive bunched when several
    are in flight. So a request holds its slot in the window from its start until its answer
    (`start` ... `finish`), and counts in the window that ends a `window` after the answer. A new
    request may start only while fewer than `capacity` requests are in flight or answered
    within the last `window`. Then no `capacity + 1` requests can arrive within one window,
    whatever the network delay and whichever clock the server reads: of any such group, the
    last one to start would have seen the others in flight or answered less than a window
    before. The cost is one network round trip per window: 25 per 1.01 s at 10 ms.

    A request refused with 429 was not counted by the server, so it gives its slot back
    (`refused`). Sends are also spaced `window / capacity` apart, so they never go out in bursts.

    Per chat: at most one request in flight, and the next one starts `per_chat_interval` after
    the last answer. A 429 delays only its own chat by `retry_after`, unless `flood_burst`
    429s come within `flood_window` with no other answer in between: that is a flood of
    the whole bot, and every send pauses for the largest `retry_after` among them. (Counting
    429s alone would not do: 2% of refusals at 25/s put three in one second a few times a
    minute.)
    """

    def __init__(
        self,
        rate: float,
        *,
        window: float = 1.0,
        per_chat_interval: float = 1.0,
        flood_burst: int = 3,
        flood_window: float = 1.0,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if rate * window >= 1:
            self.capacity = math.floor(rate * window)
            self.window = window
        else:
            self.capacity = 1
            self.window = 1 / rate
        self.spacing = self.window / self.capacity
        self.per_chat_interval = per_chat_interval
        self.flood_burst = flood_burst
        self.flood_window = flood_window
        self._answered: deque[float] = deque()  # answer times within the window, oldest first
        self._in_flight = 0
        self._next_even = -math.inf
        self._paused_until = -math.inf
        self._chat_next: dict[int, float] = {}  # chat -> earliest next start (inf: in flight)
        self._refusals: deque[tuple[float, float]] = deque()  # 429s since the last other answer

    @property
    def in_flight(self) -> int:
        """Requests started and not answered yet."""
        return self._in_flight

    @property
    def paused_until(self) -> float:
        """The end of the current flood pause (in the past when there is none)."""
        return self._paused_until

    def ready_at(self, now: float, *, spaced: bool = True) -> float:
        """The earliest moment the next request may start; `inf` until one in flight answers.

        `spaced=False`: a request that need not keep the even spacing (a reply: a person
        waits), only the window's count and any pause."""
        answered = self._answered
        while answered and answered[0] <= now - self.window:
            answered.popleft()
        earliest = max(now, self._paused_until, self._next_even if spaced else now)
        busy = self._in_flight + len(answered)
        if busy >= self.capacity:
            if self._in_flight >= self.capacity:
                return math.inf
            # Enough answers must leave the window to bring the count below capacity.
            earliest = max(earliest, answered[busy - self.capacity] + self.window)
        return earliest

    def busy(self, now: float) -> int:
        """Requests in flight or answered within the last window: the slots taken at `now`."""
        answered = self._answered
        while answered and answered[0] <= now - self.window:
            answered.popleft()
        return self._in_flight + len(answered)

    def available(self, now: float) -> int:
        """How many requests may start at `now` without waiting (0 or 1: requests are spaced)."""
        return 1 if self.ready_at(now) <= now else 0

    def start(self, now: float, chat_id: int | None = None, *, spaced: bool = True) -> None:
        """Count one request started at `now` (to `chat_id`, when it is a chat message);
        `spaced=False` leaves the even spacing of the others as it was."""
        self._in_flight += 1
        if not spaced:
            if chat_id is not None:
                self._chat_next[chat_id] = math.inf
            return
        # Spacing keeps to a schedule rather than to the last actual send, so a late wake-up of
        # the event loop is caught up instead of lost; the window still caps every second.
        base = self._next_even if self._next_even > now - self.spacing else now
        self._next_even = base + self.spacing
        if chat_id is not None:
            self._chat_next[chat_id] = math.inf

    def finish(self, now: float, chat_id: int | None = None) -> None:
        """The request to `chat_id` was answered at `now` (anything but a 429: it counted)."""
        self._in_flight = max(0, self._in_flight - 1)
        if self._answered and now < self._answered[-1]:
            bisect.insort(self._answered, now)
        else:
            self._answered.append(now)
        if chat_id is not None:
            self._chat_next[chat_id] = now + self.per_chat_interval
        self._refusals.clear()  # any other answer ends a run of 429s

    def refused(self, now: float, retry_after: float, chat_id: int | None = None) -> float:
        """A 429 at `now`: give the slot back; returns when the refused request may be retried.

        One 429 delays its own chat by `retry_after`; `flood_burst` of them within
        `flood_window`, with no other answer in between, pause every send for the largest
        `retry_after` among them.
        """
        self._in_flight = max(0, self._in_flight - 1)
        # The spacing it took is given back too: 2% of refusals would otherwise cost 2% of rate.
        self._next_even -= self.spacing
        retry_at = now + retry_after
        if chat_id is not None:
            self._chat_next[chat_id] = retry_at
        refusals = self._refusals
        refusals.append((now, retry_after))
        while refusals and refusals[0][0] <= now - self.flood_window:
            refusals.popleft()
        if len(refusals) >= self.flood_burst:
            self.pause(now, max(seconds for _, seconds in refusals))
        return max(retry_at, self._paused_until)

    def chat_ready_at(self, chat_id: int, now: float) -> float:
        """The earliest moment a message to `chat_id` may start (`inf` while one is in flight)."""
        ready = self._chat_next.get(chat_id)
        if ready is None:
            return now
        if ready <= now:
            del self._chat_next[chat_id]  # keeps the table as small as the last second's chats
            return now
        return ready

    def pause(self, now: float, seconds: float) -> None:
        """Stop every send for `seconds` (a flood: retry_after then applies to the whole bot)."""
        self._paused_until = max(self._paused_until, now + seconds)

    def forget_idle_chats(self, now: float) -> None:
        """Drop per-chat entries that no longer delay anything, so memory stays bounded."""
        for chat_id in [c for c, t in self._chat_next.items() if t <= now]:
            del self._chat_next[chat_id]
