"""Asking the staff through the emulator: resident -> staff chat -> answer -> resident."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.bootstrap import build_services
from bot.cli import main
from bot.config import Secret, Settings
from bot.content import Content
from bot.core.tickets import SEND_PREFIX
from bot.domain import ASK_STAFF
from tests.databases import Database
from tests.e2e.conftest import ROOT, TIMEOUT, TOKEN, Resident, labels, rows_in, started_app
from tools.emulator import BotApiEmulator, SentMessage, User

STAFF_CHAT = -100777
SV_STAFF, EN_STAFF, OUTSIDER = 9001, 9002, 9100


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the content: /suggest writes suggestions.yaml into it."""
    return Path(shutil.copytree(ROOT / "content", tmp_path / "content"))


@pytest.fixture
def settings(emulator: BotApiEmulator, bot_database: Database, content_dir: Path) -> Settings:
    """Two staff members, a staff group, and room for two open tickets per resident."""
    return Settings(
        telegram_token=Secret(TOKEN),
        telegram_api_url=emulator.base_url,
        database_url=bot_database.plain_url,
        content_dir=content_dir,
        staff_ids=frozenset({SV_STAFF, EN_STAFF}),
        staff_chat_id=STAFF_CHAT,
        ticket_limit=2,
    )


@dataclass
class StaffMember:
    """Someone in the staff group (staff or not), writing there or privately to the bot."""

    emulator: BotApiEmulator
    user: User

    async def _wait(self, chat_id: int, before: int) -> SentMessage:
        messages = await self.emulator.wait_for_messages(chat_id, before + 1, timeout=TIMEOUT)
        return messages[before]

    async def in_group(self, text: str, reply_to: SentMessage | None = None) -> SentMessage:
        """Write in the staff group (optionally replying to a message); the bot's next message."""
        before = self.emulator.count_messages(STAFF_CHAT)
        await self.emulator.send_text(
            self.user,
            text,
            chat_id=STAFF_CHAT,
            chat_type="supergroup",
            reply_to=reply_to.message_id if reply_to is not None else None,
        )
        return await self._wait(STAFF_CHAT, before)

    async def privately(self, text: str) -> SentMessage:
        """Write to the bot in a private chat; its next message there."""
        before = self.emulator.count_messages(self.user.id)
        await self.emulator.send_text(self.user, text)
        return await self._wait(self.user.id, before)


@pytest.fixture
async def staff_group(emulator: BotApiEmulator, application: object) -> dict[int, StaffMember]:
    """The staff group exists (a member said hello, which the bot ignores) with its members."""
    members = {
        SV_STAFF: StaffMember(emulator, emulator.user(SV_STAFF, "Sara", language_code="sv")),
        EN_STAFF: StaffMember(emulator, emulator.user(EN_STAFF, "Erik", language_code="en")),
        OUTSIDER: StaffMember(emulator, emulator.user(OUTSIDER, "Olle", language_code="sv")),
    }
    await emulator.send_text(
        members[SV_STAFF].user, "hej", chat_id=STAFF_CHAT, chat_type="supergroup"
    )
    return members


@pytest.fixture
def anna(emulator: BotApiEmulator, application: object) -> Resident:
    """A Swedish resident with a name and username the staff must never see."""
    return Resident(
        emulator, emulator.user(7101, "Anna", language_code="sv", username="anna_i_kallered")
    )


@pytest.fixture
def john(emulator: BotApiEmulator, application: object) -> Resident:
    """An English-speaking resident."""
    return Resident(emulator, emulator.user(7102, "John", language_code="en", username="johnny"))


async def next_in_staff_chat(emulator: BotApiEmulator, before: int) -> SentMessage:
    """The next message the bot posts in the staff group."""
    messages = await emulator.wait_for_messages(STAFF_CHAT, before + 1, timeout=TIMEOUT)
    return messages[before]


