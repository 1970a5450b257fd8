"""The long-lived services the bot runs on: built once at start-up, closed at shutdown.

Transports (Telegram, later the scheduler) reach everything through one `Services` value, so
nothing is global and tests build their own with a fake clock and a temporary database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.content import TEXTS_FILE, Content, load_content, missing_texts
from bot.dialogue import Dialogue
from bot.dialogue import text_problems as dialogue_text_problems
from bot.digest import Digest
from bot.errors import ContentError, StorageError
from bot.feedback import FEEDBACK_TEXTS, Feedback
from bot.flood import FloodGate, Gate, SharedFloodGate
from bot.insight import INSIGHT_TEXTS, Insight
from bot.leadership import Leadership
from bot.matching import Matcher, ModelStore
from bot.residents import RESIDENT_TEXTS, Residents
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import current_revision, head_revision, upgrade
from bot.storage.url import database_url, safe_url
from bot.surveys.flow import SurveyFlow
from bot.surveys.stability import live_problems
from bot.surveys.texts import survey_text_problems
from bot.tickets import TICKET_TEXTS, Tickets
from bot.visuals.texts import visual_text_problems
from scheduler.budget import LocalWindow, SendBudget
from scheduler.lost import LostMessages
from scheduler.ratelimit import SystemClock
from scheduler.runtime import DeliveryRuntime
from scheduler.shared_budget import SharedWindow

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def system_clock(settings: Settings) -> Clock:
    """The real time, aware, in the bot's time zone."""
    zone = settings.timezone
    return lambda: dt.datetime.now(zone)


@dataclass(frozen=True)
class ContentBundle:
    """Content with the matcher and dialogue built from it; replaced as a whole on reload."""

    content: Content
    matcher: Matcher
    dialogue: Dialogue

    @classmethod
    def build(
        cls, content: Content, *, ask_staff: bool = False, store: ModelStore | None = None
    ) -> ContentBundle:
        """Build the matcher and dialogue; ContentError if the texts miss a key the bot needs.

        `store` keeps the matcher's trained model between starts (see bot/matching/store.py).
        """
        problems = text_problems(content)
        if problems:
            raise ContentError(problems)
        matcher = Matcher(content, store=store)
        return cls(content, matcher, Dialogue(content, matcher, ask_staff=ask_staff))


def model_store(settings: Settings) -> ModelStore | None:
    """Where the matcher keeps its trained model between starts, if anywhere."""
    return ModelStore(settings.cache_dir) if settings.cache_dir is not None else None


def text_problems(content: Content) -> list[str]:
    """Every UI string some part of the bot needs that texts.yaml lacks or fills wrongly."""
    where = str(content.directory / TEXTS_FILE)
    return [
        *dialogue_text_problems(content.texts, where),
        *missing_texts(content.texts, RESIDENT_TEXTS, where=where, needed_by="the bot"),
        *missing_texts(content.texts, TICKET_TEXTS, where=where, needed_by="asking the staff"),
        *missing_texts(content.texts, FEEDBACK_TEXTS, where=where, needed_by="answer feedback"),
        *missing_texts(content.texts, INSIGHT_TEXTS, where=where, needed_by="staff insight"),
        *visual_text_problems(content.texts, where),
        *survey_text_problems(content.texts, where),
    ]


class ContentHolder:
    """The live content; `reload()` swaps it in one assignment, so a reader never sees a mix."""

    def __init__(
        self,
        bundle: ContentBundle,
        directory: Path,
        *,
        ask_staff: bool = False,
        store: ModelStore | None = None,
    ) -> None:
        self._bundle = bundle
        self._directory = directory
        self._ask_staff = ask_staff
        self._store = store

    @classmethod
    def load(
        cls, directory: Path, *, ask_staff: bool = False, store: ModelStore | None = None
    ) -> ContentHolder:
        """Load and validate `directory`; ContentError lists every problem.

        `ask_staff`: the dialogue offers "Ask the staff" (only when staff can answer).
        `store`: where the matcher keeps its trained model between starts.
        """
        bundle = ContentBundle.build(load_content(directory), ask_staff=ask_staff, store=store)
        return cls(bundle, directory, ask_staff=ask_staff, store=store)

    @property
    def current(self) -> ContentBundle:
        """The bundle to use for one whole reply (take it once, then use its parts)."""
        return self._bundle

    def reload(self) -> ContentBundle:
        """Re-read the content; on ContentError the old content stays live and the error rises."""
        bundle = ContentBundle.build(
            load_content(self._directory), ask_staff=self._ask_staff, store=self._store
        )
        self._bundle = bundle
        log.info("content reloaded from %s: %d topics", self._directory, len(bundle.content.faq))
        return bundle


