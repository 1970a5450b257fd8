"""Content validation: every kind of mistake is reported with its file, entry and problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.content import Content, load_content
from bot.content.texts import text_problems
from bot.errors import ContentError
from tests.conftest import MakeContent


def read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    return caught.value.problems


def edit_faq(directory: Path, index: int, **changes: Any) -> None:
    data = read(directory / "faq.yaml")
    data["faq"][index].update(changes)
    write(directory / "faq.yaml", data)


def test_shipped_content_is_valid(content: Content) -> None:
    assert content.faq
    assert text_problems(content.texts) == []
    milestones = {m.id: m for m in content.milestones}
    assert set(milestones) >= {"kallered-phase-out", "balltorp-survey", "balltorp-start"}
    # The article only gives seasons, so every one of its milestones shows a season label.
    assert all(m.approximate for m in content.milestones)
    assert milestones["balltorp-start"].label == {"sv": "hösten 2021", "en": "autumn 2021"}


def test_unknown_key(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    edit_faq(directory, 0, colour="blue")
    assert problems_of(directory) == [f"{directory / 'faq.yaml'}: why_move: unknown key 'colour'"]


def test_duplicate_id(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    edit_faq(directory, 1, id="why_move")
    assert f"{directory / 'faq.yaml'}: why_move: duplicate id" in problems_of(directory)


def test_missing_language(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    edit_faq(directory, 0, answer={"sv": "Bara svenska."})
    assert problems_of(directory) == [
        f"{directory / 'faq.yaml'}: why_move: answer: language 'en' missing"
    ]


def test_empty_answer(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    edit_faq(directory, 2, answer={"sv": "  ", "en": "Something."})
    assert problems_of(directory) == [
        f"{directory / 'faq.yaml'}: young_developers: answer: 'sv' text is empty"
    ]


def test_bad_yaml_names_the_line(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    lines = (directory / "faq.yaml").read_text(encoding="utf-8").splitlines()
    lines[5] = "    answer: {sv: [unclosed"
    (directory / "faq.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (problem,) = problems_of(directory)
    assert problem.startswith(f"{directory / 'faq.yaml'}: line ")
    assert "YAML does not parse" in problem


def test_source_quote_not_in_article(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    edit_faq(directory, 0, source=["Balltorp får en ny simhall 2022."])
    (problem,) = problems_of(directory)
    assert problem.startswith(f"{directory / 'faq.yaml'}: why_move: source: quote not found")
    assert "simhall" in problem


def test_source_quote_may_wrap_lines(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    edit_faq(directory, 0, source=["Nu flyttas\n   arbetet till Balltorp."])
    assert load_content(directory).faq[0].source


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("when", "hösten 2021", "when: not a date"),
        ("when", "2021-02-30", "when: not a date"),
        ("area", "lindome", "area: must be one of balltorp, kallered, all"),
        ("remind", ["7d", "soon"], "remind: must be a list of offsets"),
        ("label", {"sv": "hösten 2021"}, "label: language 'en' missing"),
        ("colour", "red", "unknown key 'colour'"),
    ],
)
def test_bad_milestone(tmp_content: MakeContent, field: str, value: Any, problem: str) -> None:
    directory = tmp_content(minimal=True)
    data = read(directory / "milestones.yaml")
    data["milestones"][0][field] = value
    write(directory / "milestones.yaml", data)
    first = data["milestones"][0]["id"]
    (reported,) = problems_of(directory)
    assert reported.startswith(f"{directory / 'milestones.yaml'}: {first}: {problem}")


def test_every_problem_is_reported_at_once(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    edit_faq(directory, 0, colour="blue")
    edit_faq(directory, 1, title={"sv": "Bara svenska"})
    data = read(directory / "milestones.yaml")
    data["milestones"][0]["area"] = "mars"
    write(directory / "milestones.yaml", data)
    assert len(problems_of(directory)) == 3


def test_missing_texts_key_is_reported_by_check_content(
    tmp_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_content(minimal=True)
    data = read(directory / "texts.yaml")
    del data["did_you_mean"], data["apology"]
    write(directory / "texts.yaml", data)
    assert main(["check-content", str(directory)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{directory / 'texts.yaml'}: did_you_mean: missing (needed by the dialogue)",
        f"{directory / 'texts.yaml'}: apology: missing (needed by the dialogue)",
    ]


def test_check_content_knows_every_text_the_bot_needs(
    tmp_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    """Keys only the Telegram bot, the tickets or the pictures use are checked too."""
    directory = tmp_content(minimal=True)
    data = read(directory / "texts.yaml")
    del data["forgotten"], data["ticket_response_time"], data["calendar_button"]
    data["subscribed"] = {"sv": "Du följer {place}", "en": "Subscribed to {place}"}
    write(directory / "texts.yaml", data)
    assert main(["check-content", str(directory)]) == 1
    where = directory / "texts.yaml"
    assert sorted(capsys.readouterr().out.splitlines()) == [
        f"{where}: calendar_button: missing (needed by the pictures and calendar files)",
        f"{where}: forgotten: missing (needed by the bot)",
        f"{where}: subscribed: 'en' uses unknown placeholder {{place}} (allowed: area)",
        f"{where}: subscribed: 'sv' uses unknown placeholder {{place}} (allowed: area)",
        f"{where}: ticket_response_time: missing (needed by asking the staff)",
    ]


def test_texts_with_mismatched_placeholders(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    data = read(directory / "texts.yaml")
    data["milestone_done"] = {"sv": "{when}: {title}", "en": "{title}"}
    write(directory / "texts.yaml", data)
    (problem,) = problems_of(directory)
    assert problem.startswith(f"{directory / 'texts.yaml'}: milestone_done: languages use")


def test_missing_file(tmp_content: MakeContent) -> None:
    directory = tmp_content(minimal=True)
    (directory / "texts.yaml").unlink()
    assert f"{directory / 'texts.yaml'}: file not found" in problems_of(directory)
