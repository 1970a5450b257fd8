"""Milestone reminders through the real bot and the emulator, the job run with a chosen `now`."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.config import Settings
from bot.telegram.context import BotApplication
from scheduler.jobs import Jobs
from tests.e2e.conftest import TIMEOUT, Resident, labels
from tools.emulator import BotApiEmulator

STAFF_ID = 9001
MILESTONE = "20300510-oppet-hus-i-balltorp"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The e2e settings with one staff member."""
    return Settings(**{**settings.__dict__, "staff_ids": frozenset({STAFF_ID})})


def jobs_of(application: BotApplication) -> Jobs:
    delivery = application.bot_data.services.delivery
    assert delivery is not None
    return delivery.jobs


async def test_a_reminder_arrives_once_in_each_language_with_an_unsubscribe_button(
    emulator: BotApiEmulator, application: BotApplication
) -> None:
    staff = Resident(emulator, emulator.user(STAFF_ID, language_code="sv"))
    sv = Resident(emulator, emulator.user(7201, language_code="sv"))
    en = Resident(emulator, emulator.user(7202, language_code="en"))
    other = Resident(emulator, emulator.user(7203, language_code="sv"))
    await sv.says("/subscribe balltorp")
    await en.says("/subscribe all")
    await other.says("/subscribe kallered")
    added = await staff.says("/milestone add 2030-05-10 18:00 balltorp Öppet hus i Balltorp")
    assert MILESTONE in added.text
    scheduler = application.bot_data.services.delivery.scheduler  # type: ignore[union-attr]
    assert {job.id for job in scheduler.get_jobs()} >= {
        f"reminder:{MILESTONE}:1w",
        f"reminder:{MILESTONE}:1d",
    }

    due = dt.datetime(2030, 5, 9, 18, 0, tzinfo=STOCKHOLM)
    jobs = jobs_of(application)
    first = await jobs.send_reminder(MILESTONE, f"reminder:{MILESTONE}:1d", now=due)
    again = await jobs.send_reminder(
        MILESTONE, f"reminder:{MILESTONE}:1d", now=due + dt.timedelta(minutes=1)
    )

    assert first is not None
    assert again is None  # the same reminder is never enqueued twice
    got_sv = (await emulator.wait_for_messages(sv.chat_id, 2, timeout=TIMEOUT))[1]
    got_en = (await emulator.wait_for_messages(en.chat_id, 2, timeout=TIMEOUT))[1]
    assert got_sv.text == "⏰ Påminnelse: Öppet hus i Balltorp (2030-05-10 kl. 18:00)"
    assert got_en.text == "⏰ Reminder: Öppet hus i Balltorp (2030-05-10 at 18:00)"
    assert labels(got_sv) == ["unsub:balltorp"]
    assert emulator.count_messages(other.chat_id) == 1


async def test_a_reminder_later_than_the_grace_is_skipped(
    emulator: BotApiEmulator, application: BotApplication
) -> None:
    staff = Resident(emulator, emulator.user(STAFF_ID, language_code="sv"))
    sv = Resident(emulator, emulator.user(7211, language_code="sv"))
    await sv.says("/subscribe balltorp")
    await staff.says("/milestone add 2030-05-10 18:00 balltorp Öppet hus i Balltorp")

    too_late = dt.datetime(2030, 5, 10, 0, 1, tzinfo=STOCKHOLM)  # 1d reminder due 6 h 1 min ago
    sent = await jobs_of(application).send_reminder(
        MILESTONE, f"reminder:{MILESTONE}:1d", now=too_late
    )

    assert sent is None
    assert emulator.count_messages(sv.chat_id) == 1


async def test_moving_a_milestone_tells_its_subscribers_and_reschedules(
    emulator: BotApiEmulator, application: BotApplication
) -> None:
    staff = Resident(emulator, emulator.user(STAFF_ID, language_code="sv"))
    sv = Resident(emulator, emulator.user(7221, language_code="sv"))
    await sv.says("/subscribe balltorp")
    await staff.says("/milestone add 2030-05-10 18:00 balltorp Öppet hus i Balltorp")

    moved = await staff.says(f"/milestone move {MILESTONE} 2030-06-01 17:00")

    assert "1 prenumeranter" in moved.text
    notice = (await emulator.wait_for_messages(sv.chat_id, 2, timeout=TIMEOUT))[1]
    assert notice.text == (
        "📅 Nytt datum: Öppet hus i Balltorp Nu: 2030-06-01 17:00 (tidigare 2030-05-10 18:00)."
    )
    scheduler = application.bot_data.services.delivery.scheduler  # type: ignore[union-attr]
    job = scheduler.get_job(f"reminder:{MILESTONE}:1d")
    assert job.trigger.run_date == dt.datetime(2030, 5, 31, 17, 0, tzinfo=STOCKHOLM)

    assert (await staff.says(f"/milestone remove {MILESTONE}")).text.startswith("Datum")
    assert scheduler.get_job(f"reminder:{MILESTONE}:1d") is None