async def test_swedish_round_trip_by_replying_to_the_ticket(
    anna: Resident,
    staff_group: dict[int, StaffMember],
    emulator: BotApiEmulator,
    content: Content,
    bot_database: Database,
) -> None:
    texts = content.texts
    unknown = await anna.says("Vad kostar en pizza på torget?")
    assert unknown.text == texts.get("dont_know", "sv")
    assert labels(unknown) == ["menu:topics", "ticket:ask"]
    assert unknown.button_texts[-1] == "Fråga personalen"

    # Confirmation shows exactly what will be sent; nothing reaches the staff yet.
    staff_before = emulator.count_messages(STAFF_CHAT)
    confirm = await anna.press(unknown, "ticket:ask")
    assert "Vad kostar en pizza på torget?" in confirm.content
    assert labels(confirm)[1] == "ticket:cancel"
    assert labels(confirm)[0].startswith("ticket:send:")
    assert "pizza" not in "".join(labels(confirm))  # the question never rides in button data
    assert emulator.count_messages(STAFF_CHAT) == staff_before

    sent = await anna.press(confirm, labels(confirm)[0])
    assert "#1" in sent.content
    assert texts.get("ticket_response_time", "sv") in sent.content

    ticket = await next_in_staff_chat(emulator, staff_before)
    assert ticket.content.startswith("🎫 Ärende #1")
    assert "Vad kostar en pizza på torget?" in ticket.content
    assert "Svenska" in ticket.content
    assert texts.get("ticket_area_none", "sv") in ticket.content
    for private in ("Anna", "anna_i_kallered", str(anna.chat_id)):
        assert private not in ticket.content

    # Staff reply to the ticket message; the answer is plain text, never markup.
    answer = "<b>Det</b> vet vi inte, fråga torghandlarna."
    before = emulator.count_messages(anna.chat_id)
    confirmation = await staff_group[SV_STAFF].in_group(answer, reply_to=ticket)
    assert confirmation.text == texts.get("staff_ticket_answered", "sv", id=1)
    (delivered,) = (await emulator.wait_for_messages(anna.chat_id, before + 1))[before:]
    assert delivered.text is not None
    assert delivered.text.startswith("💬 Svar från personalen")
    assert answer in delivered.text
    assert delivered.parse_mode is None

    # A second staff member is told it is already answered; the resident gets nothing more.
    late = await staff_group[EN_STAFF].in_group("Another answer", reply_to=ticket)
    assert late.text == texts.get("staff_ticket_already_answered", "en", id=1)
    assert emulator.count_messages(anna.chat_id) == before + 1

    mydata = await anna.says("/minadata")
    assert "#1" in mydata.content
    assert "besvarad" in mydata.content
    assert answer in mydata.content

    # /forget erases the ticket and blanks the question in the staff chat.
    confirm_forget = await anna.says("/glom")
    await anna.press(confirm_forget, "forget:yes")
    assert (await rows_in(bot_database, anna.chat_id))["tickets"] == 0
    staff_copy = next(m for m in emulator.messages(STAFF_CHAT) if m.message_id == ticket.message_id)
    assert "pizza" not in staff_copy.content
    assert staff_copy.content == texts.get("staff_ticket_erased", "sv", id=1)


async def test_english_round_trip_with_ask_and_reply_command(
    john: Resident,
    staff_group: dict[int, StaffMember],
    emulator: BotApiEmulator,
    content: Content,
) -> None:
    texts = content.texts
    await john.says("/subscribe balltorp")
    confirm = await john.says("/ask Will there be   parking for the meetings?")
    assert "Will there be   parking for the meetings?" in confirm.content
    staff_before = emulator.count_messages(STAFF_CHAT)
    sent = await john.press(confirm, labels(confirm)[0])
    assert sent.content.startswith("Thank you!")
    assert texts.get("ticket_response_time", "en") in sent.content

    ticket = await next_in_staff_chat(emulator, staff_before)
    assert "Will there be   parking for the meetings?" in ticket.content
    assert "Balltorp" in ticket.content
    assert "English" in ticket.content
    assert "John" not in ticket.content
    assert "johnny" not in ticket.content

    listing = await staff_group[EN_STAFF].in_group("/tickets")
    assert "#1" in listing.content
    assert "parking" in listing.content

    before = emulator.count_messages(john.chat_id)
    done = await staff_group[EN_STAFF].in_group("/reply 1 We do not know yet.\nSorry!")
    assert done.text == texts.get("staff_ticket_answered", "en", id=1)
    (delivered,) = (await emulator.wait_for_messages(john.chat_id, before + 1))[before:]
    assert delivered.content.startswith("💬 Answer from the staff")
    assert "We do not know yet.\nSorry!" in delivered.content

    again = await staff_group[SV_STAFF].in_group("/reply 1 Vi vet inte.")
    assert again.text == texts.get("staff_ticket_already_answered", "sv", id=1)
    empty = await staff_group[SV_STAFF].in_group("/tickets")
    assert empty.text == texts.get("staff_tickets_empty", "sv")


async def test_the_human_small_talk_offers_the_staff_with_the_earlier_question(
    anna: Resident, content: Content
) -> None:
    await anna.says("Hur många parkeringsplatser finns vid Kållered station?")
    human = await anna.says("jag vill prata med en människa")
    assert human.text == content.texts.get("human_ask_staff", "sv")
    assert labels(human) == ["ticket:ask", "menu:topics"]
    confirm = await anna.press(human, "ticket:ask")
    assert "Hur många parkeringsplatser finns vid Kållered station?" in confirm.content

    cancelled = await anna.press(confirm, "ticket:cancel")
    assert cancelled.text == content.texts.get("ticket_cancelled", "sv")
    # The old Send button cannot send afterwards.
    stale = await anna.press(confirm, labels(confirm)[0])
    assert stale.text == content.texts.get("ticket_expired", "sv")


