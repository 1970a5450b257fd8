"""Data: /forget leaves no row and no log line with the resident's id; a database filled by the
first release upgrades to head without losing a row."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.storage.migrate import current_revision, head_revision, upgrade
from bot.telegram.logs import configure_logging
from tests.reliability.conftest import STAFF_ID, TOKEN, bot_settings, running_app
from tests.reliability.fixtures.build_first_release import FIRST_REVISION
from tests.reliability.fixtures.build_first_release import TARGET as FIRST_RELEASE_DB
from tests.reliability.results import Results
from tests.reliability.support import table_rows
from tools.emulator import BotApiEmulator, SentMessage, User

# Distinctive (more than 32 bits, no run of zeros), so a match in a log line is never chance.
CHAT_ID = 7_654_321_987


def mentions(database: Path, chat_id: int) -> list[tuple[str, dict[str, Any]]]:
    """Rows in any table with the chat id in any column, as a number or inside a text."""
    needle = str(chat_id)
    return [
        (table, row)
        for table, rows in table_rows(database).items()
        for row in rows
        if any(value == chat_id or needle in str(value) for value in row.values())
    ]


async def say(emulator: BotApiEmulator, user: User, text: str, replies: int = 1) -> SentMessage:
    return (await emulator.send_and_wait(user, text, replies=replies, timeout=10))[-1]


async def press(emulator: BotApiEmulator, user: User, message: SentMessage, prefix: str) -> None:
    data = next(
        b.callback_data for b in message.buttons if (b.callback_data or "").startswith(prefix)
    )
    before = emulator.count_messages(user.id)
    query = await emulator.press_button(user, message, data=data)
    await emulator.wait_for_callback_answer(query, timeout=10)
    await emulator.wait_for_messages(user.id, before + 1, timeout=10)


@pytest.fixture(params=["INFO", "DEBUG"])
def bot_logs(request: pytest.FixtureRequest) -> Logs:
    """Everything the bot logs, configured as `omradesbot run` does at INFO, then at DEBUG
    (tests/conftest.py restores the loggers afterwards)."""
    stream = io.StringIO()
    configure_logging(request.param, secrets=[TOKEN], stream=stream)
    return Logs(request.param, stream)


class Logs:
    """The log lines of one test, at one level."""

    def __init__(self, level: str, stream: io.StringIO) -> None:
        self.level = level
        self._stream = stream

    @property
    def lines(self) -> list[str]:
        return self._stream.getvalue().splitlines()


async def test_forget_leaves_no_row_and_no_log_line_with_the_residents_id(
    tmp_path: Path, emulator: BotApiEmulator, bot_logs: Logs, results: Results
) -> None:
    database = tmp_path / "bot.db"
    staff = emulator.user(STAFF_ID, language_code="sv")
    resident = emulator.user(CHAT_ID, "Greta", language_code="sv", username="greta_k")
    async with running_app(bot_settings(emulator, f"sqlite:///{database}")):
        # A whole journey that writes everywhere: questions, subscriptions, language, a ticket
        # answered by staff, a broadcast delivered.
        await say(emulator, resident, "/start")
        await say(emulator, resident, "när flyttar områdesarbetet till Balltorp?")
        await say(emulator, resident, "vad kostar en parkeringsplats på månen?")
        await say(emulator, resident, "/subscribe all")
        await say(emulator, resident, "/language en")
        confirm = await say(emulator, resident, "/ask Can I join the survey?")
        await press(emulator, resident, confirm, "ticket:send:")
        ticket = (await emulator.wait_for_messages(staff.id, 1, timeout=10))[-1]
        ticket_id = ticket.text.split("#", 1)[1].split()[0]
        await say(emulator, staff, f"/reply {ticket_id} Yes, everyone is welcome.")
        await emulator.wait_until(
            lambda: any("welcome" in m.content for m in emulator.messages(resident.id)),
            timeout=10,
        )
        preview = await say(emulator, staff, "/broadcast all Öppet hus på fredag")
        await press(emulator, staff, preview, "staff:send:")
        await emulator.wait_until(
            lambda: any("Öppet hus" in m.content for m in emulator.messages(resident.id)),
            timeout=10,
        )
        await emulator.wait_for_messages(staff.id, 5, timeout=10)  # the delivery report
        await say(emulator, resident, "/mydata")
        assert mentions(database, CHAT_ID), "the journey should have stored something"
        # Forget, confirmed with the button.
        confirm = await say(emulator, resident, "/forget")
        await press(emulator, resident, confirm, "forget:yes")
        await emulator.wait_for_updates_confirmed(timeout=10)
    left = mentions(database, CHAT_ID)
    assert not left, f"rows still mention the resident: {left}"
    lines = bot_logs.lines
    logged = [line for line in lines if str(CHAT_ID) in line]
    assert not logged, f"log lines with the resident's id: {logged}"
    assert lines, "the capture saw nothing: it would prove nothing"
    results.record(
        "data",
        "forget" if bot_logs.level == "INFO" else "forget_debug",
        {
            "tables_scanned": len(table_rows(database)),
            "rows_left": 0,
            f"log_lines_at_{bot_logs.level.lower()}": len(lines),
            "log_lines_with_id": 0,
        },
    )


async def test_a_database_from_the_first_release_upgrades_to_head_without_loss(
    tmp_path: Path, results: Results
) -> None:
    database = tmp_path / "first_release.db"
    shutil.copyfile(FIRST_RELEASE_DB, database)
    url = f"sqlite:///{database}"
    assert await current_revision(url) == FIRST_REVISION
    before = table_rows(database)
    await upgrade(url)
    assert await current_revision(url) == head_revision()
    after = table_rows(database)
    preserved: dict[str, int] = {}
    for table, rows in before.items():
        if table == "alembic_version":
            continue
        assert table in after, f"table {table} dropped by the upgrade"
        upgraded = after[table]
        for row in rows:
            # Columns a later revision adds are new; every old column keeps its value.
            assert any(all(new.get(k) == v for k, v in row.items()) for new in upgraded), (
                f"{table}: row lost or changed by the upgrade: {row}"
            )
        preserved[table] = len(rows)
    assert sum(preserved.values()) > 100
    results.record(
        "data",
        "migration",
        {
            "from_revision": FIRST_REVISION,
            "to_revision": head_revision(),
            "rows_preserved": preserved,
        },
    )
