"""The long-lived services the bot runs on: one frozen container, built once by bot/bootstrap.py.

Transports (Telegram, the terminal) reach everything through one `Services` value, so nothing
is global and tests build their own (`build_services`) with a fake clock and a temporary
database. Nothing in it is filled in later: the delivery runtime, which needs the bot to send,
sits behind the `delivery` port, connected in post_init.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core.deeplinks import BotLinks
from bot.core.digest import Digest
from bot.core.feedback import Feedback
from bot.core.flood import Gate
from bot.core.insight import Insight
from bot.core.invitations import Invitations
from bot.core.privacy import Privacy
from bot.core.residents import Residents
from bot.core.staff import StaffService
from bot.core.surveys.flow import SurveyFlow
from bot.core.surveys.stability import live_problems
from bot.core.surveys.staff import SurveyStaff
from bot.core.tickets import Tickets
from bot.domain import Clock
from bot.errors import ContentError, StorageError
from bot.holder import ContentHolder
from bot.storage.migrate import current_revision, head_revision, upgrade
from bot.storage.url import database_url, safe_url
from scheduler.budget import SendBudget
from scheduler.housekeeping import Housekeeping
from scheduler.leadership import Leadership
from scheduler.lost import LostMessages
from scheduler.runtime import Delivery
from scheduler.shared_budget import SharedWindow


@dataclass(frozen=True)
class Services:
    """Everything long-lived the transports use; see `prepare_database` and `close`."""

    settings: Settings
    content: ContentHolder
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    flood: Gate
    residents: Residents
    tickets: Tickets  # asking the staff
    staff: StaffService  # broadcasts, milestones, stats, reload
    privacy: Privacy  # /forget across residents' rows and the staff's copies
    # Every message the bot sends takes a permit here (scheduler/budget.py): the request layer
    # for replies, the outbox sender for pushes. On PostgreSQL it is shared by all processes.
    budget: SendBudget
    lost: LostMessages
    feedback: Feedback  # 👍/👎 under answers
    # Deep-link starts, "Tell a neighbour", posters; `links` learns the bot's username from
    # Telegram in post_init, as `delivery` learns the bot.
    invitations: Invitations
    links: BotLinks
    insight: Insight  # what the bot achieves, for /stats, the report and the digest
    digest: Digest  # the weekly digest to the staff
    surveys: SurveyFlow  # residents answering surveys (bot/core/surveys/)
    survey_staff: SurveyStaff  # /survey start|results|close|publish, /surveys
    # The outbox sender and the reminder scheduler, behind the port the core drives; the
    # transport connects it to the bot in post_init.
    delivery: Delivery
    # The prunes, the flood-gate sweep and the digest's timetable, in every process
    # (scheduler/housekeeping.py).
    housekeeping: Housekeeping
    # Which process runs `delivery` (scheduler/leadership.py): started in post_init, stopped
    # in post_stop.
    leadership: Leadership

    async def prepare_database(self) -> None:
        """Migrate the embedded SQLite database; refuse any other database that is not at head.

        An operator's PostgreSQL is migrated only on request (`omradesbot db upgrade`), so a
        deploy never changes a shared schema behind their back.
        """
        await prepare_database(self.settings.database_url, self.engine)
        # Content that drops a question of a survey with answers is invalid content: refuse it
        # here as `check-content` and /reload do (bot/core/surveys/stability.py).
        content = self.content.current.content
        problems = await live_problems(content.directory, content.surveys, self.sessions)
        if problems:
            raise ContentError(problems)

    async def close(self) -> None:
        """Stop the send budget, record the last lost messages, release the database."""
        await self.budget.close()
        await self.lost.flush()
        window = self.budget.window
        if isinstance(window, SharedWindow):
            await window.close()
        await self.engine.dispose()


async def prepare_database(raw_url: str, engine: AsyncEngine | None = None) -> None:
    """See `Services.prepare_database`; usable before any services exist."""
    url = database_url(raw_url)
    target = engine or url
    if url.get_backend_name() == "sqlite":
        await upgrade(target)
        return
    current, head = await current_revision(target), head_revision()
    if current != head:
        raise StorageError(
            f"the database {safe_url(url)} is at revision {current or 'none (empty)'}, "
            f"but this version of the bot needs {head}. Run `omradesbot db upgrade` first."
        )
