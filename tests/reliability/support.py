"""Helpers shared by the reliability tests: a prepared broadcast, reading the bot's SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from tests.e2e.outbox_support import add_subscribers, enqueue
from tests.reliability.conftest import STAFF_ID


async def prepare_broadcast(database: Path | str, recipients: range, text: str) -> list[int]:
    """A migrated database (an SQLite file, or a URL) with `recipients` subscribed to Balltorp and
    one broadcast queued to them (reported to the staff member); returns their chat ids."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        chats = await add_subscribers(sessions, recipients, "balltorp")
        await enqueue(sessions, "balltorp", text, staff_chat_id=STAFF_ID)
    finally:
        await engine.dispose()
    return chats


def delivery_statuses(database: Path) -> dict[str, int]:
    """How many deliveries are in each status, read straight from the file."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT status, count(*) FROM deliveries GROUP BY status")
        return dict(rows.fetchall())


def error_lines(log: Path) -> list[str]:
    """The ERROR and CRITICAL lines of a bot log (tracebacks follow them)."""
    if not log.exists():
        return []
    return [
        line
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if " ERROR " in line or " CRITICAL " in line
    ]


def table_rows(database: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as column -> value, read with plain sqlite3."""
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: [dict(row) for row in connection.execute(f'SELECT * FROM "{table}"')]
            for table in tables
        }


def lost_counts(database: Path) -> dict[str, int]:
    """Messages the bot counted as undelivered, per reason, read straight from the file."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT reason, sum(count) FROM lost_messages GROUP BY reason")
        return dict(rows.fetchall())
