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


@dataclass
class RateLimits:
    """Flood control; every limit is None (off) by default, like a quiet Telegram."""

    global_per_second: float | None = None
    per_chat_per_second: float | None = None
    _global: SlidingWindow | None = field(default=None, init=False, repr=False)
    _chats: dict[int, SlidingWindow] = field(default_factory=dict, init=False, repr=False)

    def check(self, chat_id: int, now: float) -> int:
        """0 if a send to `chat_id` is allowed now (and count it), else retry_after seconds."""
        waits: list[float] = []
        global_window = None
        chat_window = None
        if self.global_per_second:
            if self._global is None or self._global.limit != self.global_per_second:
                self._global = SlidingWindow(self.global_per_second)
            global_window = self._global
            waits.append(global_window.retry_after(now))
        if self.per_chat_per_second:
            chat_window = self._chats.get(chat_id)
            if chat_window is None or chat_window.limit != self.per_chat_per_second:
                chat_window = self._chats[chat_id] = SlidingWindow(self.per_chat_per_second)
            waits.append(chat_window.retry_after(now))
        wait = max(waits, default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for window in (global_window, chat_window):
            if window is not None:
                window.record(now)
        return 0

    def reset(self) -> None:
        """Forget every counted send."""
        self._global = None
        self._chats.clear()


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
