"""E2E fixtures: the Bot API emulator and the real application polling it, in this process.

Every test that uses `settings` (hence `application`) runs twice: on an SQLite file and on a
fresh PostgreSQL database (`bot_database`; the PostgreSQL variant skips when
OMRADESBOT_TEST_POSTGRES_URL is unset).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.bootstrap import build_services
from bot.config import Secret, Settings
from bot.services import Services
from bot.storage import upgrade
from bot.telegram.app import ALLOWED_UPDATES, build_application
from bot.telegram.context import BotApplication
from tests.databases import BACKENDS, Database, postgres_database, sqlite_database
from tools.emulator import BotApiEmulator, SentMessage, User, running_emulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "4242424242:AAE-e2e-test-token_should-never-be-logged"
TIMEOUT = 5.0

# Every table that can mention a resident's chat id.
CHAT_TABLES = ("residents", "subscriptions", "questions", "deliveries", "tickets", "answers")

# See `emulator`: the burst one private chat may get before Telegram paces it at one a second.
SCRIPTED_BURST = 30


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/e2e talks to the emulator over HTTP."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A fresh Bot API emulator on a free port."""
    # Telegram's limits, with one exception: scripted residents type a dozen messages in a
    # second, which no person does, and each would wait out a 429 (Telegram does not publish
    # how long a burst to one chat may be). One a second per chat stays the sustained limit;
    # only the burst is raised. The send-budget scenarios (tests/reliability/test_send_budget*)
    # run with the emulator's default burst of 5.
    async with running_emulator(TOKEN, per_chat_burst=SCRIPTED_BURST) as emulator:
        yield emulator


@pytest.fixture(params=BACKENDS)
async def bot_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The bot's database for one test: an SQLite file, or a fresh migrated PostgreSQL database.

    PostgreSQL is migrated here because the bot migrates only its embedded SQLite default.
    """
    if request.param == "sqlite":
        yield sqlite_database(tmp_path / "data" / "bot.db")
        return
    async with postgres_database() as database:
        await upgrade(database.url)
        yield database


@pytest.fixture
def settings(emulator: BotApiEmulator, bot_database: Database) -> Settings:
    """Settings pointing the bot at the emulator and a temporary database."""
    return Settings(
        telegram_token=Secret(TOKEN),
        telegram_api_url=emulator.base_url,
        database_url=bot_database.plain_url,
        content_dir=ROOT / "content",
        flood_limit=20,
    )


@asynccontextmanager
async def started_app(services: Services) -> AsyncIterator[BotApplication]:
    """The real application, started and stopped the way run_polling does, polling the emulator."""
    app = build_application(services)
    await app.initialize()
    assert app.post_init is not None
    assert app.post_stop is not None
    assert app.post_shutdown is not None
    assert app.updater is not None
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.post_stop(app)
        await app.shutdown()
        await app.post_shutdown(app)


@pytest.fixture
async def application(settings: Settings) -> AsyncIterator[BotApplication]:
    """The real application polling the emulator."""
    async with started_app(build_services(settings)) as app:
        yield app


@dataclass
class Resident:
    """One person talking to the bot through the emulator, in a private chat by default."""

    emulator: BotApiEmulator
    user: User

    @property
    def chat_id(self) -> int:
        return self.user.id

    async def say(self, text: str, replies: int = 1) -> list[SentMessage]:
        """Send a text and return the bot's next `replies` messages."""
        before = self.emulator.count_messages(self.chat_id)
        await self.emulator.send_text(self.user, text)
        messages = await self.emulator.wait_for_messages(
            self.chat_id, before + replies, timeout=TIMEOUT
        )
        return messages[before:]

    async def says(self, text: str) -> SentMessage:
        """Send a text and return the bot's one reply."""
        (reply,) = await self.say(text)
        return reply

    async def press(self, message: SentMessage, data: str) -> SentMessage:
        """Press the button with `data` on `message`; the query must be answered."""
        before = self.emulator.count_messages(self.chat_id)
        query_id = await self.emulator.press_button(self.user, message, data=data)
        await self.emulator.wait_for_callback_answer(query_id, timeout=TIMEOUT)
        messages = await self.emulator.wait_for_messages(self.chat_id, before + 1, timeout=TIMEOUT)
        return messages[before]


@pytest.fixture
def resident(emulator: BotApiEmulator, application: BotApplication) -> Resident:
    """A Swedish-speaking resident (Telegram app in Swedish)."""
    return Resident(emulator, emulator.user(7001, language_code="sv"))


@pytest.fixture
def english_resident(emulator: BotApiEmulator, application: BotApplication) -> Resident:
    """A resident whose Telegram app is in English."""
    return Resident(emulator, emulator.user(7002, language_code="en-GB"))


def rows_about(db_file: Path, chat_id: int) -> dict[str, int]:
    """How many rows each table holds about `chat_id`, read straight from the SQLite file."""
    engine = create_engine(f"sqlite:///{db_file}")
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE chat_id = :chat"),
                    {"chat": chat_id},
                ).scalar_one()
                for table in CHAT_TABLES
            }
    finally:
        engine.dispose()


async def rows_in(database: Database, chat_id: int) -> dict[str, int]:
    """How many rows each table holds about `chat_id`, on either backend."""
    engine = database.engine()
    try:
        async with engine.connect() as connection:
            return {
                table: (
                    await connection.execute(
                        text(f"SELECT count(*) FROM {table} WHERE chat_id = :chat"),
                        {"chat": chat_id},
                    )
                ).scalar_one()
                for table in CHAT_TABLES
            }
    finally:
        await engine.dispose()


def labels(message: SentMessage) -> list[str]:
    """The callback data of every button on a message that sends some (not link buttons such
    as "Tell a neighbour", which open a URL; tests/e2e/test_deeplinks.py checks those)."""
    return [b.callback_data for b in message.buttons if b.callback_data is not None]
