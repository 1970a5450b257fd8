"""Staff /stats and /reload through the real bot and the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.telegram.context import BotApplication
from tests.e2e.conftest import Resident
from tools.emulator import BotApiEmulator

STAFF_ID = 9001


@pytest.fixture
def content_dir(tmp_content: object) -> Path:
    """A copy of the content this test may break."""
    return tmp_content()  # type: ignore[operator,no-any-return]


@pytest.fixture
def settings(settings: Settings, content_dir: Path) -> Settings:
    """The e2e settings with one staff member and breakable content."""
    return Settings(
        **{**settings.__dict__, "staff_ids": frozenset({STAFF_ID}), "content_dir": content_dir}
    )


@pytest.fixture
def staff(emulator: BotApiEmulator, application: BotApplication) -> Resident:
    """A staff member whose Telegram app is in English."""
    return Resident(emulator, emulator.user(STAFF_ID, language_code="en"))


async def test_stats_count_subscribers_per_area_and_language_and_questions(
    emulator: BotApiEmulator, staff: Resident
) -> None:
    sv = Resident(emulator, emulator.user(7301, language_code="sv"))
    en = Resident(emulator, emulator.user(7302, language_code="en"))
    await sv.says("/subscribe balltorp")
    await en.says("/subscribe balltorp")
    await sv.say("Varför flyttar områdesarbetet till Balltorp?", replies=1)

    stats = (await staff.says("/stats")).text

    assert "Balltorp en: 1" in stats
    assert "Balltorp sv: 1" in stats
    assert "Questions in the last 7 days: 1" in stats


async def test_invalid_content_is_rejected_and_the_old_content_stays_live(
    staff: Resident, resident: Resident, content_dir: Path
) -> None:
    texts = content_dir / "texts.yaml"
    original = texts.read_text(encoding="utf-8")
    texts.write_text(original + "\nbroken: {sv: only swedish}\n", encoding="utf-8")

    refused = await staff.says("/reload")

    assert refused.text.startswith("Content was not reloaded; the old content stays live.")
    assert "broken" in refused.text
    assert (await resident.says("/hjalp")).text  # still answering from the old content

    texts.write_text(original, encoding="utf-8")
    assert (await staff.says("/reload")).text.startswith("Content reloaded:")


async def test_stats_count_the_replies_that_could_not_be_delivered(
    emulator: BotApiEmulator, staff: Resident, application: BotApplication
) -> None:
    gone = emulator.user(7303, language_code="sv")
    await emulator.block(gone, notify=False)  # blocked the bot just after writing to it
    await emulator.send_text(gone, "Varför flyttar områdesarbetet till Balltorp?")
    await emulator.wait_until(
        lambda: any(r.chat_id == gone.id and r.status == 403 for r in emulator.send_log),
        what="the refused reply",
    )
    await application.bot_data.services.lost.flush()

    stats = (await staff.says("/stats")).text

    assert "Messages that could not be delivered in the last 7 days: 1 (bot blocked 1)" in stats
    # Only the reply: no apology tried after it, and nothing retried against a 403.
    assert [r.status for r in emulator.send_log if r.chat_id == gone.id] == [403]
