"""The delivery runtime: the outbox sender and the APScheduler jobs, started together."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.content import Content
from bot.ports import Messenger
from scheduler.budget import SendBudget
from scheduler.jobs import Jobs
from scheduler.outbox import Renderer, Sender

log = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0


class DeliveryRuntime:
    """One sender and one scheduler per process; `start` in post_init, `stop` in post_shutdown."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        messenger: Messenger,
        content: Callable[[], Content],
        clock: Callable[[], dt.datetime],
        *,
        budget: SendBudget | None = None,
    ) -> None:
        """`budget`: the bot's send budget, shared with the replies (a private one without)."""
        self.sender = Sender(
            sessions,
            messenger,
            Renderer(lambda: content().texts),
            rate=settings.push_rate,
            budget=budget,
        )
        self.scheduler = AsyncIOScheduler(timezone=settings.timezone)
        self.jobs = Jobs(
            sessions,
            content,
            clock=clock,
            default_offsets=settings.remind_default,
            misfire_grace=settings.misfire_grace,
            wake_sender=self.sender.wake,
            scheduler=self.scheduler,
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Resume the outbox, then schedule every reminder and scheduled broadcast."""
        self._task = asyncio.create_task(self.sender.run(), name="outbox-sender")
        self.scheduler.start()
        plan = await self.jobs.rebuild()
        log.info(
            "scheduler started: %d reminders upcoming, %d sent late, %d missed",
            len(plan.upcoming),
            len(plan.late),
            len(plan.missed),
        )

    def wake(self) -> None:
        """Send what was just enqueued without waiting for the next poll."""
        self.sender.wake()

    async def rebuild(self) -> None:
        """Reschedule reminders and scheduled broadcasts after staff changed something."""
        await self.jobs.rebuild()

    async def stop(self) -> None:
        """Stop the jobs, let the sends in flight settle, then return."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._task is not None:
            self.sender.stop()
            try:
                await asyncio.wait_for(self._task, STOP_TIMEOUT)
            except TimeoutError:
                log.warning("outbox sender did not stop within %s s", STOP_TIMEOUT)
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task


class Delivery:
    """The delivery port the core drives (wake the sender, rebuild the jobs), one per process.

    Built once at start-up with everything but the chat platform; `connect` gives it the
    messenger once the transport can send (post_init). Only the holder of the sender role runs
    the scheduler and sender (`start`, `stop`, called by scheduler/leadership.py); a standby still
    has a runtime that is not started, so staff actions there schedule nothing that would run.
    """

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        content: Callable[[], Content],
        clock: Callable[[], dt.datetime],
        *,
        budget: SendBudget | None = None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self._budget = budget
        self._messenger: Messenger | None = None
        self._runtime: DeliveryRuntime | None = None

    def connect(self, messenger: Messenger) -> None:
        """Give the port the platform to send through; a fresh, not yet started runtime."""
        self._messenger = messenger
        self._runtime = self._new_runtime()

    @property
    def runtime(self) -> DeliveryRuntime:
        """The current runtime (RuntimeError before `connect`)."""
        if self._runtime is None:
            raise RuntimeError("the delivery port is not connected to a messenger yet")
        return self._runtime

    @property
    def jobs(self) -> Jobs:
        """The current runtime's jobs (tests fire them with a `now` of their choosing)."""
        return self.runtime.jobs

    @property
    def scheduler(self) -> AsyncIOScheduler:
        """The current runtime's APScheduler."""
        return self.runtime.scheduler

    async def start(self) -> None:
        """This process holds the sender role: a new runtime, started."""
        self._runtime = self._new_runtime()
        await self._runtime.start()

    async def stop(self) -> None:
        """The role is lost or the bot stops: stop the runtime, keep a fresh unstarted one."""
        if self._runtime is not None:
            await self._runtime.stop()
            self._runtime = self._new_runtime()

    def wake(self) -> None:
        """Send what was just enqueued without waiting for the next poll."""
        if self._runtime is not None:
            self._runtime.wake()

    async def rebuild(self) -> None:
        """Reschedule reminders and scheduled broadcasts after a change."""
        if self._runtime is not None:
            await self._runtime.rebuild()

    def _new_runtime(self) -> DeliveryRuntime:
        if self._messenger is None:
            raise RuntimeError("the delivery port is not connected to a messenger yet")
        return DeliveryRuntime(
            self._settings,
            self._sessions,
            self._messenger,
            self._content,
            self._clock,
            budget=self._budget,
        )
