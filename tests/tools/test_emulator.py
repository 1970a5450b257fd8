"""The Bot API emulator, driven by the real python-telegram-bot client over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tools.emulator import (
    DEFAULT_TOKEN,
    BotApiEmulator,
    FaultConfig,
    User,
    parse_text,
    running_emulator,
)
from tools.emulator.client import EmulatorClient
from tools.emulator.limits import FaultInjector

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(10)]

ROOT = Path(__file__).resolve().parents[2]
ANNA = User(7, "Anna", language_code="sv")
EMMA = User(8, "Emma", language_code="en")


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A fresh emulator on a free port."""
    async with running_emulator() as emu:
        yield emu


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the emulator."""
    async with Bot(DEFAULT_TOKEN, base_url=emulator.base_url) as client:
        yield client


@pytest.fixture
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when RetryAfter.retry_after is read as int; opt in to timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@asynccontextmanager
async def polling_app(emulator: BotApiEmulator, *handlers: Any) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """A PTB Application with `handlers`, long polling the emulator."""
    app = Application.builder().token(emulator.token).base_url(emulator.base_url).build()
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=30)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


# ---------------------------------------------------------------------- basic methods


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "omradesbot"
    assert me.is_bot
    assert me.id == 123456789


async def test_wrong_token_is_unauthorized(emulator: BotApiEmulator) -> None:
    stranger = Bot("123456789:wrong", base_url=emulator.base_url)
    try:
        with pytest.raises(InvalidToken, match="rejected"):
            await stranger.initialize()
    finally:
        await stranger.shutdown()
    assert [r.status for r in emulator.request_log] == [401]


async def test_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")


async def test_send_edit_and_delete_are_recorded(bot: Bot, emulator: BotApiEmulator) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])
    sent = await bot.send_message(
        ANNA.id, "<b>Hej</b> &amp; välkommen", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "Hej & välkommen"
    assert sent.reply_markup == keyboard
    assert sent.entities[0].type == "bold"

    edited = await bot.edit_message_text("Ändrat", chat_id=ANNA.id, message_id=sent.message_id)
    assert isinstance(edited, type(sent))
    assert edited.text == "Ändrat"
    stored = emulator.last_message(ANNA.id)
    assert stored.text == "Ändrat"
    assert stored.reply_markup is None, "an edit without reply_markup drops the keyboard"
    assert [e.text for e in stored.edits] == ["Hej & välkommen"]

    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Ändrat", chat_id=ANNA.id, message_id=sent.message_id)

    await bot.edit_message_reply_markup(ANNA.id, sent.message_id, reply_markup=keyboard)
    assert emulator.last_message(ANNA.id).button_texts == ["Ja"]

    assert await bot.delete_message(ANNA.id, sent.message_id)
    assert emulator.last_message(ANNA.id).deleted
    assert emulator.texts(ANNA.id) == []
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Igen", chat_id=ANNA.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(ANNA.id, sent.message_id)
    assert emulator.count_messages(ANNA.id) == 1


async def test_message_ids_grow_per_chat_across_both_sides(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    incoming = await emulator.send_text(ANNA, "hej")
    reply = await bot.send_message(ANNA.id, "svar", reply_to_message_id=incoming.message_id)
    assert reply.message_id == incoming.message_id + 1
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "hej"
    other = await bot.send_message(EMMA.id, "hello")
    assert other.message_id == 1


# ---------------------------------------------------------------------- limits and markup


async def test_message_over_4096_characters_is_refused(bot: Bot) -> None:
    await bot.send_message(ANNA.id, "a" * 4096)
    await bot.send_message(ANNA.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ANNA.id, "a" * 4097)
    # Telegram counts UTF-16 code units: an emoji outside the BMP is two.
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ANNA.id, "🙂" * 2049)


@pytest.mark.parametrize(
    ("markup", "fragment"),
    [
        ("<b>unclosed", "Can't find end tag"),
        ("<foo>x</foo>", 'Unsupported start tag "foo"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("1 < 2", 'Unsupported start tag ""'),
        ("<b", "Unclosed start tag"),
        ("x</b>", "Unexpected end tag"),
    ],
)
async def test_unparseable_html_is_refused(bot: Bot, markup: str, fragment: str) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities") as raised:
        await bot.send_message(ANNA.id, markup, parse_mode="HTML")
    # PTB capitalises the description, lower-casing the rest of it.
    assert fragment.lower() in str(raised.value)


async def test_escaped_hostile_text_is_accepted_as_plain_text(bot: Bot) -> None:
    hostile = "<script>alert(1)</script> & '; DROP TABLE residents; -- <b>"
    sent = await bot.send_message(ANNA.id, html.escape(hostile), parse_mode="HTML")
    assert sent.text == hostile
    assert not sent.entities


async def test_markdown_v2_reserved_characters_must_be_escaped(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(ANNA.id, "Hej.", parse_mode="MarkdownV2")
    sent = await bot.send_message(ANNA.id, r"*Hej*\. [länk](https://example.org)", "MarkdownV2")
    assert sent.text == "Hej. länk"
    assert [e.type for e in sent.entities] == ["bold", "text_link"]


def test_entity_offsets_are_utf16() -> None:
    parsed = parse_text("🙂 <i>å</i>", "HTML")
    assert parsed.entities == [{"type": "italic", "offset": 3, "length": 1}]


async def test_bad_inline_button_is_refused(bot: Bot) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(ANNA.id, "hej", reply_markup=too_long)


# ---------------------------------------------------------------------- failures to survive


async def test_blocked_and_deactivated_users_get_403(bot: Bot, emulator: BotApiEmulator) -> None:
    await emulator.block(ANNA)
    await emulator.block(EMMA, "deactivated")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ANNA.id, "hej")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(EMMA.id, "hello")
    assert emulator.count_messages() == 0
    assert [r.status for r in emulator.send_log] == [403, 403]
    kicked = emulator.pending_updates()[0]["my_chat_member"]["new_chat_member"]["status"]
    assert kicked == "kicked"

    await emulator.unblock(ANNA)
    await bot.send_message(ANNA.id, "välkommen tillbaka")
    assert emulator.texts(ANNA.id) == ["välkommen tillbaka"]


@pytest.mark.usefixtures("timedelta_periods")
async def test_per_chat_rate_answers_429_with_retry_after() -> None:
    clock = FakeClock()
    async with (
        running_emulator(per_chat_rate=1, per_chat_burst=1, clock=clock) as emulator,
        Bot(DEFAULT_TOKEN, base_url=emulator.base_url) as bot,
    ):
        await bot.send_message(ANNA.id, "ett")
        await bot.send_message(EMMA.id, "one")  # another chat has its own budget
        clock.now += 0.4
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(ANNA.id, "två")
        assert raised.value.retry_after == dtm.timedelta(seconds=1)
        clock.now += 0.6
        await bot.send_message(ANNA.id, "två")
        assert emulator.texts(ANNA.id) == ["ett", "två"]
        assert [r.status for r in emulator.send_log] == [200, 200, 429, 200]


@pytest.mark.usefixtures("timedelta_periods")
async def test_global_rate_is_a_sliding_one_second_window() -> None:
    clock = FakeClock()
    async with (
        running_emulator(global_rate=3, clock=clock) as emulator,
        Bot(DEFAULT_TOKEN, base_url=emulator.base_url) as bot,
    ):
        for chat_id in (1, 2, 3):
            await bot.send_message(chat_id, "hej")
            clock.now += 0.3
        with pytest.raises(RetryAfter):
            await bot.send_message(4, "hej")
        clock.now += 0.11  # the first send has now left the window
        await bot.send_message(4, "hej")
        assert emulator.max_sends_per_window(1.0) == 3


@pytest.mark.usefixtures("timedelta_periods")
async def test_telegrams_limits_are_on_by_default() -> None:
    clock = FakeClock()
    async with (
        running_emulator(clock=clock) as emulator,
        Bot(DEFAULT_TOKEN, base_url=emulator.base_url) as bot,
    ):
        # A private chat: a short burst of 5, then one a second.
        for n in range(5):
            await bot.send_message(ANNA.id, f"nr {n}")
        with pytest.raises(RetryAfter):
            await bot.send_message(ANNA.id, "en för mycket")
        clock.now += 1.0
        await bot.send_message(ANNA.id, "nr 5")
        # A group: 20 a minute.
        await emulator.send_text(ANNA, "hej", chat_id=-100, chat_type="group")
        for n in range(20):
            await bot.send_message(-100, f"grupp {n}")
            clock.now += 0.05
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(-100, "en för mycket")
        assert raised.value.retry_after >= dtm.timedelta(seconds=58)
        clock.now += 2.0
        # Overall: 30 in any second, whoever they go to.
        for chat_id in range(1000, 1030):
            await bot.send_message(chat_id, "hej")
        with pytest.raises(RetryAfter):
            await bot.send_message(2000, "hej")
        assert emulator.max_sends_per_window(1.0) == 30
        assert emulator.refused_sends == 3
        emulator.no_rate_limits()
        await asyncio.gather(*(bot.send_message(ANNA.id, f"fritt {n}") for n in range(30)))


async def test_reset_restores_the_limits_it_was_started_with(emulator: BotApiEmulator) -> None:
    emulator.no_rate_limits()
    await emulator.reset()
    assert emulator.rate_limits.global_per_second == 30  # Telegram's, the default
    assert emulator.rate_limits.per_chat_per_second == 1
    assert emulator.rate_limits.group_per_minute == 20
    async with running_emulator(global_rate=None) as unlimited:
        unlimited.set_rate_limits()
        await unlimited.reset()
        assert unlimited.rate_limits.global_per_second is None


@pytest.mark.usefixtures("timedelta_periods")
async def test_scripted_faults_reach_the_client_as_ptb_errors(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    emulator.set_faults(FaultConfig(retry_after=3, timeout_hold=2.0))
    emulator.script_faults("429", methods=["sendMessage"])
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(ANNA.id, "hej")
    assert raised.value.retry_after == dtm.timedelta(seconds=3)
    emulator.script_faults("502")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(ANNA.id, "hej")
    emulator.script_faults("drop")
    with pytest.raises(NetworkError, match="disconnected"):
        await bot.send_message(ANNA.id, "hej")
    emulator.script_faults("timeout")
    with pytest.raises(TimedOut):
        await bot.send_message(ANNA.id, "hej", read_timeout=0.2)
    assert emulator.count_messages() == 0, "a faulted request changes nothing by default"
    await bot.send_message(ANNA.id, "hej")
    assert emulator.texts(ANNA.id) == ["hej"]
    sends = [r for r in emulator.request_log if r.method == "sendmessage"]
    assert [r.fault for r in sends] == ["429", "502", "drop", "timeout", None]


async def test_fault_after_processing_stores_the_message_the_bot_never_hears_of(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    emulator.set_faults(FaultConfig(after_processing=True))
    emulator.script_faults("500")
    with pytest.raises(NetworkError):
        await bot.send_message(ANNA.id, "hej")
    assert emulator.texts(ANNA.id) == ["hej"]


def test_random_faults_are_seeded_and_hit_the_configured_fraction() -> None:
    config = FaultConfig(rate=0.05, seed=42)
    picks_a = FaultInjector(config)
    picks_b = FaultInjector(config)
    a = [picks_a.pick("sendmessage") for _ in range(4000)]
    b = [picks_b.pick("sendmessage") for _ in range(4000)]
    assert a == b
    hits = sum(kind is not None for kind in a)
    assert 150 <= hits <= 250
    assert {kind for kind in a if kind} == {"429", "500", "502", "timeout", "drop"}


# ---------------------------------------------------------------------- updates and polling


async def test_get_updates_confirms_by_offset(bot: Bot, emulator: BotApiEmulator) -> None:
    await emulator.send_command(ANNA, "start")
    await emulator.send_text(EMMA, "hello @someone")
    updates = await bot.get_updates()
    assert [u.effective_user.id for u in updates if u.effective_user] == [ANNA.id, EMMA.id]
    command = updates[0].message
    assert command is not None
    assert command.text == "/start"
    assert command.entities[0].type == "bot_command"
    assert updates[0].effective_user is not None
    assert updates[0].effective_user.language_code == "sv"
    assert updates[1].message is not None
    assert updates[1].message.entities[0].type == "mention"
    assert len(await bot.get_updates(offset=updates[0].update_id + 1)) == 1
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    assert emulator.pending_updates() == []


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=35))
    await emulator.wait_until(lambda: emulator.polls_waiting == 1, timeout=1)
    await emulator.send_text(ANNA, "hej")
    updates = await asyncio.wait_for(poll, timeout=2)
    assert [u.message.text for u in updates if u.message] == ["hej"]


async def test_group_commands_name_the_bot(bot: Bot, emulator: BotApiEmulator) -> None:
    await emulator.send_command(ANNA, "help", chat_id=-100, chat_type="group")
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.text == "/help@omradesbot"
    assert update.message.chat.type == "group"
    assert update.message.entities[0].length == len("/help@omradesbot")


async def test_webhook_is_stored_and_blocks_get_updates(bot: Bot, emulator: BotApiEmulator) -> None:
    await bot.set_webhook("https://bot.example.org/hook", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example.org/hook"
    assert emulator.webhook.secret_token == "s3cret"
    with pytest.raises(Exception, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""


async def test_echo_through_application_long_polling(emulator: BotApiEmulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"Du skrev: {update.effective_message.text}")

    async with polling_app(emulator, MessageHandler(filters.TEXT & ~filters.COMMAND, echo)):
        replies = await emulator.send_and_wait(ANNA, "hej <b>bot</b>", timeout=3)
        assert [r.text for r in replies] == ["Du skrev: hej <b>bot</b>"]
        await emulator.wait_for_updates_confirmed(timeout=3)


async def test_inline_keyboard_and_button_press_round_trip(emulator: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Balltorp", callback_data="sub:balltorp")]]
        )
        await update.effective_message.reply_text("Välj område", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Klart")
        await query.edit_message_text(f"Prenumererar på {query.data}")

    async with polling_app(emulator, CommandHandler("start", start), CallbackQueryHandler(pressed)):
        await emulator.send_command(ANNA, "start")
        (menu,) = await emulator.wait_for_messages(ANNA.id, 1, timeout=3)
        assert menu.button_texts == ["Balltorp"]
        query_id = await emulator.press_button(ANNA, menu, text="Balltorp")
        answer = await emulator.wait_for_callback_answer(query_id, timeout=3)
        assert answer.text == "Klart"
        assert answer.data == "sub:balltorp"
        await emulator.wait_until(lambda: bool(menu.edits), timeout=3, what="the edit")
        assert menu.text == "Prenumererar på sub:balltorp"
        assert menu.buttons == []


async def test_pressing_a_missing_button_is_a_test_error(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    sent = await bot.send_message(ANNA.id, "hej")
    with pytest.raises(LookupError, match="expected one button"):
        await emulator.press_button(ANNA, (ANNA.id, sent.message_id), data="nope")
    forged = await emulator.send_callback(ANNA, ANNA.id, sent.message_id, "staff:send:1")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    assert update.callback_query.id == forged
    assert update.callback_query.data == "staff:send:1"
    assert await bot.answer_callback_query(forged)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(forged)


async def test_waiting_for_messages_that_never_come_says_what_came(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    await bot.send_message(ANNA.id, "bara en")
    with pytest.raises(TimeoutError, match="bara en"):
        await emulator.wait_for_messages(ANNA.id, 2, timeout=0.05)


# ---------------------------------------------------------------------- commands and files


async def test_set_my_commands_is_stored_per_language_and_scope(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    await bot.set_my_commands([BotCommand("start", "Börja"), BotCommand("hjalp", "Hjälp")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands(
        [BotCommand("faq", "Questions")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="en",
    )
    assert [c["command"] for c in emulator.commands()] == ["start", "hjalp"]
    assert emulator.commands("en") == [{"command": "start", "description": "Start"}]
    assert emulator.commands("en", "all_private_chats")[0]["command"] == "faq"
    fetched = await bot.get_my_commands(language_code="en")
    assert [c.description for c in fetched] == ["Start"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Språk", "x")])


async def test_send_document_and_photo_store_the_bytes(bot: Bot, emulator: BotApiEmulator) -> None:
    data = b"%PDF-1.4 minimal\n" * 100
    sent = await bot.send_document(
        ANNA.id, data, filename="rapport.pdf", caption="<i>Rapport</i>", parse_mode="HTML"
    )
    assert sent.document is not None
    assert sent.document.file_name == "rapport.pdf"
    assert sent.caption == "Rapport"
    stored = emulator.last_message(ANNA.id)
    assert stored.document is not None
    assert stored.document.content == data
    assert stored.document.mime_type == "application/pdf"
    again = await bot.send_document(EMMA.id, sent.document.file_id)
    assert again.document is not None
    assert again.document.file_id == sent.document.file_id

    photo = await bot.send_photo(ANNA.id, b"\x89PNG\r\n\x1a\n" + b"0" * 64, filename="k.png")
    assert photo.photo
    assert emulator.last_message(ANNA.id).photo is not None


async def test_upload_limits_are_enforced() -> None:
    async with (
        running_emulator(photo_limit=1000, document_limit=2000) as emulator,
        Bot(DEFAULT_TOKEN, base_url=emulator.base_url) as bot,
    ):
        with pytest.raises(BadRequest, match="File is too big"):
            await bot.send_photo(ANNA.id, b"x" * 1001, filename="a.jpg")
        with pytest.raises(NetworkError, match="Request Entity Too Large"):
            await bot.send_document(ANNA.id, b"x" * 2001, filename="a.bin")
        await bot.send_document(ANNA.id, b"x" * 2000, filename="a.bin")
        assert emulator.count_messages(ANNA.id) == 1


# ---------------------------------------------------------------------- other processes


async def test_http_control_api_drives_users_and_reads_messages(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    async with EmulatorClient(emulator.base_url) as control:
        await control.send_text(EMMA.id, "hello", first_name="Emma", language_code="en")
        await control.send_text(EMMA.id, "again")  # the profile is remembered
        updates = await bot.get_updates()
        assert [u.effective_user.language_code for u in updates if u.effective_user] == [
            "en",
            "en",
        ]
        await bot.get_updates(offset=updates[-1].update_id + 1)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
        sent = await bot.send_message(EMMA.id, "hi", reply_markup=keyboard)
        (message,) = await control.wait_for_messages(EMMA.id, 1)
        assert message["buttons"] == [{"text": "OK", "callback_data": "ok", "url": None}]
        await control.press_button(EMMA.id, EMMA.id, sent.message_id, data="ok")
        assert await control.counts() == {EMMA.id: 1}
        await control.block(EMMA.id)
        with pytest.raises(Forbidden):
            await bot.send_message(EMMA.id, "hi")
        await control.reset()
        assert emulator.count_messages() == 0


async def test_standalone_runner_serves_the_bot_api() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tools.emulator",
        "--port",
        "0",
        "--token",
        DEFAULT_TOKEN,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=8)).decode()
        assert line.startswith("EMULATOR READY "), line
        base_url = line.split()[2]
        async with Bot(DEFAULT_TOKEN, base_url=base_url) as bot:
            assert (await bot.get_me()).username == "omradesbot"
            await bot.send_message(ANNA.id, "hej")
        async with EmulatorClient(base_url) as control:
            assert [m["text"] for m in await control.messages(ANNA.id)] == ["hej"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=5) == 0
