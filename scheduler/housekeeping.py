"""Housekeeping jobs every process runs: pruning old questions and tickets, freeing flood memory,
and the weekly tasks (the staff digest).

Beside the delivery jobs (scheduler/jobs.py, only on the holder of the sender role), these run
in every process: pruning is one idempotent DELETE, the flood gate's memory is per process, and
a weekly task must be safe to fire in several processes (the digest has a dedupe key per week).
The core's operations come in as plain callables, so this module never imports the core.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

PRUNE_AT = dt.time(3, 30)  # a quiet hour, local time (the settings' zone)
FLOOD_SWEEP_EVERY = dt.timedelta(minutes=10)

Task = Callable[[], Awaitable[object]]


class Housekeeping:
    """The daily prunes and the flood-gate sweep on one APScheduler; `start` in post_init."""

    def __init__(
        self,
        *,
        prune_questions: Task,
        prune_tickets: Task,
        sweep_flood_gate: Task,
        zone: ZoneInfo,
    ) -> None:
        self._prune_questions = prune_questions
        self._prune_tickets = prune_tickets
        self._sweep = sweep_flood_gate
        self.scheduler = AsyncIOScheduler(timezone=zone)
        daily = CronTrigger(hour=PRUNE_AT.hour, minute=PRUNE_AT.minute, timezone=zone)
        self.scheduler.add_job(self._prune_questions, daily, id="prune-questions", coalesce=True)
        self.scheduler.add_job(self._prune_tickets, daily, id="prune-tickets", coalesce=True)
        self.scheduler.add_job(
            self._sweep,
            IntervalTrigger(seconds=FLOOD_SWEEP_EVERY.total_seconds()),
            id="sweep-flood-gate",
            coalesce=True,
        )

    def every_week(
        self,
        task: Task,
        *,
        job_id: str,
        weekday: int,
        at: dt.time,
        misfire_grace: dt.timedelta,
    ) -> None:
        """Run `task` each week on `weekday` (0 = Monday) at `at`, local time (the settings' zone);
        a moment missed while the bot was down runs late within `misfire_grace`."""
        trigger = CronTrigger(
            day_of_week=weekday, hour=at.hour, minute=at.minute, timezone=self.scheduler.timezone
        )
        self.scheduler.add_job(
            task,
            trigger,
            id=job_id,
            coalesce=True,
            misfire_grace_time=int(misfire_grace.total_seconds()),
            replace_existing=True,
        )

    async def start(self) -> None:
        """Prune once now (a bot may have been down at 03:30), then keep the timetable."""
        await self._prune_questions()
        # The tickets' prune waits for no one: it runs at once beside the start-up.
        self.scheduler.add_job(self._prune_tickets, id="prune-tickets-now")
        self.scheduler.start()

    def stop(self) -> None:
        """Stop the timetable; a job in flight finishes on the event loop."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
