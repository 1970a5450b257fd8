"""content/surveys.yaml: the shipped survey is valid, and every mistake is named with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.content import Content, load_content
from bot.content.surveys import SCALE, parse_surveys
from bot.content.yamllines import load_with_lines
from bot.errors import ContentError
from tests.conftest import MakeContent

GOOD = """
surveys:
  - id: trygghet-2027
    area: balltorp
    title: {sv: Trygghet, en: Safety}
    opens: 2027-03-01
    questions:
      - id: safe
        kind: choice
        text: {sv: Trygg?, en: Safe?}
        options: [{sv: Ja, en: "Yes"}, {sv: Nej, en: "No"}]
      - id: wish
        kind: text
        text: {sv: Önskan?, en: Wish?}
"""


def problems(text: str) -> list[str]:
    found: list[str] = []
    parse_surveys("surveys.yaml", load_with_lines(text), found)
    return found


def test_the_shipped_balltorp_survey_is_valid(content: Content) -> None:
    (survey,) = content.surveys
    assert survey.area == "balltorp"
    assert [q.kind for q in survey.questions] == ["scale", "scale", "multi", "choice", "text"]
    assert survey.questions[0].choices == len(SCALE)
    assert "kartläggning" in (survey.intro or {})["sv"]


def test_the_issue_shape_parses() -> None:
    found: list[str] = []
    (survey,) = parse_surveys("surveys.yaml", load_with_lines(GOOD), found)
    assert found == []
    assert survey.opens is not None
    assert survey.opens.isoformat() == "2027-03-01"
    assert [o["sv"] for o in survey.questions[0].options] == ["Ja", "Nej"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("area: balltorp", "area: lindome"), "trygghet-2027 (line 3): area: must be one of"),
        (("kind: choice", "kind: ranking"), "safe (line 8): kind: must be one of"),
        (("kind: text", "kind: multi"), "wish (line 12): options: a multi question needs"),
        (("title: {sv: Trygghet, en: Safety}", "title: {sv: Trygghet}"), "title: language 'en'"),
        (("opens: 2027-03-01", "opens: next spring"), "opens: not a date YYYY-MM-DD"),
        (("id: wish", "id: safe"), "safe (line 12): duplicate question id"),
        (("    opens:", "    colour: blue\n    opens:"), "unknown key 'colour'"),
        (("id: trygghet-2027", "id: Trygghet 2027"), "surveys[0] (line 3): needs an 'id'"),
        (("{sv: Ja,", "{sv: " + "Ja" * 40 + ","), "options[0]: 'sv' is 80 characters, at most 60"),
    ],
)
def test_mistakes_name_file_entry_and_line(change: tuple[str, str], expected: str) -> None:
    found = problems(GOOD.replace(*change))
    assert any(expected in line for line in found), found
    assert all(line.startswith("surveys.yaml: ") for line in found)


def test_check_content_reports_a_broken_survey(
    tmp_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_content()
    (directory / "surveys.yaml").write_text(GOOD.replace("kind: text", "kind: essay"), "utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    assert any("wish (line 12): kind" in p for p in caught.value.problems)
    assert main(["check-content", str(directory)]) == 1
    assert f"{directory / 'surveys.yaml'}: trygghet-2027 (line 3): wish (line 12)" in (
        capsys.readouterr().out
    )


def test_broken_yaml_names_the_line(tmp_content: MakeContent) -> None:
    directory: Path = tmp_content()
    (directory / "surveys.yaml").write_text("surveys:\n  - id: [unclosed\n", "utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    assert any("surveys.yaml: line" in p and "does not parse" in p for p in caught.value.problems)
