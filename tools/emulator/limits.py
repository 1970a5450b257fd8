"""Telegram's flood limits (sliding one-second windows) and seeded fault injection."""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["429", "500", "502", "timeout", "drop"]
FAULT_KINDS: tuple[FaultKind, ...] = ("429", "500", "502", "timeout", "drop")


class SlidingWindow:
    """At most `limit` events in any `window` seconds; reports how long to wait otherwise."""

    def __init__(self, limit: float, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self._events: deque[float] = deque()

    def retry_after(self, now: float) -> float:
        """0 when an event may happen at `now`, else seconds until it may."""
        while self._events and self._events[0] <= now - self.window:
            self._events.popleft()
        if len(self._events) < self.limit:
            return 0.0
        # The oldest event that must leave the window before there is room again.
        blocking = self._events[len(self._events) - int(self.limit)]
        return blocking + self.window - now

    def record(self, now: float) -> None:
        """Count an event at `now`."""
        self._events.append(now)


class TokenBucket:
    """`burst` events at once, then `rate` a second: Telegram's "one a second, short bursts"."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = -math.inf

    def retry_after(self, now: float) -> float:
        """0 when an event may happen at `now`, else seconds until it may."""
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def record(self, now: float) -> None:
        """Count an event at `now`."""
        self._refill(now)
        self._tokens -= 1

    def _refill(self, now: float) -> None:
        if self._at == -math.inf:
            self._at = now
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now


# Telegram's limits, as its Bot FAQ states them: about 30 messages a second overall, one a second
# to one private chat (short bursts allowed: the emulator lets 5 through at once), 20 a minute to
# one group. Telegram does not publish the burst; 5 is an assumption a bot must not rely on.
TELEGRAM_GLOBAL_PER_SECOND = 30.0
TELEGRAM_PER_CHAT_PER_SECOND = 1.0
TELEGRAM_PER_CHAT_BURST = 5
TELEGRAM_GROUP_PER_MINUTE = 20.0


@dataclass
class RateLimits:
    """Flood control, on by default with Telegram's limits; None switches one off.

    Private chats (positive ids) get a token bucket (`per_chat_burst` at once, then
    `per_chat_per_second`); groups (negative ids) a sliding one-minute window of
    `group_per_minute`; every send counts in the global one-second window.
    """

    global_per_second: float | None = TELEGRAM_GLOBAL_PER_SECOND
    per_chat_per_second: float | None = TELEGRAM_PER_CHAT_PER_SECOND
    per_chat_burst: int = TELEGRAM_PER_CHAT_BURST
    group_per_minute: float | None = TELEGRAM_GROUP_PER_MINUTE
    _global: SlidingWindow | None = field(default=None, init=False, repr=False)
    _chats: dict[int, TokenBucket] = field(default_factory=dict, init=False, repr=False)
    _groups: dict[int, SlidingWindow] = field(default_factory=dict, init=False, repr=False)

    def check(self, chat_id: int, now: float) -> int:
        """0 if a send to `chat_id` is allowed now (and count it), else retry_after seconds."""
        windows: list[SlidingWindow | TokenBucket] = []
        if self.global_per_second:
            if self._global is None or self._global.limit != self.global_per_second:
                self._global = SlidingWindow(self.global_per_second)
            windows.append(self._global)
        if chat_id < 0 and self.group_per_minute:
            group = self._groups.get(chat_id)
            if group is None or group.limit != self.group_per_minute:
                group = self._groups[chat_id] = SlidingWindow(self.group_per_minute, 60.0)
            windows.append(group)
        elif chat_id >= 0 and self.per_chat_per_second:
            bucket = self._chats.get(chat_id)
            if (
                bucket is None
                or bucket.rate != self.per_chat_per_second
                or bucket.burst != self.per_chat_burst
            ):
                bucket = TokenBucket(self.per_chat_per_second, self.per_chat_burst)
                self._chats[chat_id] = bucket
            windows.append(bucket)
        wait = max((window.retry_after(now) for window in windows), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for window in windows:
            window.record(now)
        return 0

    def configure(
        self,
        *,
        global_per_second: float | None,
        per_chat_per_second: float | None,
        per_chat_burst: int,
        group_per_minute: float | None,
    ) -> None:
        """Replace the limits and forget every counted send."""
        self.global_per_second = global_per_second
        self.per_chat_per_second = per_chat_per_second
        self.per_chat_burst = per_chat_burst
        self.group_per_minute = group_per_minute
        self.reset()

    def reset(self) -> None:
        """Forget every counted send."""
        self._global = None
        self._chats.clear()
        self._groups.clear()


@dataclass
class FaultConfig:
    """Random faults for the reliability suite: a seeded fraction of requests fails.

    `rate` is the fraction of eligible requests that fail, each with a kind drawn from `kinds`.
    `methods` limits which Bot API methods are eligible (lower-case names; None = all).
    `after_processing` makes 5xx/timeout/drop faults happen after the method took effect (the
    message is stored but the bot never learns it), to exercise the documented in-flight window;
    by default a faulted request changes nothing.
    """

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[FaultKind, ...] = FAULT_KINDS
    methods: frozenset[str] | None = None
    retry_after: int = 1
    timeout_hold: float = 30.0
    after_processing: bool = False


@dataclass
class _Scripted:
    kind: FaultKind
    remaining: int
    methods: frozenset[str] | None


class FaultInjector:
    """Decides, request by request, whether to fail it and how."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.config = config or FaultConfig()
        self._random = random.Random(self.config.seed)
        self._scripted: deque[_Scripted] = deque()

    def configure(self, config: FaultConfig) -> None:
        """Replace the random fault settings (re-seeding the generator)."""
        self.config = config
        self._random = random.Random(config.seed)

    def script(self, kind: FaultKind, count: int, methods: Iterable[str] | None) -> None:
        """Fail the next `count` matching requests with `kind`, before any random fault."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        names = frozenset(m.lower() for m in methods) if methods is not None else None
        self._scripted.append(_Scripted(kind, count, names))

    def clear(self) -> None:
        """Drop scripted faults and switch random faults off."""
        self._scripted.clear()
        self.configure(FaultConfig())

    def pick(self, method: str) -> FaultKind | None:
        """The fault for this request, or None to serve it normally."""
        for entry in self._scripted:
            if entry.methods is None or method in entry.methods:
                entry.remaining -= 1
                if entry.remaining <= 0:
                    self._scripted.remove(entry)
                return entry.kind
        config = self.config
        if config.rate <= 0 or (config.methods is not None and method not in config.methods):
            return None
        if self._random.random() >= config.rate:
            return None
        return self._random.choice(config.kinds)


Clock = Callable[[], float]
