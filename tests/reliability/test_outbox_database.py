"""Regression: the outbox sender waits out a database that is briefly unavailable.

Before, a `database is locked` while claiming rows ended the sender's task: the broadcast stopped
until the bot was restarted, and the error only surfaced at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

from bot.content import Content
from bot.storage.engine import create_engine
from tests.e2e.outbox_support import make_sender, ptb_bot
from tests.reliability.conftest import enforce_raised_rate
from tests.reliability.support import delivery_statuses, prepare_broadcast
from tools.emulator import BotApiEmulator


class _Seen(logging.Handler):
    """Sets an event when a record containing `words` is logged."""

    def __init__(self, words: str) -> None:
        super().__init__(logging.WARNING)
        self.words = words
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.words in record.getMessage():
            self.event.set()


async def test_the_sender_waits_for_a_locked_database_and_then_delivers_everything(
    tmp_path: Path, emulator: BotApiEmulator, content: Content
) -> None:
    database = tmp_path / "bot.db"
    enforce_raised_rate(emulator, 50)  # the sender's raised rate below, still enforced
    chats = await prepare_broadcast(database, range(40_000, 40_030), "Möte")
    engine = create_engine(f"sqlite:///{database}")
    bot = ptb_bot(emulator)
    waiting = _Seen("outbox waiting for the database")
    logging.getLogger("scheduler.outbox").addHandler(waiting)
    blocker = sqlite3.connect(database, isolation_level=None)
    try:
        async with bot:
            sender = make_sender(engine, bot, content, rate=50)
            blocker.execute("BEGIN IMMEDIATE")
            running = asyncio.create_task(sender.run(until_idle=True))
            await asyncio.wait_for(waiting.event.wait(), 30)
            assert not running.done(), "the sender gave up on a locked database"
            blocker.execute("ROLLBACK")
            await asyncio.wait_for(running, 60)
    finally:
        blocker.close()
        logging.getLogger("scheduler.outbox").removeHandler(waiting)
        await engine.dispose()
    assert {emulator.count_messages(chat) for chat in chats} == {1}
    assert delivery_statuses(database) == {"sent": len(chats)}
