"""What staff read about the bot's achievements: the words around the counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.core.insight import Overview, WeakTopic, Week, overview_lines, percent
from bot.storage.feedback import Conversations, TopicFigures

FIRST, LAST = dt.date(2026, 11, 23), dt.date(2026, 11, 29)
ROOT = Path(__file__).resolve().parents[2]
NOBODY = Conversations(chats=0, tickets=0, ticket_chats=0, answer_seconds=())


@pytest.fixture(scope="module")
def real_content() -> Content:
    """The shipped content (its texts)."""
    return load_content(ROOT / "content")


def week(up: int = 0, down: int = 0, questions: int = 0, answered: int = 0) -> Week:
    return Week(FIRST, LAST, questions, answered, NOBODY, up, down)


def test_shares_are_percent_or_a_dash() -> None:
    assert percent(0.5) == "50 %"
    assert percent(2 / 3) == "67 %"
    assert percent(None) == "–"


def test_an_empty_week_says_so_instead_of_zero_percent(real_content: Content) -> None:
    empty = Overview(week(), week(), (), ())
    lines = overview_lines(empty, real_content.texts, "sv", {})
    assert "Hjälpsamma svar: – (–), 👍 0, 👎 0" in lines
    assert "Inga svar givna ännu." in lines
    assert "Inga 👍 eller 👎 ännu." in lines


def test_the_weakest_topics_come_with_their_questions(real_content: Content) -> None:
    figures = TopicFigures("why_move", given=4, direct=3, suggested=1, up=1, down=3)
    overview = Overview(
        week(up=1, down=3, questions=5, answered=4),
        week(up=2, down=0, questions=2, answered=2),
        (figures,),
        (WeakTopic("why_move", 3, (("varför flyttar ni?", 2), ("x" * 300, 1))),),
    )
    titles = {"why_move": "Why is the work moving?"}
    lines = overview_lines(overview, real_content.texts, "en", titles)
    assert "Helpful answers: 25 % (100 %), 👍 1, 👎 3" in lines
    assert "Questions answered: 80 % (100 %)" in lines
    assert "• Why is the work moving?: 4 (3 / 1), 👍 1, 👎 3, 25 %" in lines
    assert "↳ 2 × varför flyttar ni?" in lines
    assert any(line.endswith("x…") and len(line) < 140 for line in lines)  # long ones cut
    # The report lists the topics in its own table: none here, and no "no answers yet" either.
    summary = overview_lines(overview, real_content.texts, "en", titles, topics=0)
    assert not any(line.startswith("• Why is the work moving?: 4") for line in summary)
    assert "No answers given yet." not in summary
