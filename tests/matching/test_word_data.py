"""The matcher's word data: validated with a clear message, and extended by a content change."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import load_content
from bot.errors import ContentError
from bot.matching import Matcher, lexicon_problems
from bot.matching.lexicon import DATA_DIR, load_lexicon

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_word_data_is_sound() -> None:
    assert lexicon_problems() == []


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return data


def test_a_rewrite_that_does_not_compile_names_file_entry_and_line(tmp_path: Path) -> None:
    data = _broken_copy(
        tmp_path, "patterns.yaml", r"- pattern: \bhow many", r"- pattern: (\bhow many"
    )
    problems = lexicon_problems(data)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{data / 'patterns.yaml'}: rewrites[")
    assert "(line " in problems[0]
    assert "does not compile" in problems[0]
    with pytest.raises(ContentError):
        load_lexicon(data)


def test_an_unfolded_word_is_reported(tmp_path: Path) -> None:
    data = _broken_copy(tmp_path, "words.yaml", "    ledsen ledsna", "    ledsen ledsna rädd")
    problems = lexicon_problems(data)
    assert any("'rädd' is not folded" in p and "feelings.sv" in p for p in problems), problems


def test_yaml_that_does_not_parse_is_one_problem_with_its_line(tmp_path: Path) -> None:
    data = _broken_copy(tmp_path, "phrases.yaml", "shorthand:\n", "shorthand:\n  - [\n")
    problems = lexicon_problems(data)
    assert len(problems) == 1, problems
    assert "YAML does not parse" in problems[0]
    assert "(line " in problems[0]


def test_a_synonym_is_a_content_change(tmp_path: Path) -> None:
    """A resident's word the FAQ never uses: unknown until an editor adds it to faq.yaml."""
    content_dir = tmp_path / "content"
    shutil.copytree(ROOT / "content", content_dir)
    question = "vad händer i gläntan"  # a made-up local nickname for Kållered
    before = Matcher(load_content(content_dir)).match(question, "sv")
    assert before.topic is None
    faq = content_dir / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    text = text.replace("synonyms:\n", "synonyms:\n  - {means: Kållered, words: [gläntan]}\n", 1)
    faq.write_text(text, encoding="utf-8")
    after = Matcher(load_content(content_dir)).match(question, "sv")
    assert after.topic == "kallered_now"


def test_a_synonym_with_two_meanings_is_refused(tmp_path: Path) -> None:
    content_dir = tmp_path / "content"
    shutil.copytree(ROOT / "content", content_dir)
    faq = content_dir / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    text = text.replace("synonyms:\n", "synonyms:\n  - {means: skolan, words: [projektet]}\n", 1)
    faq.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_content(content_dir)
    assert any("'projektet' already means" in p and "(line " in p for p in raised.value.problems)


def test_check_content_reports_broken_word_data_and_explain_shows_the_synonym() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--explain", "varför läggs projektet ner"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "synonyms: projektet -> omradesarbetet" in run.stdout
    assert "candidates (the model's probabilities):" in run.stdout
    assert "why_move" in run.stdout
