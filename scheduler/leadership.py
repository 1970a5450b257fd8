"""Which process runs the scheduler and the outbox sender: exactly one per database at a time.

On PostgreSQL every process tries `pg_try_advisory_lock` on a dedicated connection every
`retry` seconds; the one that gets it holds the sender role for as long as that connection
lives. When the holder dies (SIGKILL, a crashed machine) PostgreSQL ends its session and frees
the lock, and a standby takes the role at its next try, so the role moves within the failover
time. The holder checks its connection on the same beat and gives the role up when it breaks,
because PostgreSQL has then freed the lock for someone else.

The lock key covers the schema (`current_schema()`), so two deployments sharing one database
in different schemas do not block each other.

On SQLite the process is alone (bot/instance_lock.py refuses a second one), so it simply holds
the role.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.health import Role

log = logging.getLogger(__name__)

LOCK_NAME = "omradesbot:scheduler-and-sender"
# A check that hangs this long means the database is gone for us: the role must go too.
CHECK_TIMEOUT = 5.0

Hook = Callable[[], Awaitable[None]]


class RoleLock(Protocol):
    """A lock at most one process holds; `try_acquire` never waits for it."""

    async def try_acquire(self) -> bool:
        """Take the lock if it is free; False when another process holds it."""
        ...

    async def still_held(self) -> bool:
        """True while the lock is certainly ours; False once it may have gone to another."""
        ...

    async def release(self) -> None:
        """Give the lock up (no-op when not held)."""
        ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on its own connection, outside the pool's reach.

    The connection runs in autocommit, so it never sits idle in a transaction, and it is
    invalidated (closed, never returned to the pool) when released, so a lock can never leak
    into a pooled connection that some query borrows later.
    """

    def __init__(self, engine: AsyncEngine, name: str = LOCK_NAME) -> None:
        self._engine = engine
        self._name = name
        self._connection: AsyncConnection | None = None
        self._held = False

    async def try_acquire(self) -> bool:
        """See RoleLock.try_acquire; a database error counts as 'not acquired'."""
        try:
            if self._connection is None:
                connection = await self._engine.connect()
                self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = await self._connection.scalar(
                text("SELECT pg_try_advisory_lock(hashtext(:name || ':' || current_schema()))"),
                {"name": self._name},
            )
        except (SQLAlchemyError, OSError) as error:
            log.warning("sender role: could not ask PostgreSQL for the lock (%s)", error)
            await self._drop()
            return False
        self._held = bool(got)
        return self._held

    async def still_held(self) -> bool:
        """See RoleLock.still_held: the lock lives exactly as long as its connection."""
        if not self._held or self._connection is None:
            return False
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self._connection.scalar(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            log.error(  # noqa: TRY400 - the cause fits one line; a traceback adds nothing
                "sender role: the lock's database connection broke (%r)", error
            )
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        """Unlock by closing the connection; PostgreSQL frees a session's locks when it ends."""
        await self._drop()

    async def _drop(self) -> None:
        self._held = False
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError, OSError):
                await connection.invalidate()
            with contextlib.suppress(SQLAlchemyError, OSError):
                await connection.close()


class SoleProcessLock:
    """The lock for SQLite: the only process on the file (see bot/instance_lock.py) holds it."""

    def __init__(self) -> None:
        self._held = False

    async def try_acquire(self) -> bool:
        """Always succeeds."""
        self._held = True
        return True

    async def still_held(self) -> bool:
        """True until released."""
        return self._held

    async def release(self) -> None:
        """Forget the role."""
        self._held = False


def role_lock(engine: AsyncEngine) -> RoleLock:
    """The right lock for the database behind `engine`."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return SoleProcessLock()


def election_interval(failover_seconds: float) -> float:
    """How often to try for (or check) the role so a dead holder is replaced in time.

    A third of the failover time leaves room for one failed try and the start-up of the new
    holder's sender.
    """
    return max(0.2, failover_seconds / 3)


class Leadership:
    """Holds the sender role when it can: starts the work on winning it, stops it on losing it.

    `on_acquire` starts the scheduler and sender; `on_release` stops them. `while_held` runs on
    every beat while the role is ours (the holder re-reads jobs that staff changed in another
    process).
    """

    def __init__(
        self,
        lock: RoleLock,
        *,
        on_acquire: Hook,
        on_release: Hook,
        while_held: Hook | None = None,
        interval: float,
        refresh_every: int = 1,
    ) -> None:
        self._lock = lock
        self._on_acquire = on_acquire
        self._on_release = on_release
        self._while_held = while_held
        self._interval = interval
        self._refresh_every = max(1, refresh_every)
        self._role: Role = "starting"
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._beats = 0

    @property
    def role(self) -> Role:
        """'sender' while this process holds the role, 'standby' otherwise."""
        return self._role

    async def start(self) -> None:
        """Try for the role once now (so a lone process sends at once), then keep trying."""
        await self.step()
        self._task = asyncio.create_task(self._run(), name="sender-role")

    async def step(self) -> None:
        """One beat: try for the role, or check that it is still ours."""
        if self._role != "sender":
            if await self._lock.try_acquire():
                log.info("sender role acquired: this process runs the scheduler and the sender")
                self._role = "sender"
                self._beats = 0
                await self._on_acquire()
            elif self._role == "starting":
                log.info("sender role held by another process: standing by")
                self._role = "standby"
            return
        if not await self._lock.still_held():
            log.error("sender role lost: stopping the scheduler and the sender")
            self._role = "standby"
            await self._on_release()
            return
        self._beats += 1
        if self._while_held is not None and self._beats % self._refresh_every == 0:
            await self._while_held()

    async def stop(self) -> None:
        """Stop trying; a holder stops its work first and then frees the role for another."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._role == "sender":
            await self._on_release()
        self._role = "standby"
        await self._lock.release()

    async def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._interval)
            if self._stop.is_set():
                return
            try:
                await self.step()
            except Exception:
                # The election must outlive any one failure, or the role would stay unheld.
                log.exception("sender role: election step failed; retrying")
