"""The send budget's window shared by every process: a ledger of permits in PostgreSQL.

With several processes behind a load balancer each answers its residents itself, but Telegram
counts the bot as one: at most `OMRADESBOT_SEND_RATE` messages a second, all processes together.
So every send holds a row in `send_permits` from its start until a second after its answer,
exactly as scheduler/ratelimit.py's window does in memory, and a new one is granted only while
fewer than the limit are in flight or answered within the last second:

- Grants are made one at a time for the whole bot, under a transaction-level advisory lock, on
  PostgreSQL's clock (`clock_timestamp()`), so no two processes can take the last slot and
  machines whose clocks differ still agree.
- The same ledger keeps the per-chat rules across processes: one request in flight per chat, a
  push at most one a second per chat after its last answer, a group at most 20 a minute.
- Replies first, across processes: a process with replies waiting (or just granted) says how
  many in `send_waiting`; a push (the outbox, on whichever process holds the sender role) is
  granted only while the slots left exceed those replies, everywhere.
- Answers are recorded by a background writer in small batches; a late record only holds a
  slot a little longer (safe). A 429 deletes the permit: Telegram did not count it.
- A process that dies leaves its in-flight permits behind; they stop counting `HOLD_MAX`
  seconds after their grant (no Bot API request lasts that long), so the budget heals itself.
- While the database is away (a restart, a failover) nobody can coordinate through it, yet a
  resident should still get the apology: each process then sends from a window of its own of
  `FALLBACK_SHARE` of the total (a quarter: four processes together stay within it), and goes
  back to the ledger as soon as the database answers. Little is sent then: without a database
  the bot can only apologise, and the outbox waits.

The price is one short transaction per message (about a millisecond on a local PostgreSQL),
which at Telegram's 30 messages a second is nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections import deque

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduler.budget import GROUP_WINDOW, Priority
from scheduler.ratelimit import RateLimiter

log = logging.getLogger(__name__)

BUDGET_LOCK = 0x5E4D  # pg_advisory_xact_lock key: one grant at a time for the whole bot
HOLD_MAX = 30.0  # seconds after which a permit never answered stops counting (a dead process)
KEEP = 300.0  # seconds of permits kept in the table
WAITING_FRESH = 2.0  # seconds a process's count of waiting replies stays valid
POLL = 0.02  # seconds to wait when every slot is in flight (an answer may come any moment)
DATABASE_RETRY = 0.5  # seconds to wait after the database failed to record answers
FALLBACK_SHARE = 0.25  # of the total, per process, while the database is away
RECHECK = 1.0  # seconds between tries of the database while it is away

_STATE = text(
    """
    SELECT clock_timestamp() AS now,
      count(*) FILTER (WHERE (answered_at IS NULL
                              AND granted_at > clock_timestamp() - make_interval(secs => :hold))
                          OR answered_at > clock_timestamp() - make_interval(secs => :window))
        AS busy,
      min(answered_at)
        FILTER (WHERE answered_at > clock_timestamp() - make_interval(secs => :window))
        AS oldest,
      count(*) FILTER (WHERE chat_id = :chat AND answered_at IS NULL
                         AND granted_at > clock_timestamp() - make_interval(secs => :hold))
        AS chat_in_flight,
      max(answered_at) FILTER (WHERE chat_id = :chat) AS chat_answered,
      count(*) FILTER (WHERE chat_id = :chat AND (answered_at IS NULL
                         OR answered_at > clock_timestamp() - make_interval(secs => :group)))
        AS chat_recent,
      min(coalesce(answered_at, granted_at)) FILTER (WHERE chat_id = :chat
        AND coalesce(answered_at, granted_at) > clock_timestamp() - make_interval(secs => :group))
        AS chat_oldest,
      (SELECT coalesce(sum(replies), 0) FROM send_waiting
        WHERE holder <> :holder
          AND updated_at > clock_timestamp() - make_interval(secs => :fresh)) AS others_waiting
    FROM send_permits
    WHERE granted_at > clock_timestamp() - make_interval(secs => :hold + :group)
    """
)
_GRANT = text(
    "INSERT INTO send_permits (chat_id, priority, granted_at) "
    "VALUES (:chat, :priority, clock_timestamp()) RETURNING id"
)
_REPORT_WAITING = text(
    "INSERT INTO send_waiting (holder, replies, updated_at) "
    "VALUES (:holder, :replies, clock_timestamp()) "
    "ON CONFLICT (holder) DO UPDATE SET replies = :replies, updated_at = clock_timestamp()"
)
_ANSWERED = text(
    "UPDATE send_permits SET answered_at = clock_timestamp() WHERE id = ANY(CAST(:ids AS bigint[]))"
)
_REFUSED = text("DELETE FROM send_permits WHERE id = ANY(CAST(:ids AS bigint[]))")
_PRUNE = text(
    "DELETE FROM send_permits WHERE granted_at < clock_timestamp() - make_interval(secs => :keep)"
)
_PRUNE_WAITING = text(
    "DELETE FROM send_waiting WHERE updated_at < clock_timestamp() - make_interval(secs => :keep)"
)


class SharedWindow:
    """A `Window` (scheduler/budget.py) for all processes on one PostgreSQL database."""

    synchronous = False

    def __init__(
        self,
        engine: AsyncEngine,
        rate: float,
        *,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        flood_burst: int = 3,
        flood_window: float = 1.0,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._engine = engine
        self.capacity = max(1, math.floor(rate))
        self.window = 1.0 if rate >= 1 else 1 / rate
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.holder = uuid.uuid4().hex
        self._in_flight: dict[int, int] = {}  # chat -> permit id (the budget sends one per chat)
        self._outcomes: asyncio.Queue[tuple[int, bool]] | None = None  # (permit, counted)
        self._writer: asyncio.Task[None] | None = None
        self._unwritten = 0  # outcomes queued or being written
        self._reported_waiting = 0
        self._reported_at = -math.inf
        self._next_prune = -math.inf
        # A burst of 429s pauses this process's sends (as scheduler/ratelimit.py does).
        self._flood_burst = flood_burst
        self._flood_window = flood_window
        self._refusals: deque[tuple[float, float]] = deque()
        self.paused_until = -math.inf
        # While the database is away: this process's own share, and the chats sent from it.
        self._fallback = RateLimiter(max(1.0, rate * FALLBACK_SHARE))
        self._fallback_chats: set[int] = set()
        self._database_back_at = -math.inf  # when to try the database again
        self.degraded = False

    async def try_start(self, chat_id: int, priority: Priority, reply_demand: int) -> float:
        """Take a permit in the ledger now (0.0), or the seconds until asking again."""
        mono = time.monotonic()
        if self.paused_until > mono:
            return self.paused_until - mono
        if mono >= self._database_back_at:
            try:
                wait = await self._try_start(chat_id, priority, reply_demand, mono)
            except (SQLAlchemyError, OSError) as exc:
                self._database_back_at = time.monotonic() + RECHECK
                if not self.degraded:
                    log.warning(
                        "send budget: database unavailable (%s); sending at most %g/s from "
                        "this process alone until it is back",
                        type(exc).__name__,
                        self._fallback.capacity / self._fallback.window,
                    )
                self.degraded = True
            else:
                if self.degraded:
                    log.info("send budget: database back; the budget is shared again")
                self.degraded = False
                return wait
        return self._try_fallback(chat_id)

    def _try_fallback(self, chat_id: int) -> float:
        """A permit from this process's own share, while the database is away."""
        now = time.monotonic()
        ready = self._fallback.ready_at(now)
        if ready > now:
            return POLL if ready == math.inf else min(ready - now, RECHECK)
        self._fallback.start(now)
        self._fallback_chats.add(chat_id)
        return 0.0

    async def _try_start(
        self, chat_id: int, priority: Priority, reply_demand: int, mono: float
    ) -> float:
        params = {
            "hold": HOLD_MAX,
            "window": self.window,
            "group": GROUP_WINDOW,
            "chat": chat_id,
            "holder": self.holder,
            "fresh": WAITING_FRESH,
        }
        async with self._engine.begin() as connection:
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": BUDGET_LOCK}
            )
            reserve = min(reply_demand, self.capacity // 4)
            report = reserve != self._reported_waiting or (
                reserve and mono - self._reported_at > WAITING_FRESH / 2
            )
            if report:
                await connection.execute(
                    _REPORT_WAITING, {"holder": self.holder, "replies": reserve}
                )
                self._reported_waiting, self._reported_at = reserve, mono
            state = (await connection.execute(_STATE, params)).one()
            wait = self._wait(state, chat_id, priority, reserve)
            if wait > 0:
                return wait
            permit = (
                await connection.execute(_GRANT, {"chat": chat_id, "priority": int(priority)})
            ).scalar_one()
        self._in_flight[chat_id] = int(permit)
        return 0.0

    def _wait(self, state: object, chat_id: int, priority: Priority, reserve: int) -> float:
        """0 when the ledger allows this send now, else the seconds to wait (negative when only
        this chat must wait: see `Window.try_start`)."""
        now = state.now  # type: ignore[attr-defined]
        if state.chat_in_flight:  # type: ignore[attr-defined]
            return -POLL
        chat_waits = [0.0]
        answered = state.chat_answered  # type: ignore[attr-defined]
        if priority is Priority.PUSH and answered is not None:
            chat_waits.append(self.per_chat_interval - (now - answered).total_seconds())
        if chat_id < 0 and state.chat_recent >= self.group_per_minute:  # type: ignore[attr-defined]
            oldest = state.chat_oldest  # type: ignore[attr-defined]
            chat_waits.append(GROUP_WINDOW - (now - oldest).total_seconds() if oldest else 1.0)
        if max(chat_waits) > 0:
            return -min(max(*chat_waits, 0.005), GROUP_WINDOW)
        waits = [0.0]
        busy = int(state.busy)  # type: ignore[attr-defined]
        if priority is Priority.PUSH:  # leave the replies, here and elsewhere, their slots
            busy += min(self.capacity // 4, reserve + int(state.others_waiting))  # type: ignore[attr-defined]
        if busy >= self.capacity:
            oldest = state.oldest  # type: ignore[attr-defined]
            waits.append(
                self.window - (now - oldest).total_seconds() if oldest is not None else POLL
            )
        wait = max(waits)
        return 0.0 if wait <= 0 else min(max(wait, 0.005), self.window)

    def finish(self, chat_id: int) -> None:
        """The send was answered: its permit counts for one more window."""
        self._record(chat_id, counted=True)

    def refused(self, chat_id: int, retry_after: float) -> float:
        """A 429: the permit goes (Telegram did not count it); a burst of them pauses sends."""
        self._record(chat_id, counted=False)
        mono = time.monotonic()
        self._refusals.append((mono, retry_after))
        while self._refusals and self._refusals[0][0] <= mono - self._flood_window:
            self._refusals.popleft()
        if len(self._refusals) >= self._flood_burst:
            pause = max(seconds for _, seconds in self._refusals)
            if mono + pause > self.paused_until:
                log.warning("429 flood: pausing this process's sends %.1f s", pause)
                self.paused_until = mono + pause
        return self.paused_until

    def _record(self, chat_id: int, *, counted: bool) -> None:
        if chat_id in self._fallback_chats:
            self._fallback_chats.discard(chat_id)
            now = time.monotonic()
            if counted:
                self._fallback.finish(now)
            else:
                self._fallback.refused(now, 0.0)
            return
        permit = self._in_flight.pop(chat_id, None)
        if permit is None:
            return
        if counted:
            self._refusals.clear()  # any other answer ends a run of 429s
        if self._outcomes is None:
            self._outcomes = asyncio.Queue()
        self._outcomes.put_nowait((permit, counted))
        self._unwritten += 1
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(
                self._write(), name="send-budget-ledger"
            )

    async def _write(self) -> None:
        """Record answers and refusals in small batches, and now and then prune old permits."""
        assert self._outcomes is not None
        while True:
            batch = [await self._outcomes.get()]
            while not self._outcomes.empty():
                batch.append(self._outcomes.get_nowait())
            answered = [p for p, counted in batch if counted]
            refused = [p for p, counted in batch if not counted]
            try:
                async with self._engine.begin() as connection:
                    if answered:
                        await connection.execute(_ANSWERED, {"ids": answered})
                    if refused:
                        await connection.execute(_REFUSED, {"ids": refused})
                    if time.monotonic() >= self._next_prune:
                        self._next_prune = time.monotonic() + 10.0
                        await connection.execute(_PRUNE, {"keep": KEEP})
                        await connection.execute(_PRUNE_WAITING, {"keep": KEEP})
            except (SQLAlchemyError, OSError) as exc:
                # Unrecorded answers hold their slots until HOLD_MAX: slower, never over.
                log.warning(
                    "send budget: could not record %d answers (%s)", len(batch), type(exc).__name__
                )
                await asyncio.sleep(DATABASE_RETRY)
            finally:
                self._unwritten -= len(batch)

    async def close(self) -> None:
        """Record what is queued, then stop the writer."""
        for _ in range(100):  # at most a second: then the permits expire by themselves
            if not self._unwritten or self._writer is None or self._writer.done():
                break
            await asyncio.sleep(0.01)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        with contextlib.suppress(SQLAlchemyError, OSError):
            async with self._engine.begin() as connection:
                await connection.execute(
                    text("DELETE FROM send_waiting WHERE holder = :holder"), {"holder": self.holder}
                )
