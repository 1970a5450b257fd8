"""The weekly digest: what the bot achieved in the past week, to the staff, through the outbox.

Sent at OMRADESBOT_DIGEST (default Monday 08:00 local time) to the staff chat, or to each staff
member privately, in each one's language (their stored choice, else Swedish). It is one
broadcast with a dedupe key per week, so several processes firing the job send it once, and
the outbox delivers it within Telegram's limits and across restarts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DigestSchedule, Settings
from bot.core.insight import Insight
from bot.domain import DIGEST_KEY_PREFIX
from bot.storage.models import Broadcast
from bot.storage.outbox import enqueue_broadcast
from bot.storage.residents import Recipient, staff_recipients

log = logging.getLogger(__name__)


def last_due(schedule: DigestSchedule, now: dt.datetime) -> dt.datetime:
    """The latest scheduled moment at or before `now`, in `now`'s time zone."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    days_back = (now.weekday() - schedule.weekday) % 7
    day = now.date() - dt.timedelta(days=days_back)
    moment = dt.datetime.combine(day, schedule.at, tzinfo=now.tzinfo)
    return moment if moment <= now else moment - dt.timedelta(days=7)


def next_due(schedule: DigestSchedule, now: dt.datetime) -> dt.datetime:
    """The first scheduled moment after `now`."""
    return last_due(schedule, now) + dt.timedelta(days=7)


@dataclass(frozen=True)
class SentDigest:
    """A digest just enqueued: its broadcast and who gets it in which language."""

    broadcast_id: int
    recipients: tuple[Recipient, ...]


class Digest:
    """Builds the week's digest and enqueues it for the staff."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        insight: Insight,
        settings: Settings,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._sessions = sessions
        self._insight = insight
        self._settings = settings
        self._clock = clock

    @property
    def targets(self) -> tuple[int, ...]:
        """Where it goes: the staff chat, else every staff member privately."""
        if self._settings.staff_chat_id is not None:
            return (self._settings.staff_chat_id,)
        return tuple(sorted(self._settings.staff_ids))

    async def send(self, now: dt.datetime | None = None) -> SentDigest | None:
        """Enqueue the digest of the seven local days before `now`; None when it is off, has
        nobody to go to, or this week's was enqueued already (by this process or another)."""
        schedule = self._settings.digest
        if schedule is None or not self.targets:
            return None
        moment = (now or self._clock()).astimezone(self._settings.timezone)
        overview = await self._insight.overview(moment - dt.timedelta(days=1))
        texts = {lang: self._insight.digest_text(overview, lang) for lang in ("sv", "en")}
        key = f"{DIGEST_KEY_PREFIX}{overview.current.last_day.isoformat()}"
        enqueued_at = self._clock()
        try:
            async with self._sessions.begin() as session:
                recipients = await staff_recipients(session, self.targets, now=enqueued_at)
                stored = await enqueue_broadcast(
                    session,
                    Broadcast(
                        kind="notice",
                        area="all",
                        text_sv=texts["sv"],
                        text_en=texts["en"],
                        dedupe_key=key,
                        created_at=enqueued_at,
                        status="draft",
                    ),
                    recipients,
                    now=enqueued_at,
                )
        except IntegrityError:  # another process enqueued it at the same moment
            return None
        if stored is None:
            return None
        log.info("weekly digest %s enqueued for %d staff chats", key, len(recipients))
        return SentDigest(stored.id, tuple(recipients))
