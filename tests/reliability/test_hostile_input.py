"""Hostile input, generated: over 10,000 messages, arguments and button presses that a careless
or malicious town could send, through the dialogue, the residents, staff and ticket services and
every parser. Zero unhandled exceptions; every reply valid for Telegram; user text never echoed
where the bot speaks in its own words.

Sync tests with an asyncio.Runner of their own, so hypothesis drives async services without a
fixture per example; seeded (`derandomize`) so a failure reproduces.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import build_services
from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.config import Secret, Settings
from bot.content import Content
from bot.core.dialogue import Dialogue, is_stateful, resolve_command
from bot.core.residents import parse_area, parse_language
from bot.core.staff import StaffService, _parse_local
from bot.core.tickets import Tickets, parse_ticket_id
from bot.domain import AREAS, LANGUAGES, Buttons, Caller, Lang, Reply
from bot.holder import ContentBundle
from bot.ports import Messenger
from bot.services import Services
from bot.telegram.filters import without_mention
from tests.reliability.conftest import ROOT, STAFF_ID
from tests.reliability.hostile import (
    arguments,
    assert_valid_for_telegram,
    callback_data,
    texts,
    walls,
)
from tests.reliability.results import Results

langs = st.sampled_from(LANGUAGES)
NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


def examples(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def dialogue(content: Content) -> Dialogue:
    return ContentBundle.build(content, ask_staff=True).dialogue


@pytest.fixture(scope="module")
def own_words(content: Content) -> frozenset[str]:
    """Every text the dialogue may answer free text with: FAQ, small talk and UI strings."""
    words = {text for strings in content.texts.strings.values() for text in strings.values()}
    words |= {entry.answer[lang] for entry in content.faq for lang in LANGUAGES}
    words |= {talk.answer[lang] for talk in content.smalltalk for lang in LANGUAGES}
    return frozenset(words)


@pytest.fixture(scope="module")
def own_titles(content: Content) -> frozenset[str]:
    """The FAQ titles: a reply answering several questions puts each answer under its title."""
    return frozenset(entry.title[lang] for entry in content.faq for lang in LANGUAGES)


def in_own_words(text: str, own_words: frozenset[str], own_titles: frozenset[str]) -> bool:
    """True when `text` is one of the bot's texts, or several FAQ answers each under its title."""
    if text in own_words:
        return True
    blocks = [block.partition("\n") for block in text.split("\n\n")]
    return len(blocks) > 1 and all(
        title in own_titles and answer in own_words for title, _, answer in blocks
    )


# --- the core, no storage ----------------------------------------------------------------------


def test_free_text_is_answered_in_the_bots_own_words(
    dialogue: Dialogue, own_words: frozenset[str], own_titles: frozenset[str], results: Results
) -> None:
    tried = Counter[str]()

    @examples(3_200)
    @given(text=texts, lang=langs)
    def check(text: str, lang: Lang) -> None:
        tried["dialogue.answer"] += 1
        reply = dialogue.answer(text, lang)
        assert_valid_for_telegram(reply)
        assert in_own_words(reply.text, own_words, own_titles), "the reply quotes the resident"

    check()
    results.add("hostile_input", "dialogue.answer", tried["dialogue.answer"])


def test_walls_of_4096_characters_are_answered(
    dialogue: Dialogue, own_words: frozenset[str], own_titles: frozenset[str], results: Results
) -> None:
    tried = 0

    @examples(150)
    @given(text=walls, lang=langs)
    def check(text: str, lang: Lang) -> None:
        nonlocal tried
        tried += 1
        reply = dialogue.answer(text, lang)
        assert_valid_for_telegram(reply)
        assert in_own_words(reply.text, own_words, own_titles)

    check()
    results.add("hostile_input", "dialogue.answer (4,096-unit walls)", tried)


def test_forged_button_data_gets_a_harmless_reply(dialogue: Dialogue, results: Results) -> None:
    tried = 0

    @examples(2_000)
    @given(data=callback_data, lang=langs)
    def check(data: str, lang: Lang) -> None:
        nonlocal tried
        tried += 1
        reply = dialogue.press(data, lang, NOW)
        if reply is None:
            assert is_stateful(data)
        else:
            assert_valid_for_telegram(reply)

    check()
    results.add("hostile_input", "dialogue.press (forged callback data)", tried)


def test_command_and_argument_parsers_never_fail(results: Results) -> None:
    tried = 0

    @examples(3_000)
    @given(text=st.one_of(texts, arguments, st.text(max_size=30).map(lambda t: "/" + t)))
    def check(text: str) -> None:
        nonlocal tried
        tried += 1
        assert resolve_command(text) in {None, "start", *_command_names()}
        assert parse_area(text) in {None, *AREAS}
        assert parse_language(text) in {None, *LANGUAGES}
        ticket, rest = parse_ticket_id(text)
        assert ticket is None or ticket >= 0
        assert isinstance(rest, str)
        date, _, time = text.partition(" ")
        when = _parse_local(date, time, STOCKHOLM)
        assert when is None or when.tzinfo is not None
        assert isinstance(without_mention(text, "omradesbot"), str)

    check()
    results.add("hostile_input", "command and argument parsers", tried)


