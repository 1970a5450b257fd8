"""The `omradesbot` command: ask, ask --batch, chat and check-content, as a user runs them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import LANGUAGE_CHOICES, main
from bot.domain import LANGUAGES
from tests.conftest import CONTENT_DIR, ROOT, MakeContent


def omradesbot(
    *args: str, stdin: str | bytes = b"", env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run the command as a resident's shell would, in a separate process."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    run = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        run.args, run.returncode, run.stdout.decode(), run.stderr.decode()
    )


# --- through a subprocess ---------------------------------------------------------------------


def test_ask_json_gives_topic_score_and_reply() -> None:
    run = omradesbot("ask", "--json", "Varför flyttar områdesarbetet från Kållered?")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["topic"] == "why_move"
    assert 0.0 <= answer["score"] <= 1.0
    assert "BID" in answer["reply"]
    assert set(answer) == {"topic", "topics", "score", "reply", "suggestions", "smalltalk"}


def test_batch_keeps_order_and_survives_bad_lines() -> None:
    lines = [
        json.dumps({"text": "Varför flyttar områdesarbetet?", "lang": "sv"}),
        "",
        "{not json",
        json.dumps({"text": "hej", "lang": "de"}),
        json.dumps({"text": 42, "lang": "sv"}),
        json.dumps({"text": "Why is the area work moving?", "lang": "en"}),
    ]
    run = omradesbot("ask", "--batch", stdin="\n".join(lines) + "\n")
    assert run.returncode == 0
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(answers) == 6
    assert answers[0]["topic"] == "why_move"
    assert answers[5]["topic"] == "why_move"
    assert "Balltorp" in answers[5]["reply"]
    for number in (2, 3, 4, 5):
        bad = answers[number - 1]
        assert bad["topic"] is None
        assert bad["reply"] == ""
        assert bad["error"].startswith(f"line {number}: ")
        assert f"line {number}: " in run.stderr
    assert "empty line" in answers[1]["error"]
    assert "invalid JSON" in answers[2]["error"]
    assert 'unknown "lang" "de"' in answers[3]["error"]
    assert '"text" must be a string' in answers[4]["error"]


def test_check_content_ok_summary() -> None:
    run = omradesbot("check-content")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("content OK: ")
    assert "FAQ entries" in run.stdout
    assert "milestones" in run.stdout
    assert "examples" in run.stdout
    # and whether the answering engine's kept model is current (training it if not)
    assert run.stdout.splitlines()[1].startswith("matcher: ")
    assert run.stdout.count("\n") == 2


def test_check_content_bad_lists_every_problem_without_traceback(
    tmp_content: MakeContent,
) -> None:
    directory = tmp_content(minimal=True)
    faq = directory / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("id: timeline", "id: why_move"))
    texts = directory / "texts.yaml"
    texts.write_text(texts.read_text(encoding="utf-8") + "broken:\n  sv: bara svenska\n")
    run = omradesbot("check-content", str(directory))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{faq}: why_move: duplicate id",
        f"{texts}: broken: language 'en' missing",
    ]
    assert "Traceback" not in run.stderr


def test_missing_content_dir_is_a_clear_error(tmp_path: Path) -> None:
    run = omradesbot("ask", "hej", cwd=tmp_path, env={"OMRADESBOT_CONTENT_DIR": ""})
    assert run.returncode == 2
    assert f"content directory not found: {tmp_path / 'content'}" in run.stderr
    assert "Traceback" not in run.stderr


def test_ask_stops_quietly_when_its_reader_goes_away(tmp_path: Path) -> None:
    # `omradesbot ask --batch < questions | head -1`: the reader closes the pipe early; the
    # command ends without a traceback.
    questions = tmp_path / "questions.jsonl"
    line = json.dumps({"text": "Varför flyttar ni?", "lang": "sv"}) + "\n"
    questions.write_text(line * 2000, encoding="utf-8")  # far more than a pipe holds
    with questions.open("rb") as stdin:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "ask", "--batch"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
    assert process.stdout is not None
    assert json.loads(process.stdout.readline())["topic"] == "why_move"
    process.stdout.close()
    _, errors = process.communicate(timeout=60)
    assert b"Traceback" not in errors, errors.decode()
    assert process.returncode == 141


def test_ask_does_not_load_telegram_or_the_database() -> None:
    code = (
        "import sys; from bot.cli import main; main(['ask', 'hej']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'sqlalchemy')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert run.stdout.splitlines()[-1] == "[]"


# --- in-process -------------------------------------------------------------------------------


def test_ask_prints_the_reply_and_its_buttons(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "hur", "många", "områden", "har", "områdesarbete?"]) == 0
    out = capsys.readouterr().out
    assert "Bifrost" in out
    assert "[Fler ämnen]" in out


def test_ask_unknown_question_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--lang", "en", "--json", "When is garbage collected?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["topic"] is None
    assert "I only know about" in answer["reply"]
    assert "garbage" not in answer["reply"]


def test_ask_needs_text_or_batch(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["ask"])
    assert caught.value.code == 2
    assert "give either a question TEXT or --batch" in capsys.readouterr().err


def test_batch_in_process_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"text": "hej"}\n[]\n'))
    assert main(["ask", "--batch"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["smalltalk"] == "greeting"
    assert "JSON object" in second["error"]


def test_check_content_uses_env_and_option(
    tmp_content: MakeContent,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = tmp_content(minimal=True)
    monkeypatch.setenv("OMRADESBOT_CONTENT_DIR", str(directory))
    assert main(["check-content"]) == 0
    assert capsys.readouterr().out.startswith("content OK: 3 FAQ entries, 2 small-talk")
    assert main(["check-content", "--content", str(CONTENT_DIR)]) == 0
    assert f"in {CONTENT_DIR}/" in capsys.readouterr().out


def test_invalid_setting_is_reported_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMRADESBOT_TIMEZONE", "Nowhere/Atlantis")
    assert main(["ask", "hej"]) == 2
    assert "OMRADESBOT_TIMEZONE" in capsys.readouterr().err
    assert main(["check-content", "--content", str(CONTENT_DIR)]) == 2
    assert "OMRADESBOT_TIMEZONE" in capsys.readouterr().err


def test_broken_content_stops_ask_with_the_problems(
    tmp_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_content(minimal=True)
    (directory / "milestones.yaml").write_text("milestones: [\n", encoding="utf-8")
    assert main(["ask", "--content", str(directory), "hej"]) == 1
    err = capsys.readouterr().err
    assert f"{directory / 'milestones.yaml'}: line " in err
    assert "check-content" in err


def test_chat_runs_on_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("/hjalp\n"))
    assert main(["chat", "--lang", "sv"]) == 0
    out = capsys.readouterr().out
    assert "/fragor (/faq)" in out
    assert out.rstrip().endswith("Hej då!")


def test_cli_language_choices_match_the_content_schema() -> None:
    assert LANGUAGE_CHOICES == LANGUAGES


def test_help_lists_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    for name in ("ask", "chat", "check-content"):
        assert name in out
