"""APScheduler jobs rebuilt from the database: milestone reminders and scheduled broadcasts.

The database is the source of truth. Every reminder is enqueued under a unique dedupe key
(milestone, offset, date), so a job that fires twice, or a restart that rebuilds the jobs,
never sends a reminder twice. Job ids are deterministic ("reminder:<milestone>:<offset>",
"broadcast:<id>"), so rescheduling replaces a job instead of adding one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content, Milestone, Texts, describe_when
from bot.content.timeline import merge_milestones
from bot.domain import Clock, Lang
from bot.storage import outbox as store
from bot.storage.milestones import milestone_rows
from bot.storage.models import Broadcast
from bot.storage.residents import subscriber_chat_ids
from scheduler.reminders import (
    Reminder,
    ReminderPlan,
    plan_reminders,
    reminders_for,
    still_sendable,
)

log = logging.getLogger(__name__)


def reminder_texts(milestone: Milestone, texts: Texts) -> dict[Lang, str]:
    """The reminder in each language, with the milestone's details when it has some."""
    out: dict[Lang, str] = {}
    for lang in ("sv", "en"):
        text = texts.get(
            "push_reminder",
            lang,
            title=milestone.title[lang],
            when=describe_when(milestone, texts, lang),
        )
        if milestone.details is not None:
            text += "\n\n" + milestone.details[lang]
        out[lang] = text
    return out


class Jobs:
    """Builds and runs the timed jobs; the job bodies also run directly in tests with any `now`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: Callable[[], Content],
        *,
        clock: Clock,
        default_offsets: Sequence[dt.timedelta],
        misfire_grace: dt.timedelta,
        wake_sender: Callable[[], None] = lambda: None,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self._offsets = tuple(default_offsets)
        self._grace = misfire_grace
        self._wake = wake_sender
        self.scheduler = scheduler

    async def timeline(self) -> tuple[list[Milestone], dict[str, dt.datetime]]:
        """The merged milestones and when staff last set each date."""
        async with self._sessions() as session:
            rows = await milestone_rows(session)
        content = self._content()
        return merge_milestones(content.milestones, rows, content.zone)

    async def rebuild(self) -> ReminderPlan:
        """Schedule every upcoming reminder and scheduled broadcast; send late ones now.

        Called at start-up and after any change to the timeline or content.
        """
        now = self._clock()
        milestones, set_at = await self.timeline()
        exact = [m for m in milestones if not m.approximate]  # a season has no day to remind of
        async with self._sessions() as session:
            sent = set(
                await session.scalars(
                    select(Broadcast.dedupe_key).where(Broadcast.dedupe_key.is_not(None))
                )
            )
            scheduled = await store.scheduled_broadcasts(session)
        plan = plan_reminders(
            exact,
            now=now,
            default_offsets=self._offsets,
            misfire_grace=self._grace,
            sent={key for key in sent if key},
            set_at=set_at,
        )
        for reminder in plan.missed:
            log.warning(
                "reminder %s was due %s, more than the misfire grace ago: skipped",
                reminder.job_id,
                reminder.due.isoformat(),
            )
        for reminder in plan.late:
            log.info("reminder %s is late (due %s): sending now", reminder.job_id, reminder.due)
            await self.send_reminder(reminder.milestone_id, reminder.job_id, now=now)
        wanted = {r.job_id for r in plan.upcoming} | {f"broadcast:{b.id}" for b in scheduled}
        if self.scheduler is not None:
            for job in self.scheduler.get_jobs():
                if job.id.startswith(("reminder:", "broadcast:")) and job.id not in wanted:
                    job.remove()
            for reminder in plan.upcoming:
                self._add(reminder.job_id, reminder.due, self._fire_reminder, reminder)
            for broadcast in scheduled:
                assert broadcast.scheduled_for is not None
                self._add(
                    f"broadcast:{broadcast.id}",
                    broadcast.scheduled_for,
                    self._fire_broadcast,
                    broadcast.id,
                )
        return plan

    def _add(self, job_id: str, when: dt.datetime, func: Any, arg: object) -> None:
        assert self.scheduler is not None
        self.scheduler.add_job(
            func,
            DateTrigger(run_date=when),
            args=[arg],
            id=job_id,
            replace_existing=True,
            misfire_grace_time=int(self._grace.total_seconds()),
            coalesce=True,
        )

    async def _fire_reminder(self, reminder: Reminder) -> None:
        await self.send_reminder(reminder.milestone_id, reminder.job_id, now=self._clock())

    async def _fire_broadcast(self, broadcast_id: int) -> None:
        await self.send_scheduled(broadcast_id, now=self._clock())

    async def send_reminder(
        self, milestone_id: str, job_id: str, *, now: dt.datetime
    ) -> int | None:
        """Enqueue the reminder `job_id` of a milestone for its area's subscribers.

        Returns the broadcast id, or None when there is nothing to send: the milestone is gone,
        the reminder is too late, or it was already enqueued (by an earlier run of this job).
        """
        milestones, set_at = await self.timeline()
        milestone = next((m for m in milestones if m.id == milestone_id), None)
        if milestone is None:
            return None
        reminder = next(
            (r for r in reminders_for(milestone, self._offsets) if r.job_id == job_id), None
        )
        if reminder is None:
            return None
        since = set_at.get(milestone_id)
        if not still_sendable(reminder.due, now, self._grace) or (
            since is not None and reminder.due < since
        ):
            log.warning("reminder %s (due %s) skipped at %s", job_id, reminder.due, now)
            return None
        texts = reminder_texts(milestone, self._content().texts)
        # `now` decides whether the reminder may still go; the rows are due at once, by the
        # clock the sender reads, even when a test fires the job with a `now` of its choosing.
        enqueued_at = self._clock()
        broadcast = Broadcast(
            kind="reminder",
            area=milestone.area,
            text_sv=texts["sv"],
            text_en=texts["en"],
            milestone_id=milestone.id,
            dedupe_key=reminder.dedupe_key,
            created_at=enqueued_at,
            status="draft",
        )
        async with self._sessions() as session, session.begin():
            recipients = await subscriber_chat_ids(session, milestone.area)
            stored = await store.enqueue_broadcast(session, broadcast, recipients, now=enqueued_at)
        if stored is None:
            return None
        log.info("reminder %s enqueued for %d subscribers", job_id, len(recipients))
        self._wake()
        return stored.id

    async def send_scheduled(self, broadcast_id: int, *, now: dt.datetime) -> bool:
        """Enqueue a scheduled broadcast whose time has come, to today's subscribers."""
        async with self._sessions() as session, session.begin():
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is None or broadcast.status != "scheduled":
                return False
            recipients = await subscriber_chat_ids(session, broadcast.area)
            await store.enqueue_broadcast(session, broadcast, recipients, now=self._clock())
        log.info("scheduled broadcast %s enqueued at %s", broadcast_id, now.isoformat())
        self._wake()
        return True
