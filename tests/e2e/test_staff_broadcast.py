"""Staff broadcasts through the real bot and the emulator: preview, send, refusals, fix-ups."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.config import Settings
from bot.telegram.context import BotApplication
from tests.e2e.conftest import TIMEOUT, Resident, labels
from tools.emulator import BotApiEmulator, SentMessage

STAFF_ID = 9001


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The e2e settings with one staff member."""
    return Settings(**{**settings.__dict__, "staff_ids": frozenset({STAFF_ID})})


@pytest.fixture
def staff(emulator: BotApiEmulator, application: BotApplication) -> Resident:
    """A staff member whose Telegram app is in Swedish."""
    return Resident(emulator, emulator.user(STAFF_ID, language_code="sv"))


@pytest.fixture
async def subscribers(
    emulator: BotApiEmulator, application: BotApplication
) -> tuple[Resident, Resident, Resident]:
    """A Swedish and an English subscriber of Balltorp, and a subscriber of Kållered."""
    sv = Resident(emulator, emulator.user(7101, language_code="sv"))
    en = Resident(emulator, emulator.user(7102, language_code="en"))
    other = Resident(emulator, emulator.user(7103, language_code="sv"))
    await sv.says("/subscribe balltorp")
    await en.says("/subscribe balltorp")
    await other.says("/subscribe kallered")
    return sv, en, other


async def preview(staff: Resident, text: str) -> tuple[SentMessage, int]:
    message = await staff.says(text)
    send = next(data for data in labels(message) if data.startswith("staff:send:"))
    return message, int(send.rsplit(":", 1)[1])


async def test_a_broadcast_reaches_one_area_only_in_each_language(
    emulator: BotApiEmulator,
    staff: Resident,
    subscribers: tuple[Resident, Resident, Resident],
) -> None:
    sv, en, other = subscribers
    message, broadcast_id = await preview(
        staff, "/broadcast balltorp Öppet hus i lokalen. || Open house at the venue."
    )
    assert "2 mottagare" in message.text
    assert [b.text for b in message.buttons] == ["Skicka", "Avbryt"]
    assert emulator.count_messages(sv.chat_id) == 1  # only the subscription confirmation

    confirmation = await staff.press(message, f"staff:send:{broadcast_id}")
    assert "2 mottagare" in confirmation.text

    (got_sv,) = (await emulator.wait_for_messages(sv.chat_id, 2, timeout=TIMEOUT))[1:]
    (got_en,) = (await emulator.wait_for_messages(en.chat_id, 2, timeout=TIMEOUT))[1:]
    assert got_sv.text == "📣 Nytt om områdesarbetet:\n\nÖppet hus i lokalen."
    assert got_en.text == "📣 News about the area-based community work:\n\nOpen house at the venue."
    assert labels(got_sv) == ["unsub:balltorp"]
    assert [b.text for b in got_en.buttons] == ["Unsubscribe"]
    report = (await emulator.wait_for_messages(staff.chat_id, 3, timeout=TIMEOUT))[2]
    assert f"utskick #{broadcast_id}: 2 levererade, 0 blockerade, 0 misslyckades" in report.text
    assert emulator.count_messages(other.chat_id) == 1


async def test_cancel_sends_nothing(
    emulator: BotApiEmulator,
    staff: Resident,
    subscribers: tuple[Resident, Resident, Resident],
) -> None:
    sv, _, _ = subscribers
    message, broadcast_id = await preview(staff, "/broadcast all Hej")

    reply = await staff.press(message, f"staff:drop:{broadcast_id}")

    assert "Inget skickades" in reply.text
    again = await staff.press(message, f"staff:send:{broadcast_id}")
    assert "går inte att bekräfta" in again.text
    assert emulator.count_messages(sv.chat_id) == 1


