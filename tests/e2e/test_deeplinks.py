"""Deep links, "Tell a neighbour", start counts and staff posters through the real bot."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import inspect, text

from bot.cli import main
from bot.config import Settings
from bot.content import Content, load_content
from bot.telegram.context import BotApplication
from tests.databases import Database
from tests.e2e.conftest import ROOT, Resident, rows_in
from tests.visuals.poster_reading import read_pdf, read_png
from tools.emulator import BotApiEmulator, SentMessage

STAFF_ID = 9001
BOT_LINK = "https://t.me/omradesbot"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(ROOT / "content")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The e2e settings with one staff member."""
    return Settings(**{**settings.__dict__, "staff_ids": frozenset({STAFF_ID})})


@pytest.fixture
def staff(emulator: BotApiEmulator, application: BotApplication) -> Resident:
    """A staff member whose Telegram app is in English."""
    return Resident(emulator, emulator.user(STAFF_ID, language_code="en"))


def _shared_link(message: SentMessage) -> str:
    """The deep link the message's "Tell a neighbour" button passes on."""
    (button,) = [b for b in message.buttons if b.url is not None]
    shared = urlsplit(button.url or "")
    assert (shared.netloc, shared.path) == ("t.me", "/share/url")
    (url,) = parse_qs(shared.query)["url"]
    return url


async def test_a_deep_link_welcomes_in_its_language_and_subscribes_only_on_the_press(
    resident: Resident, bot_database: Database, content: Content
) -> None:
    texts = content.texts
    # The resident's Telegram app is Swedish; the poster they scanned is English.
    welcome = await resident.says("/start balltorp-en")

    assert welcome.text.startswith(texts.get("welcome", "en"))
    assert texts.get("deeplink_offer", "en", area="Balltorp") in welcome.text
    subscribe = welcome.buttons[0]
    assert subscribe.text == "🔔 Balltorp"
    assert "Tell a neighbour" in welcome.button_texts
    assert _shared_link(welcome) == f"{BOT_LINK}?start=balltorp-share"
    assert (await rows_in(bot_database, resident.chat_id))["subscriptions"] == 0

    confirmed = await resident.press(welcome, subscribe.callback_data or "")

    assert confirmed.text == texts.get("subscribed", "en", area="Balltorp")
    assert _shared_link(confirmed) == f"{BOT_LINK}?start=balltorp-share"
    mydata = await resident.says("/mydata")
    assert "Subscriptions: Balltorp" in mydata.text
    assert "English" in mydata.text  # the link's language is the resident's choice now
    assert (await resident.says("/hjalp")).text.startswith(texts.get("help_intro", "en"))


@pytest.mark.parametrize("payload", ["no-such-place", "balltorp-sv-trapp-hus", "x" * 64])
async def test_an_unknown_payload_gets_the_ordinary_welcome(
    resident: Resident, bot_database: Database, payload: str
) -> None:
    ordinary = await resident.says("/start")

    welcome = await resident.says(f"/start {payload}")

    assert welcome.text == ordinary.text
    assert welcome.buttons == ordinary.buttons
    assert _shared_link(welcome) == BOT_LINK
    assert set((await rows_in(bot_database, resident.chat_id)).values()) == {0}


async def test_no_table_links_a_chat_id_to_a_campaign(
    resident: Resident, staff: Resident, bot_database: Database
) -> None:
    welcome = await resident.says("/start kallered-sv-trapphus")
    await resident.press(welcome, "sub:kallered")
    await resident.says("När börjar arbetet i Balltorp?")

    engine = bot_database.engine()
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
            linked, counted = [], []
            for name in names:
                rows = (await connection.execute(text(f"SELECT * FROM {name}"))).all()
                for row in rows:
                    values = [str(value) for value in row]
                    mentions_chat = str(resident.chat_id) in values
                    mentions_campaign = any("trapphus" in value for value in values)
                    if mentions_campaign:
                        counted.append(name)
                    if mentions_chat and mentions_campaign:
                        linked.append((name, values))
    finally:
        await engine.dispose()

    assert counted == ["start_counts"]  # the campaign is stored, as a count
    assert linked == []


async def test_staff_see_the_starts_per_week_and_link(
    emulator: BotApiEmulator, staff: Resident
) -> None:
    for number, payload in enumerate(["balltorp-sv-trapphus", "balltorp-sv-trapphus", "all"]):
        neighbour = Resident(emulator, emulator.user(7400 + number, language_code="sv"))
        await neighbour.says(f"/start {payload}")

    stats = (await staff.says("/stats")).text

    assert "Starts through a link or poster, per week:" in stats
    assert "Balltorp sv trapphus: 2; Both areas – –: 1" in stats


async def test_staff_get_the_poster_as_pdf_and_png_with_the_link(
    emulator: BotApiEmulator, staff: Resident
) -> None:
    before = emulator.count_messages(staff.chat_id)
    await emulator.send_text(staff.user, "/poster balltorp sv")
    document, photo = (await emulator.wait_for_messages(staff.chat_id, before + 2, timeout=15))[
        before:
    ]

    link = f"{BOT_LINK}?start=balltorp-sv"
    assert document.document is not None
    assert document.document.mime_type == "application/pdf"
    assert document.document.filename == "affisch-balltorp-sv.pdf"
    assert document.caption == f"Poster: {link}"
    poster = read_pdf(document.document.content)
    assert (poster.pages, poster.codes) == (1, (link,))
    assert photo.photo is not None
    assert read_png(photo.photo.content)[1] == (link,)
    assert photo.caption == f"Poster: {link}"


async def test_a_campaign_poster_in_english(emulator: BotApiEmulator, staff: Resident) -> None:
    before = emulator.count_messages(staff.chat_id)
    await emulator.send_text(staff.user, "/poster Kållered en Bibliotek")
    document, _ = (await emulator.wait_for_messages(staff.chat_id, before + 2, timeout=15))[before:]

    assert document.document is not None
    assert document.document.filename == "poster-kallered-en-bibliotek.pdf"
    assert read_pdf(document.document.content).codes == (f"{BOT_LINK}?start=kallered-en-bibliotek",)


@pytest.mark.parametrize("args", ["", "lindome", "balltorp sv trapp-hus", "balltorp sv a b"])
async def test_bad_poster_arguments_get_the_usage(
    staff: Resident, content: Content, args: str
) -> None:
    reply = await staff.says(f"/poster {args}".strip())
    assert reply.text == content.texts.get("staff_usage_poster", "en")
    assert reply.document is None


async def test_residents_cannot_order_posters(
    emulator: BotApiEmulator, resident: Resident, content: Content
) -> None:
    reply = await resident.says("/poster balltorp sv")

    assert reply.text == content.texts.get("staff_only", "sv")
    assert all(m.document is None for m in emulator.messages(resident.chat_id))


async def test_omradesbot_poster_asks_telegram_for_the_username(
    emulator: BotApiEmulator,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings.telegram_token is not None
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", settings.telegram_token.reveal())
    monkeypatch.setenv("TELEGRAM_API_URL", emulator.base_url)
    out = tmp_path / "poster.pdf"

    argv = ["poster", "--area", "balltorp", "--content", str(ROOT / "content"), "--out", str(out)]
    # The command runs an event loop of its own; the emulator answers on this one meanwhile.
    assert await asyncio.to_thread(main, argv) == 0

    assert read_pdf(out.read_bytes()).codes == (f"{BOT_LINK}?start=balltorp-sv",)
