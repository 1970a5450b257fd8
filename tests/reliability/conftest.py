"""Reliability fixtures: the emulator, the real application in this process or as `omradesbot
run`, log capture, and the figures every test records for docs/reliability.md."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import build_services
from bot.config import Secret, Settings
from bot.telegram.context import BotApplication
from tests.e2e.conftest import started_app
from tests.reliability.results import Results, results_path
from tools.emulator import BotApiEmulator, running_emulator

ROOT = Path(__file__).resolve().parents[2]
# A token with a distinctive secret part, so a leak of either half is easy to find in logs.
TOKEN = "5150515051:AAH-reliability_SECRET-part-9f3c"
TOKEN_SECRET = TOKEN.partition(":")[2]
STAFF_ID = 4_000_001

# PTB 22 warns (an error under pytest) when a RetryAfter is built, unless it may use timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")

# See `emulator`: the burst one private chat may get before Telegram paces it at one a second.
SCRIPTED_BURST = 30


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every reliability test talks to the emulator or drives the bot hard, and most measure how
    fast: mark them slow, and timing so they never share the cores with other tests."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.timing)


_RESULTS = Results()


@pytest.fixture(scope="session")
def results() -> Iterator[Results]:
    """The figures of this run; written for `make reliability` at the end of the session."""
    yield _RESULTS
    path = results_path()
    if path is not None:
        _RESULTS.save(path)


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


def enforce_raised_rate(emulator: BotApiEmulator, rate: float) -> None:
    """A test that raises OMRADESBOT_SEND_RATE to `rate` to stay short (the mechanism is the same
    at 30/s; Telegram's paid broadcasts allow up to 1,000/s) has the emulator enforce that rate
    instead of 30/s. Every other limit stays as the `emulator` fixture sets it."""
    emulator.set_rate_limits(global_per_second=rate, per_chat_burst=SCRIPTED_BURST)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite file for the bot (migrated by the bot at start-up)."""
    return f"sqlite:///{tmp_path / 'data' / 'bot.db'}"


def bot_settings(emulator: BotApiEmulator, database_url: str, **overrides: Any) -> Settings:
    """Settings pointing the bot at the emulator; `overrides` replace single fields."""
    values: dict[str, Any] = {
        "telegram_token": Secret(TOKEN),
        "telegram_api_url": emulator.base_url,
        "database_url": database_url,
        "content_dir": ROOT / "content",
        "staff_ids": frozenset({STAFF_ID}),
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[BotApplication]:
    """The real application for `settings`, polling the emulator (tests.e2e.conftest)."""
    async with started_app(build_services(settings)) as app:
        yield app


class LogCapture(logging.Handler):
    """Every record at or above a level, formatted with its traceback, kept as lines."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def info_logs() -> Iterator[LogCapture]:
    """Everything logged at INFO and above (the production default level) during the test."""
    capture = LogCapture(logging.INFO)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)


async def start_bot_process(
    emulator: BotApiEmulator,
    database_url: str,
    *,
    log: Path | None = None,
    **env: str,
) -> asyncio.subprocess.Process:
    """`omradesbot run` as a subprocess on the emulator; stderr (the log) goes to `log`."""
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": emulator.base_url,
        "OMRADESBOT_DATABASE_URL": database_url,
        "OMRADESBOT_CONTENT_DIR": str(ROOT / "content"),
        "OMRADESBOT_LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
        **env,
    }
    stderr = log.open("ab") if log is not None else None
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=environment,
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr if stderr is not None else asyncio.subprocess.DEVNULL,
        )
    finally:
        if stderr is not None:
            stderr.close()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]