async def test_non_staff_are_refused_by_command_and_by_forged_button(
    emulator: BotApiEmulator,
    staff: Resident,
    subscribers: tuple[Resident, Resident, Resident],
) -> None:
    sv, en, _ = subscribers
    refused = await sv.says("/broadcast balltorp Falskt larm")
    assert refused.text == "Det här kommandot är bara för personalen."
    assert (await en.says("/stats")).text == "This command is for staff."

    _, broadcast_id = await preview(staff, "/broadcast balltorp Riktigt utskick")
    query = await emulator.send_callback(
        sv.user, sv.chat_id, refused.message_id, f"staff:send:{broadcast_id}"
    )
    await emulator.wait_for_callback_answer(query, timeout=TIMEOUT)
    forged = (await emulator.wait_for_messages(sv.chat_id, 3, timeout=TIMEOUT))[2]

    assert forged.text == "Det här kommandot är bara för personalen."
    assert emulator.count_messages(en.chat_id) == 2  # confirmation and the refusal, no push


async def test_bad_arguments_get_the_usage_line(staff: Resident) -> None:
    assert (await staff.says("/broadcast everywhere Hej")).text.startswith("Så här: /broadcast")
    assert (await staff.says("/schedule tomorrow balltorp Hej")).text.startswith(
        "Så här: /schedule"
    )
    assert (await staff.says("/cancel x")).text.startswith("Så här: /cancel")


async def test_correct_then_retract_edit_and_delete_every_copy(
    emulator: BotApiEmulator,
    staff: Resident,
    subscribers: tuple[Resident, Resident, Resident],
) -> None:
    sv, en, _ = subscribers
    message, broadcast_id = await preview(staff, "/broadcast balltorp Mötet är på tisdag")
    await staff.press(message, f"staff:send:{broadcast_id}")
    await emulator.wait_for_messages(staff.chat_id, 3, timeout=TIMEOUT)  # report

    reply = await staff.says(f"/correct {broadcast_id} Mötet är på onsdag")
    assert "2 mottagare" in reply.text
    await emulator.wait_until(
        lambda: all(
            emulator.last_message(r.chat_id).text.endswith("Mötet är på onsdag") for r in (sv, en)
        ),
        timeout=TIMEOUT,
    )
    assert emulator.count_messages(sv.chat_id) == 2  # edited in place, not sent again

    await staff.says(f"/retract {broadcast_id}")
    await emulator.wait_until(
        lambda: all(emulator.last_message(r.chat_id).deleted for r in (sv, en)), timeout=TIMEOUT
    )
    assert (await staff.says(f"/retract {broadcast_id}")).text.startswith("Det finns inget")


async def test_a_scheduled_broadcast_waits_for_its_time_and_can_be_cancelled(
    emulator: BotApiEmulator,
    application: BotApplication,
    staff: Resident,
    subscribers: tuple[Resident, Resident, Resident],
) -> None:
    sv, _, other = subscribers
    message, first = await preview(staff, "/schedule 2030-05-10 18:00 kallered Städdag på lördag")
    assert "2030-05-10 18:00" in message.text
    assert "2030-05-10 18:00" in (await staff.press(message, f"staff:send:{first}")).text
    message, second = await preview(staff, "/schedule 2030-06-01 10:00 balltorp Något annat")
    await staff.press(message, f"staff:send:{second}")

    listing = (await staff.says("/scheduled")).text
    assert f"#{first} 2030-05-10 18:00" in listing
    assert f"#{second} 2030-06-01 10:00" in listing
    delivery = application.bot_data.services.delivery
    assert delivery is not None
    assert delivery.scheduler.get_job(f"broadcast:{first}") is not None
    assert (await staff.says(f"/cancel {second}")).text == f"Utskick #{second} är avbrutet."
    assert delivery.scheduler.get_job(f"broadcast:{second}") is None

    assert emulator.count_messages(other.chat_id) == 1  # nothing before its time
    await delivery.jobs.send_scheduled(first, now=dt.datetime(2030, 5, 10, 18, 0, tzinfo=STOCKHOLM))

    got = (await emulator.wait_for_messages(other.chat_id, 2, timeout=TIMEOUT))[1]
    assert got.text.endswith("Städdag på lördag")
    assert emulator.count_messages(sv.chat_id) == 1
    assert (await staff.says("/scheduled")).text == "Inga schemalagda utskick."
