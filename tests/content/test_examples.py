"""content/examples/*.yaml: residents' messages labelled by topic, checked at load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content import load_content
from bot.content.examples import example_key
from bot.errors import ContentError
from tests.conftest import CONTENT_DIR, MakeContent

ROOT = Path(__file__).resolve().parents[2]
EVALUATION_SETS = (
    *sorted((ROOT / "tests" / "data").glob("*.yaml")),
    *sorted((ROOT.parent / "shared" / "eval").glob("*.yaml")),
)


def write_examples(directory: Path, text: str) -> Path:
    path = directory / "examples" / "extra.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as raised:
        load_content(directory)
    return raised.value.problems


def test_the_shipped_examples_load_with_both_labels(content) -> None:  # type: ignore[no-untyped-def]
    topics = {example.topic for example in content.examples}
    assert None in topics  # off-topic examples are data too
    assert topics - {None} == {entry.id for entry in content.faq}
    assert {example.lang for example in content.examples} == {"sv", "en"}


def test_an_unknown_topic_names_file_entry_and_line(tmp_content: MakeContent) -> None:
    directory = tmp_content()
    path = write_examples(directory, "examples:\n  why_mvoe:\n    sv: [varför drar ni]\n")
    assert problems_of(directory) == [f"{path}: why_mvoe (line 2): unknown FAQ id 'why_mvoe'"]


def test_a_wrong_language_key_is_reported(tmp_content: MakeContent) -> None:
    directory = tmp_content()
    path = write_examples(directory, "offtopic:\n  se: [vad kostar bussen]\n")
    assert problems_of(directory) == [
        f"{path}: offtopic (line 2): unknown language 'se' (use sv or en)"
    ]


def test_an_empty_message_is_reported_with_its_line(tmp_content: MakeContent) -> None:
    directory = tmp_content()
    path = write_examples(
        directory, 'examples:\n  why_move:\n    sv:\n      - ok då\n      - " "\n'
    )
    assert problems_of(directory) == [f"{path}: why_move: sv[1] (line 5): empty message"]


def test_a_message_given_twice_or_with_two_labels_is_reported(tmp_content: MakeContent) -> None:
    directory = tmp_content()
    path = write_examples(
        directory,
        "examples:\n  why_move:\n    sv: [Varför flyttar ni, 'varför flyttar ni?']\n"
        "offtopic:\n  sv: [VARFÖR FLYTTAR NI]\n",
    )
    problems = problems_of(directory)
    assert len(problems) == 2
    assert problems[0].startswith(f"{path}: why_move: sv[1] (line 3): repeats {path}: why_move")
    assert problems[1].startswith(f"{path}: offtopic: sv[0] (line 5): contradicts")


def test_an_example_may_not_repeat_an_faq_question(tmp_content: MakeContent) -> None:
    directory = tmp_content()
    write_examples(directory, "offtopic:\n  sv: [varför lämnar ni Kållered]\n")
    (problem,) = problems_of(directory)
    assert "contradicts" in problem
    assert "faq.yaml: why_move: questions" in problem


@pytest.mark.skipif(not EVALUATION_SETS, reason="no evaluation sets present")
def test_no_evaluation_case_is_taught() -> None:
    """The sets that measure the matcher must stay unseen by it (docs/answering.md)."""
    taught = {example_key(e.text) for e in load_content(CONTENT_DIR).examples}
    content = yaml.safe_load((CONTENT_DIR / "faq.yaml").read_text(encoding="utf-8"))
    taught |= {
        example_key(q)
        for entry in content["faq"]
        for lang in ("sv", "en")
        for q in entry["questions"][lang]
    }
    leaked = [
        (path.name, case["q"])
        for path in EVALUATION_SETS
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        if example_key(case["q"]) in taught
    ]
    assert leaked == []