def test_superscript_digits_are_not_ticket_ids() -> None:
    """Found by the property test above: '¹' passed str.isdigit() and crashed int()."""
    assert parse_ticket_id("¹ svar") == (None, "¹ svar")


def _command_names() -> set[str]:
    from bot.core.dialogue import COMMANDS  # noqa: PLC0415

    return {command.name for command in COMMANDS}


# --- services over a real SQLite database ------------------------------------------------------


class _Notifier(Messenger):
    """Where ticket messages would go: kept, each given a message id (Telegram's side)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_text(self, chat_id: int, text: str, buttons: Buttons = ()) -> int:
        self.sent.append((chat_id, text))
        return len(self.sent)

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()
    ) -> None:
        self.sent.append((chat_id, text))


@dataclass
class World:
    runner: asyncio.Runner
    services: Services
    staff: StaffService
    tickets: Tickets


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The real services on an SQLite file, driven by an event loop of the test's own."""
    settings_ = Settings(
        telegram_token=Secret("1:x"),
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        content_dir=ROOT / "content",
        staff_ids=frozenset({STAFF_ID}),
        flood_limit=10_000,
    )
    with asyncio.Runner() as runner:
        services = build_services(settings_, clock=lambda: NOW)
        runner.run(services.prepare_database())
        staff = StaffService(
            services.sessions,
            lambda: services.content.current.content,
            reload=services.content.reload,
            clock=services.clock,
            staff_ids=services.settings.staff_ids,
        )
        assert services.tickets is not None
        try:
            yield World(runner, services, staff, services.tickets)
        finally:
            runner.run(services.close())


def test_residents_service_survives_anything(world: World, results: Results) -> None:
    tried = 0
    residents = world.services.residents

    @examples(500)
    @given(
        chat=st.integers(min_value=1, max_value=40),
        text=texts,
        data=callback_data,
        argument=arguments,
        code=st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["en", "sv", "en-GB"])),
    )
    def check(chat: int, text: str, data: str, argument: str, code: str | None) -> None:
        nonlocal tried
        tried += 1
        caller = Caller(chat_id=chat, private=True, language_code=code)
        run = world.runner.run
        replies: list[Reply] = [
            run(residents.ask(caller, text)),
            run(residents.press(caller, data)),
            run(residents.subscribe(caller, argument)),
            run(residents.unsubscribe(caller, argument)),
            run(residents.set_language(caller, argument)),
            *run(residents.mydata(caller)),
        ]
        for reply in replies:
            assert_valid_for_telegram(reply)

    check()
    results.add(
        "hostile_input", "residents service (ask, press, subscribe, language, mydata)", tried
    )


def test_staff_commands_parse_anything_and_refuse_everyone_else(
    world: World, results: Results
) -> None:
    tried = 0
    staff = world.staff

    @examples(800)
    @given(
        actor=st.sampled_from([STAFF_ID, 7, -1]),
        args=arguments,
        data=callback_data,
        lang=langs,
    )
    def check(actor: int, args: str, data: str, lang: Lang) -> None:
        nonlocal tried
        tried += 1
        run = world.runner.run
        replies = [
            run(staff.preview(actor, actor, args, lang)),
            run(staff.preview(actor, actor, args, lang, scheduled=True)),
            run(staff.cancel(actor, args, lang)),
            run(staff.retract(actor, actor, args, lang)),
            run(staff.correct(actor, actor, args, lang)),
            run(staff.milestone(actor, args, lang, [])),
            run(staff.press(actor, data, lang)),
        ]
        refusal = staff.refuse(lang).text
        for reply in replies:
            assert_valid_for_telegram(reply)
            if actor != STAFF_ID:
                assert reply.text == refusal

    check()
    results.add("hostile_input", "staff commands (broadcast, schedule, cancel, ...)", tried)


def test_ticket_commands_parse_anything(world: World, results: Results) -> None:
    tried = 0
    tickets = world.tickets
    notifier = _Notifier()

    @examples(600)
    @given(
        actor=st.sampled_from([STAFF_ID, 8]),
        question=st.one_of(texts, walls),
        args=arguments,
        lang=langs,
    )
    def check(actor: int, question: str, args: str, lang: Lang) -> None:
        nonlocal tried
        tried += 1
        run = world.runner.run
        caller = Caller(chat_id=actor, private=True)
        offer = run(tickets.offer(caller, question))
        replies = [
            offer.reply,
            run(tickets.close(actor, args, lang)),
            run(tickets.reply_command(actor, args, lang, notifier)),
        ]
        for reply in replies:
            assert_valid_for_telegram(reply)
        if actor != STAFF_ID:
            assert replies[1].text == replies[2].text == tickets.refuse(lang).text

    check()
    results.add("hostile_input", "ticket commands (/ask, /close, /reply)", tried)