async def test_non_staff_cannot_answer_close_or_list(
    anna: Resident,
    staff_group: dict[int, StaffMember],
    emulator: BotApiEmulator,
    content: Content,
) -> None:
    staff_only = content.texts.get("staff_only", "sv")
    confirm = await anna.says("/fraga Får jag ta med hunden?")
    staff_before = emulator.count_messages(STAFF_CHAT)
    await anna.press(confirm, labels(confirm)[0])
    ticket = await next_in_staff_chat(emulator, staff_before)

    outsider = staff_group[OUTSIDER]
    assert (await outsider.in_group("Ja, det får du!", reply_to=ticket)).text == staff_only
    for command in ("/reply 1 Ja!", "/close 1", "/tickets", "/unanswered", "/suggest 1"):
        assert (await outsider.privately(command)).text == staff_only
    # Anna herself is no staff either.
    assert (await anna.says("/reply 1 Svarar mig själv")).text == staff_only

    still_open = await staff_group[SV_STAFF].in_group("/tickets")
    assert "Får jag ta med hunden?" in still_open.content
    assert emulator.texts(anna.chat_id)[-1] == staff_only  # no answer ever reached her

    closed = await staff_group[SV_STAFF].in_group("/close 1")
    assert closed.text == content.texts.get("staff_ticket_closed", "sv", id=1)
    late = await staff_group[EN_STAFF].in_group("Yes", reply_to=ticket)
    assert late.text == content.texts.get("staff_ticket_already_closed", "en", id=1)


async def test_open_tickets_are_limited_per_resident(
    anna: Resident, staff_group: dict[int, StaffMember], content: Content
) -> None:
    for question in ("Första frågan?", "Andra frågan?"):
        confirm = await anna.says(f"/fraga {question}")
        assert "#" in (await anna.press(confirm, labels(confirm)[0])).content
    limited = await anna.says("/fraga Tredje frågan?")
    assert limited.text == content.texts.get("ticket_limit", "sv", limit=2)
    assert labels(limited) == []

    # Once one is answered, there is room again.
    await staff_group[SV_STAFF].in_group("/reply 1 Svar.")
    confirm = await anna.says("/fraga Tredje frågan?")
    assert labels(confirm)[0].startswith("ticket:send:")


async def test_unanswered_and_suggest_make_a_draft_that_check_content_accepts(
    anna: Resident,
    john: Resident,
    staff_group: dict[int, StaffMember],
    content_dir: Path,
    emulator: BotApiEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await anna.says("Var kan jag parkera vid mötena?")
    await anna.says("var kan jag parkera vid mötena")
    await john.says("What does a bus ticket cost?")
    unanswered = await staff_group[SV_STAFF].in_group("/unanswered")
    lines = unanswered.content.splitlines()
    assert lines[1] == "2 × var kan jag parkera vid mötena"  # the newest wording
    assert lines[2] == "1 × What does a bus ticket cost?"

    confirm = await anna.says("/fraga")  # the last question the bot could not answer
    staff_before = emulator.count_messages(STAFF_CHAT)
    await anna.press(confirm, labels(confirm)[0])
    ticket = await next_in_staff_chat(emulator, staff_before)
    not_yet = await staff_group[SV_STAFF].in_group("/suggest 1")
    assert "inget svar" in not_yet.content
    await staff_group[SV_STAFF].in_group(
        "Det finns parkering vid Balltorps centrum.", reply_to=ticket
    )

    suggested = await staff_group[SV_STAFF].in_group("/suggest 1")
    assert "ticket-1" in suggested.content
    again = await staff_group[SV_STAFF].in_group("/suggest 1")
    assert "finns redan" in again.content

    data = yaml.safe_load((content_dir / "suggestions.yaml").read_text(encoding="utf-8"))
    (draft,) = data["faq"]
    assert draft["id"] == "ticket-1"
    assert draft["answer"]["sv"] == "Det finns parkering vid Balltorps centrum."
    assert draft["questions"]["sv"] == ["var kan jag parkera vid mötena"]
    assert draft["answer"]["en"].startswith("TRANSLATE:")
    assert "NOT CHECKED" in (content_dir / "suggestions.yaml").read_text(encoding="utf-8")
    assert main(["check-content", str(content_dir)]) == 0
    assert "content OK" in capsys.readouterr().out
    # Not live: the bot still does not know the answer.
    still_unknown = await anna.says("var kan jag parkera vid mötena")
    assert "ticket:ask" in labels(still_unknown) or "faq:" in labels(still_unknown)[0]


async def test_a_restart_mid_conversation_loses_nothing_the_resident_was_about_to_send(
    emulator: BotApiEmulator, settings: Settings
) -> None:
    sara = emulator.user(SV_STAFF, "Sara", language_code="sv")
    anna = Resident(emulator, emulator.user(7103, "Anna", language_code="sv"))
    question = "Vad kostar en pizza på torget?"
    async with started_app(build_services(settings)):
        await emulator.send_text(sara, "hej", chat_id=STAFF_CHAT, chat_type="supergroup")
        unknown = await anna.says(question)
        assert ASK_STAFF in labels(unknown)
    # The bot restarts (a deploy, a crash) before Anna presses: her question was kept in the
    # database, not in the memory of the process that answered.
    async with started_app(build_services(settings)):
        confirm = await anna.press(unknown, ASK_STAFF)
        assert question in confirm.content
        send = next(data for data in labels(confirm) if data.startswith(SEND_PREFIX))
        before = emulator.count_messages(STAFF_CHAT)
        await anna.press(confirm, send)
        posted = await next_in_staff_chat(emulator, before)
    assert question in posted.content
