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
