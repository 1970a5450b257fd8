"""The terminal chat, driven by scripted input: menus as numbers, commands, clean exits."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content
from bot.core.dialogue import Dialogue
from bot.domain import Lang
from bot.matching import Matcher
from bot.terminal import run_chat

NOW = dt.datetime(2021, 5, 1, 12, 0, tzinfo=STOCKHOLM)


@pytest.fixture(scope="module")
def dialogue(content: Content) -> Dialogue:
    return Dialogue(content, Matcher(content))


def chat(dialogue: Dialogue, script: str, lang: Lang = "sv") -> str:
    out = io.StringIO()
    status = run_chat(dialogue, lang, io.StringIO(script), out, clock=lambda: NOW)
    assert status == 0
    return out.getvalue()


def test_greets_with_numbered_menu_and_says_goodbye_at_end_of_input(dialogue: Dialogue) -> None:
    out = chat(dialogue, "")
    assert out.startswith(dialogue.welcome("sv").text)
    assert "  [1] Ämnen\n  [2] Prenumerera\n  [3] Tidslinje\n  [4] Hjälp\n" in out
    assert out.rstrip().endswith("Hej då!")


def test_number_presses_the_button(dialogue: Dialogue, content: Content) -> None:
    # 1 = Topics in the welcome menu, then 1 = the first topic of that menu.
    out = chat(dialogue, "1\n1\n")
    assert dialogue.topics("sv").text in out
    assert f"  [1] {content.faq[0].title['sv']}" in out
    assert content.faq[0].answer["sv"] in out


def test_timeline_button_and_milestones_command(dialogue: Dialogue) -> None:
    out = chat(dialogue, "3\n/tidslinje\n")
    assert out.count("⌛ våren 2021: En kartläggning görs i Balltorp.") == 2
    assert "⏳ hösten 2021: Områdesarbetet i Balltorp drar igång." in out


def test_number_out_of_range_keeps_the_menu(dialogue: Dialogue) -> None:
    out = chat(dialogue, "9\n4\n")
    assert "Skriv en siffra mellan 1 och 4, eller en fråga." in out
    assert dialogue.help("sv").text in out


def test_commands_and_aliases(dialogue: Dialogue) -> None:
    out = chat(dialogue, "/help\n/faq\n/fragor\n/vadertjanst\n")
    assert dialogue.help("sv").text in out
    assert out.count(dialogue.topics("sv").text) == 2
    assert dialogue.unknown_command("sv").text in out


def test_free_text_question_is_answered(dialogue: Dialogue, content: Content) -> None:
    out = chat(dialogue, "Varför flyttar områdesarbetet från Kållered?\n")
    entry = content.entry("why_move")
    assert entry is not None
    assert entry.answer["sv"] in out


def test_subscriptions_and_privacy_are_explained_not_faked(dialogue: Dialogue) -> None:
    out = chat(dialogue, "2\n/prenumerera\n/minadata\n/glom\n")
    assert out.count("Prenumerationer finns bara i Telegram-boten") == 2
    assert out.count("I terminalen sparas ingenting om dig.") == 2


def test_language_switch(dialogue: Dialogue) -> None:
    out = chat(dialogue, "/sprak en\n/faq\n/quit\n")
    assert dialogue.help("en").text in out
    assert "Choose a topic:" in out
    assert out.rstrip().endswith("Goodbye!")


def test_language_menu_button(dialogue: Dialogue) -> None:
    out = chat(dialogue, "/language\n2\n")
    assert "  [1] Svenska\n  [2] English\n" in out
    assert dialogue.help("en").text in out


def test_english_session(dialogue: Dialogue) -> None:
    out = chat(dialogue, "/quit\nthis line is never read\n", lang="en")
    assert "  [1] Topics\n" in out
    assert "never read" not in out
    assert out.rstrip().endswith("Goodbye!")


def test_ctrl_c_exits_cleanly(dialogue: Dialogue) -> None:
    class Interrupted(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    out = io.StringIO()
    assert run_chat(dialogue, "sv", Interrupted(), out, clock=lambda: NOW) == 0
    assert out.getvalue().rstrip().endswith("Hej då!")


def test_surveys_are_answered_on_telegram(dialogue: Dialogue) -> None:
    assert "Enkäter besvaras på Telegram" in chat(dialogue, "/enkat\n")
