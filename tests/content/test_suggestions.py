"""content/suggestions.yaml: drafts from staff answers, validated like faq.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content.suggestions import SuggestionError, append_suggestion
from tests.conftest import MakeContent

NOW = dt.datetime(2021, 3, 1, 10, 0, tzinfo=STOCKHOLM)
BROKEN = """faq:
  - id: why_move
    title: {sv: "Varför?", en: "Why?"}
    answer: {sv: Därför., en: Because.}
    questions: {sv: [varför], en: [why]}
    source: [Den här meningen står inte i artikeln.]
"""


def check(directory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["check-content", str(directory)])
    return status, capsys.readouterr().out


def test_check_content_rejects_a_made_up_quote_and_a_live_id(
    tmp_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_content()
    (directory / "suggestions.yaml").write_text(BROKEN, encoding="utf-8")
    status, out = check(directory, capsys)
    assert status == 1
    assert "suggestions.yaml: why_move: source: quote not found in the article" in out
    assert "suggestions.yaml: why_move: id already used in faq.yaml" in out


def test_appended_drafts_validate_and_a_bad_file_is_left_alone(
    tmp_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_content()
    for ticket_id, lang in ((3, "sv"), (4, "en")):
        append_suggestion(
            directory,
            ticket_id=ticket_id,
            question="Var kan jag parkera?",
            answer="Vid centrum.",
            lang=lang,
            now=NOW,
        )
    assert check(directory, capsys)[0] == 0
    text = (directory / "suggestions.yaml").read_text(encoding="utf-8")
    assert text.count("NOT CHECKED") == 2

    with pytest.raises(SuggestionError) as again:
        append_suggestion(directory, ticket_id=3, question="?", answer="!", lang="sv", now=NOW)
    assert again.value.existing == "ticket-3"

    (directory / "suggestions.yaml").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(SuggestionError) as broken:
        append_suggestion(
            directory, ticket_id=5, question="Var?", answer="Här.", lang="sv", now=NOW
        )
    assert any("quote not found" in p for p in broken.value.problems)
    assert (directory / "suggestions.yaml").read_text(encoding="utf-8") == BROKEN
