"""The send budget: one gate for every message the bot sends, replies first, in Telegram's limits.

Everything that reaches a chat (a reply, a picture, a ticket relayed to the staff, a broadcast
delivery, a reminder, a correction) takes a permit here before its request starts and gives it
back when the answer comes. The budget keeps:

- the bot's total rate (`OMRADESBOT_SEND_RATE`, 30 a second by default) as Telegram counts it,
  through a `Window`: `LocalWindow` (scheduler/ratelimit.py's sliding window) for one process,
  `SharedWindow` (scheduler/shared_budget.py, a ledger in PostgreSQL) for all processes together;
- one request in flight per chat, so a chat's messages arrive in the order they were sent;
- pushes (`Priority.PUSH`: the outbox) at most one a second per chat, counted from the chat's
  last answer, replies included; replies go as soon as the chat has nothing in flight (each
  answers a message of the resident's, whose pace the flood gate bounds; Telegram allows short
  bursts);
- groups (negative chat ids) at most `group_per_minute` sends in any minute, whatever the kind;
- pushes at most `push_rate` a second when set (`OMRADESBOT_BROADCAST_RATE`): a share of the
  total the operator gives the broadcast at most, the rest kept for replies;
- replies before pushes: a waiting reply takes the next free slot, the broadcast takes the rest,
  and leaves a few slots free for the replies the last moments suggest are coming (a quarter
  of a second's worth, at most a quarter of the window): a slot a push takes is held for a
  second, so a broadcast that filled every slot would make the next burst of replies wait.

`send` adds the retry policy for replies: a 429 waits `retry_after` (only that chat, unless
429s come in a burst: then everything pauses) and tries again, a network error or a 5xx backs
off and tries again, both within a bound; what still fails is logged and counted
(`on_lost`), never dropped silently. Pushes are retried by the outbox itself, durably.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from bot.logids import chat_pseudonym
from scheduler.ratelimit import MonotonicClock, RateLimiter, SystemClock

log = logging.getLogger(__name__)

T = TypeVar("T")

GROUP_WINDOW = 60.0
# Replies granted within this many seconds, plus those waiting, are the slots pushes leave free.
RESERVE_HORIZON = 0.25
# Replies: how often and for how long a reply is tried before it counts as lost.
MAX_REPLY_ATTEMPTS = 10
MAX_REPLY_SECONDS = 120.0
TRANSIENT_BACKOFF = (0.5, 1.0, 2.0, 4.0)  # then it is lost: about 7.5 s of network trouble


class Priority(enum.IntEnum):
    """Who waits for a message: a person now (REPLY) or nobody in particular (PUSH)."""

    REPLY = 0
    PUSH = 1


class Outcome(enum.Enum):
    """What one attempt at a send came to, as far as retrying goes."""

    SENT = "sent"  # Telegram took it (or refused it for good reasons of its own: see below)
    RATE_LIMITED = "rate_limited"  # 429: try again after retry_after
    TRANSIENT = "transient"  # network trouble or 5xx: try again after a pause
    BLOCKED = "blocked"  # 403: the resident blocked the bot
    REFUSED = "refused"  # any other 4xx: retrying would not help


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """One attempt: its outcome, and what `send` hands back (a value, or an error to raise)."""

    outcome: Outcome
    value: T | None = None
    error: BaseException | None = None
    retry_after: float = 0.0
    detail: str = ""  # what Telegram said, for the log when the message is given up


class Window(Protocol):
    """The overall rate, as Telegram counts it: local to this process or shared by all."""

    synchronous: bool  # True when `try_start` never waits (then no task switch is needed)

    async def try_start(self, chat_id: int, priority: Priority, reply_demand: int) -> float:
        """Take a slot for a send to `chat_id` now (0.0), or say how many seconds until it may
        be tried again (`inf`: until a send in flight is answered). Negative: only this chat
        must wait that long (another process is sending to it); other chats may go.

        `reply_demand`: replies waiting here plus those granted in the last moment; a push
        leaves that many slots free (at most a quarter of the window)."""
        ...

    def finish(self, chat_id: int) -> None:
        """The send to `chat_id` was answered (it counted)."""
        ...

    def refused(self, chat_id: int, retry_after: float) -> float:
        """The send to `chat_id` got a 429 (it did not count); when all sends may go again."""
        ...


class LocalWindow:
    """One process's sliding window (scheduler/ratelimit.py): enough wherever one process sends."""

    synchronous = True

    def __init__(self, rate: float, clock: MonotonicClock) -> None:
        self.limiter = RateLimiter(rate)
        self._clock = clock

    async def try_start(self, chat_id: int, priority: Priority, reply_demand: int) -> float:
        """Start now when the window has room (leaving replies theirs), else the wait."""
        now = self._clock.monotonic()
        # Pushes keep an even spacing (no bursts); a reply only needs room in the window.
        spaced = priority is Priority.PUSH
        ready = self.limiter.ready_at(now, spaced=spaced)
        if ready > now:
            return ready - now
        if spaced and reply_demand:
            reserve = min(reply_demand, self.limiter.capacity // 4)
            if self.limiter.busy(now) + reserve >= self.limiter.capacity:
                return RESERVE_HORIZON / 5
        self.limiter.start(now, spaced=spaced)
        return 0.0

    def ready_in(self) -> float:
        """Seconds until the window may have room for a reply (0: now; inf: until an answer)."""
        now = self._clock.monotonic()
        return max(0.0, self.limiter.ready_at(now, spaced=False) - now)

    def full_in_flight(self) -> bool:
        """True while every slot is in flight: an answer, not time, frees the next."""
        return self.limiter.in_flight >= self.limiter.capacity

    def finish(self, chat_id: int) -> None:
        """Count the answer in the window."""
        self.limiter.finish(self._clock.monotonic())

    def refused(self, chat_id: int, retry_after: float) -> float:
        """Give the slot back; a burst of 429s pauses every send."""
        now = self._clock.monotonic()
        paused_before = self.limiter.paused_until
        self.limiter.refused(now, retry_after)
        if self.limiter.paused_until > max(paused_before, now):
            log.warning("429 flood: pausing all sends %.1f s", self.limiter.paused_until - now)
        return self.limiter.paused_until


@dataclass
class _Chat:
    """What the budget remembers about one chat while it matters."""

    in_flight: bool = False
    pushing: bool = False  # the send in flight is a push (it counts in the push limit)
    answered_at: float = -math.inf
    not_before: float = -math.inf  # after a 429 for this chat
    recent: deque[float] = field(default_factory=deque)  # groups: answers in the last minute


@dataclass
class _Waiter:
    chat_id: int
    priority: Priority
    future: asyncio.Future[None]


@dataclass
class BudgetStats:
    """What the budget did since start-up (this process): for logs, tests and the benchmarks."""

    sent: int = 0
    rate_limited: int = 0
    lost: dict[str, int] = field(default_factory=dict)


# Set while the outbox sender holds its own permits, so the request layer does not take a second.
_HELD: ContextVar[bool] = ContextVar("send_budget_held", default=False)


class SendBudget:
    """Permits for sends, replies first; see the module docstring for the rules."""

    def __init__(
        self,
        window: Window,
        *,
        clock: MonotonicClock | None = None,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        push_rate: float | None = None,
        on_lost: Callable[[int, str], None] | None = None,
    ) -> None:
        self.window = window
        # The pushes' own limit within the window's total (None: what the replies leave).
        self._pushes = RateLimiter(push_rate) if push_rate is not None else None
        self._clock = clock or SystemClock()
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self._on_lost = on_lost
        self._chats: dict[int, _Chat] = {}
        self._queues: dict[Priority, deque[_Waiter]] = {p: deque() for p in Priority}
        self._kick = asyncio.Event()
        self._waiting_chats: dict[int, int] = {}  # chat -> waiters, to wake only when it helps
        self._reply_grants: deque[float] = deque()  # for the reserve, see `_reply_demand`
        self._dispatcher: asyncio.Task[None] | None = None
        self._finishes = 0
        self.stats = BudgetStats()

    @classmethod
    def local(
        cls, rate: float, *, clock: MonotonicClock | None = None, **options: object
    ) -> SendBudget:
        """A budget of `rate` sends a second for this process alone."""
        clock = clock or SystemClock()
        return cls(LocalWindow(rate, clock), clock=clock, **options)  # type: ignore[arg-type]

    # --- the outbox sender's own permits --------------------------------------------------------

    @staticmethod
    @contextlib.contextmanager
    def holding() -> Iterator[None]:
        """Mark the sends made inside as already holding a permit (the outbox takes its own)."""
        token = _HELD.set(True)
        try:
            yield
        finally:
            _HELD.reset(token)

    @staticmethod
    def held() -> bool:
        """True inside `holding()`: this send's permit was taken by its caller."""
        return _HELD.get()

    # --- permits ---------------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Sends waiting for a permit."""
        return sum(len(q) for q in self._queues.values())

    def chat_ready_at(self, chat_id: int, priority: Priority, now: float | None = None) -> float:
        """The earliest moment (monotonic, `now` at the soonest) a send of `priority` to
        `chat_id` may start; `inf` while one to it is in flight."""
        chat = self._chats.get(chat_id)
        now = self._clock.monotonic() if now is None else now
        if chat is None:
            return now
        if chat.in_flight:
            return math.inf
        ready = max(now, chat.not_before)
        if priority is Priority.PUSH:
            ready = max(ready, chat.answered_at + self.per_chat_interval)
        if chat_id < 0:
            recent = chat.recent
            while recent and recent[0] <= now - GROUP_WINDOW:
                recent.popleft()
            if len(recent) >= self.group_per_minute:
                ready = max(ready, recent[len(recent) - self.group_per_minute] + GROUP_WINDOW)
        return ready

    async def acquire(self, chat_id: int, priority: Priority = Priority.REPLY) -> None:
        """Wait for a permit to send to `chat_id`; hold it until `finish` or `refused`."""
        # The fast path: nobody waits and the window has room (no task switch, no queue).
        if (
            self.window.synchronous
            and not self.waiting
            and self.chat_ready_at(chat_id, priority, now := self._clock.monotonic()) <= now
            and self._push_wait(priority, now) <= 0
            and await self.window.try_start(chat_id, priority, self._reply_demand(now)) == 0.0
        ):
            self._started(chat_id, priority)
            return
        waiter = _Waiter(chat_id, priority, asyncio.get_running_loop().create_future())
        self._queues[priority].append(waiter)
        self._waiting_chats[chat_id] = self._waiting_chats.get(chat_id, 0) + 1
        self._wake()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self.finish(chat_id)  # granted, but the sender went away: give it back
            else:
                with contextlib.suppress(ValueError):
                    self._queues[priority].remove(waiter)
                    self._unwait(chat_id)
            raise

    def finish(self, chat_id: int) -> None:
        """The send to `chat_id` was answered (any answer but a 429: it counted)."""
        now = self._clock.monotonic()
        # An answer frees no slot (it stays taken for a window): it helps a waiter only when
        # every slot was in flight, or when the waiter waits for this chat.
        helps = chat_id in self._waiting_chats or self._full_in_flight()
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.in_flight = False
        if chat.pushing and self._pushes is not None:
            helps = helps or self._pushes.in_flight >= self._pushes.capacity
            self._pushes.finish(now)
        chat.pushing = False
        chat.answered_at = now
        if chat_id < 0:
            chat.recent.append(now)
        self.window.finish(chat_id)
        self.stats.sent += 1
        self._finishes += 1
        if self._finishes % 1000 == 0:
            self._forget_idle_chats(now)
        if helps:
            self._wake()

    def refused(self, chat_id: int, retry_after: float) -> float:
        """A 429 for `chat_id`: it waits `retry_after`; returns when it may be tried again."""
        now = self._clock.monotonic()
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.in_flight = False
        if chat.pushing and self._pushes is not None:
            self._pushes.refused(now, 0.0)
        chat.pushing = False
        chat.not_before = now + retry_after
        paused_until = self.window.refused(chat_id, retry_after)
        self.stats.rate_limited += 1
        self._wake()
        return max(chat.not_before, paused_until)

    def _started(self, chat_id: int, priority: Priority) -> None:
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.in_flight = True
        if priority is Priority.REPLY:
            self._reply_grants.append(self._clock.monotonic())
        elif self._pushes is not None:
            chat.pushing = True
            self._pushes.start(self._clock.monotonic())

    def _push_wait(self, priority: Priority, now: float) -> float:
        """Seconds until the pushes' own limit allows another (0 for replies, or no limit)."""
        if priority is Priority.REPLY or self._pushes is None:
            return 0.0
        return self._pushes.ready_at(now) - now

    def _unwait(self, chat_id: int) -> None:
        left = self._waiting_chats.get(chat_id, 0) - 1
        if left > 0:
            self._waiting_chats[chat_id] = left
        else:
            self._waiting_chats.pop(chat_id, None)

    def _full_in_flight(self) -> bool:
        full = getattr(self.window, "full_in_flight", None)
        return True if full is None else bool(full())

    def _reply_demand(self, now: float) -> int:
        """Replies waiting, plus those granted in the last RESERVE_HORIZON: the slots the next
        replies will probably want, which pushes leave free."""
        grants = self._reply_grants
        while grants and grants[0] <= now - RESERVE_HORIZON:
            grants.popleft()
        return len(self._queues[Priority.REPLY]) + len(grants)

    def _forget_idle_chats(self, now: float) -> None:
        quiet = max(self.per_chat_interval, GROUP_WINDOW)
        for chat_id in [
            c
            for c, chat in self._chats.items()
            if not chat.in_flight and chat.answered_at < now - quiet and chat.not_before < now
        ]:
            del self._chats[chat_id]

    # --- the dispatcher ----------------------------------------------------------------------

    def _wake(self) -> None:
        if not self.waiting:
            return
        self._kick.set()
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.get_running_loop().create_task(
                self._dispatch(), name="send-budget"
            )

    async def _dispatch(self) -> None:
        """Hand out permits to waiting sends, replies first, until nobody waits."""
        while self.waiting:
            self._kick.clear()
            delay = await self._grant_what_can_go()
            if not self.waiting:
                return
            if delay > 0:
                await self._pause(delay)

    async def _pause(self, delay: float) -> None:
        """Wait `delay` seconds of the budget's clock, or until a permit is given back."""
        if type(self._clock) is SystemClock:
            # The common case, kept cheap: one timer on the loop, no extra tasks.
            timer = None
            if delay != math.inf:
                timer = asyncio.get_running_loop().call_later(delay, self._kick.set)
            try:
                await self._kick.wait()
            finally:
                if timer is not None:
                    timer.cancel()
            return
        kicked = asyncio.ensure_future(self._kick.wait())
        waits: set[asyncio.Future[Any]] = {kicked}
        if delay != math.inf:
            waits.add(asyncio.ensure_future(self._clock.sleep(delay)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _grant_what_can_go(self) -> float:
        """Grant every waiter that may go now; the seconds until the next may (inf: an answer)."""
        ready_in = getattr(self.window, "ready_in", None)
        if ready_in is not None and (wait := float(ready_in())) > 0:
            return wait  # no slot for anyone yet: no need to look at the waiters
        soonest = math.inf
        # Replies first: the loop over pushes is reached only when every reply that may go got
        # its permit (the window ran out: return). A reply held back only by its own chat (in
        # flight, after a 429) does not hold up the broadcast.
        for priority in Priority:
            queue = self._queues[priority]
            busy: set[int] = set()
            for waiter in list(queue):
                if waiter.future.done():  # cancelled while waiting
                    queue.remove(waiter)
                    self._unwait(waiter.chat_id)
                    continue
                if waiter.chat_id in busy:
                    continue  # an earlier waiter of this chat goes first
                now = self._clock.monotonic()
                ready = self.chat_ready_at(waiter.chat_id, priority, now)
                if ready > now:
                    busy.add(waiter.chat_id)
                    soonest = min(soonest, ready - now)
                    continue
                if (push_wait := self._push_wait(priority, now)) > 0:
                    return min(soonest, push_wait)  # no push may go before then
                demand = self._reply_demand(now)
                wait = await self.window.try_start(waiter.chat_id, priority, demand)
                if wait < 0:  # this chat is busy elsewhere; the others may still go
                    busy.add(waiter.chat_id)
                    soonest = min(soonest, -wait)
                    continue
                if wait > 0:
                    return min(soonest, wait)
                queue.remove(waiter)
                self._unwait(waiter.chat_id)
                if waiter.future.done():  # cancelled during the shared window's round trip
                    self.window.finish(waiter.chat_id)
                    continue
                self._started(waiter.chat_id, priority)
                waiter.future.set_result(None)
                busy.add(waiter.chat_id)
        return soonest

    # --- one send, with retries ---------------------------------------------------------------

    async def send(
        self,
        chat_id: int,
        attempt: Callable[[], Awaitable[Attempt[T]]],
        *,
        priority: Priority = Priority.REPLY,
        retry: bool = True,
    ) -> T:
        """Send with a permit; with `retry`, try again after 429s and network errors, within a
        bound, and count what still fails. Returns the last attempt's value or raises its error.
        """
        started = self._clock.monotonic()
        attempts = 0
        transient = 0
        while True:
            await self.acquire(chat_id, priority)
            attempts += 1
            try:
                result = await attempt()
            except BaseException:
                self.finish(chat_id)  # it may have reached Telegram: counted, to be safe
                raise
            if result.outcome is Outcome.RATE_LIMITED:
                retry_at = self.refused(chat_id, result.retry_after)
                if (
                    retry
                    and attempts < MAX_REPLY_ATTEMPTS
                    and retry_at - started <= MAX_REPLY_SECONDS
                ):
                    continue  # `acquire` waits for the chat's retry_after (and any pause)
            else:
                self.finish(chat_id)
                if (
                    result.outcome is Outcome.TRANSIENT
                    and retry
                    and transient < len(TRANSIENT_BACKOFF)
                ):
                    await self._clock.sleep(TRANSIENT_BACKOFF[transient])
                    transient += 1
                    continue
            if result.outcome is not Outcome.SENT and retry:
                self._lost(chat_id, result, attempts)
            if result.error is not None:
                raise result.error
            return result.value  # type: ignore[return-value]

    def _lost(self, chat_id: int, result: Attempt[T], attempts: int) -> None:
        reason = result.outcome.value
        self.stats.lost[reason] = self.stats.lost.get(reason, 0) + 1
        log.warning(
            "a message to %s was not delivered (%s after %d attempts): %s",
            chat_pseudonym(chat_id),
            reason,
            attempts,
            result.error or result.detail or f"retry after {result.retry_after:g} s",
        )
        if self._on_lost is not None:
            self._on_lost(chat_id, reason)

    async def close(self) -> None:
        """Stop the dispatcher (waiting sends are cancelled with it)."""
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
        for queue in self._queues.values():
            for waiter in queue:
                if not waiter.future.done():
                    waiter.future.cancel()
            queue.clear()