@dataclass
class Services:
    """Everything long-lived the transports use; see `create`, `prepare_database`, `close`."""

    settings: Settings
    content: ContentHolder
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    flood: Gate
    residents: Residents
    # Every message the bot sends takes a permit here (scheduler/budget.py): the request layer
    # for replies, the outbox sender for pushes. On PostgreSQL it is shared by all processes.
    budget: SendBudget
    lost: LostMessages
    # --- issue 4 (scheduler, outbox sender) and issue 5 (tickets): add fields below, each
    # with a default, and start/stop them in bot/telegram/app.py's post_init/post_shutdown.
    # The outbox sender and scheduler need the bot, so post_init builds and starts them.
    delivery: DeliveryRuntime | None = None
    # Issue 6: which process runs `delivery` (scheduler + sender); see bot/leadership.py.
    leadership: Leadership | None = None
    tickets: Tickets | None = None  # asking the staff (issue 5); set by `create`
    surveys: SurveyFlow | None = None  # residents answering surveys (issue 18); set by `create`
    feedback: Feedback | None = None  # 👍/👎 under answers (issue 16); set by `create`
    insight: Insight | None = None  # what the bot achieves, for /stats and the digest (issue 16)
    digest: Digest | None = None  # the weekly digest to the staff (issue 16)

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        content: ContentHolder | None = None,
        clock: Clock | None = None,
    ) -> Services:
        """Build the services; nothing connects to the database until first use."""
        content = content or ContentHolder.load(
            settings.content_dir, ask_staff=bool(settings.staff_ids), store=model_store(settings)
        )
        clock = clock or system_clock(settings)
        engine = create_engine(settings.database_url)
        sessions = session_factory(engine)
        # One process per SQLite file (bot/instance_lock.py); PostgreSQL may have several, which
        # must share the flood count and the send budget instead of each keeping its own.
        sole_writer = engine.dialect.name == "sqlite"
        flood: Gate = (
            FloodGate(settings.flood_limit, clock)
            if sole_writer
            else SharedFloodGate(sessions, settings.flood_limit, clock)
        )
        retention = dt.timedelta(days=settings.question_retention_days)
        residents = Residents(
            sessions,
            content,
            clock,
            flood,
            retention=retention,
            sole_writer=sole_writer,
            keep_drafts=bool(settings.staff_ids),
        )
        feedback = Feedback(
            sessions,
            content,
            clock,
            zone=settings.timezone,
            retention=retention,
            ask_staff=bool(settings.staff_ids),
            language=residents.language,
        )
        residents.feedback = feedback
        tickets = Tickets(sessions, content, residents, settings, clock)
        lost = LostMessages(sessions)
        insight = Insight(sessions, lambda: content.current.content, clock, settings.timezone)
        window = (
            LocalWindow(settings.send_rate, SystemClock())
            if sole_writer
            else SharedWindow(engine, settings.send_rate)
        )
        budget = SendBudget(window, push_rate=settings.broadcast_rate, on_lost=lost.record)
        return cls(
            settings,
            content,
            engine,
            sessions,
            clock,
            flood,
            residents,
            budget,
            lost,
            tickets=tickets,
            surveys=SurveyFlow(
                sessions,
                lambda: content.current.content,
                clock,
                residents.language,
                sole_writer=sole_writer,
            ),
            feedback=feedback,
            insight=insight,
            digest=Digest(sessions, insight, settings, clock),
        )

    async def prepare_database(self) -> None:
        """Migrate the embedded SQLite database; refuse any other database that is not at head.

        An operator's PostgreSQL is migrated only on request (`omradesbot db upgrade`), so a
        deploy never changes a shared schema behind their back.
        """
        await prepare_database(self.settings.database_url, self.engine)
        # Content that drops a question of a survey with answers is invalid content: refuse it
        # here as `check-content` and /reload do (bot/surveys/stability.py).
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
