"""Pictures and calendar files through the real bot and the emulator, as people see them."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import icalendar
import pytest

from bot.bootstrap import build_services
from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.config import Settings
from bot.telegram.context import BotApplication
from bot.visuals.png import MAX_CAPTION, PNG_SIGNATURE, png_dimensions
from tests.e2e.conftest import TIMEOUT, Resident, labels, started_app
from tools.emulator import BotApiEmulator, SentMessage

# Between the spring 2021 survey and the autumn 2021 start of the article's timeline.
WINTER_2021 = dt.datetime(2021, 1, 15, 12, 0, tzinfo=STOCKHOLM)
STAFF_ID = 9002
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's limits for uploads by a bot
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


@pytest.fixture
async def winter_app(settings: Settings) -> AsyncIterator[BotApplication]:
    """The bot with its clock stopped in January 2021, when two milestones are still ahead."""
    async with started_app(build_services(settings, clock=lambda: WINTER_2021)) as app:
        yield app


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The e2e settings with one staff member."""
    return Settings(**{**settings.__dict__, "staff_ids": frozenset({STAFF_ID})})


def assert_photo(message: SentMessage) -> bytes:
    assert message.method == "sendPhoto"
    assert message.photo is not None
    assert message.photo.mime_type == "image/png"
    data = message.photo.content
    assert data is not None
    assert data.startswith(PNG_SIGNATURE)
    assert png_dimensions(data)[0] == 1080
    assert 10_000 < len(data) < MAX_PHOTO_BYTES
    assert message.caption
    assert len(message.caption) <= MAX_CAPTION
    return data


async def test_the_timeline_comes_as_text_then_a_picture_with_calendar_buttons(
    emulator: BotApiEmulator, winter_app: BotApplication
) -> None:
    resident = Resident(emulator, emulator.user(7301, language_code="sv"))
    text, picture = await resident.say("/tidslinje", replies=2)
    assert text.method == "sendMessage"
    assert_photo(picture)
    assert picture.caption is not None
    assert "Nästa: våren 2021 – En kartläggning görs i Balltorp." in picture.caption
    assert labels(picture) == ["ics:balltorp-survey", "ics:balltorp-start"]
    assert all(b.text.startswith("Lägg till i kalendern") for b in picture.buttons)

    calendar_file = await resident.press(picture, "ics:balltorp-start")
    assert calendar_file.method == "sendDocument"
    document = calendar_file.document
    assert document is not None
    assert document.mime_type == "text/calendar"
    assert document.filename == "balltorp-start.ics"
    assert document.content is not None
    assert 0 < len(document.content) < MAX_DOCUMENT_BYTES
    (event,) = icalendar.Calendar.from_ical(document.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Områdesarbetet i Balltorp drar igång (hösten 2021)"
    assert str(event["UID"]) == "milestone-balltorp-start@omradesbot"
    assert calendar_file.caption is not None
    assert "hösten 2021" in calendar_file.caption


async def test_english_residents_get_an_english_picture_and_calendar_file(
    emulator: BotApiEmulator, winter_app: BotApplication
) -> None:
    resident = Resident(emulator, emulator.user(7302, language_code="en"))
    swedish = Resident(emulator, emulator.user(7303, language_code="sv"))
    _, picture = await resident.say("/milestones", replies=2)
    _, swedish_picture = await swedish.say("/milestones", replies=2)
    assert assert_photo(picture) != assert_photo(swedish_picture)
    assert picture.caption is not None
    assert "Next: spring 2021 – A survey (mapping) is carried out in Balltorp." in picture.caption
    assert all(b.text.startswith("Add to calendar") for b in picture.buttons)
    calendar_file = await resident.press(picture, "ics:balltorp-survey")
    assert calendar_file.document is not None
    assert calendar_file.document.content is not None
    (event,) = icalendar.Calendar.from_ical(calendar_file.document.content).walk("VEVENT")
    assert "spring 2021" in str(event["SUMMARY"])


async def test_the_timeline_button_of_the_welcome_shows_the_picture_too(
    emulator: BotApiEmulator, winter_app: BotApplication
) -> None:
    resident = Resident(emulator, emulator.user(7304, language_code="sv"))
    welcome = await resident.says("/start")
    before = emulator.count_messages(resident.chat_id)
    await emulator.press_button(resident.user, welcome, data="menu:timeline")
    messages = await emulator.wait_for_messages(resident.chat_id, before + 2, timeout=TIMEOUT)
    assert [m.method for m in messages[before:]] == ["sendMessage", "sendPhoto"]


async def test_a_forged_calendar_button_gets_a_notice_not_a_file(
    emulator: BotApiEmulator, winter_app: BotApplication
) -> None:
    resident = Resident(emulator, emulator.user(7305, language_code="sv"))
    _, picture = await resident.say("/tidslinje", replies=2)
    before = emulator.count_messages(resident.chat_id)
    query = await emulator.send_callback(
        resident.user, resident.chat_id, picture.message_id, "ics:no-such-milestone"
    )
    await emulator.wait_for_callback_answer(query, timeout=TIMEOUT)
    messages = await emulator.wait_for_messages(resident.chat_id, before + 1, timeout=TIMEOUT)
    (notice,) = messages[before:]
    assert notice.method == "sendMessage"
    assert notice.text is not None
    assert "/tidslinje" in notice.text


async def test_staff_stats_come_with_a_chart(
    emulator: BotApiEmulator, application: BotApplication
) -> None:
    resident = Resident(emulator, emulator.user(7306, language_code="sv"))
    await resident.says("/prenumerera balltorp")
    await resident.says("När börjar arbetet i Balltorp?")
    staff = Resident(emulator, emulator.user(STAFF_ID, language_code="en"))
    numbers, chart = await staff.say("/stats", replies=2)
    assert numbers.method == "sendMessage"
    assert_photo(chart)
    assert chart.caption is not None
    assert "Subscribers now: Balltorp 1, Kållered 0." in chart.caption
    assert "Questions in the last 28 days: 1," in chart.caption
