"""content/surveys.yaml as frozen, typed surveys; every problem named with file, entry and line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

import yaml

from bot.content.yamllines import item_line, line_of, load_with_lines
from bot.domain import AREAS, LANGUAGES, Area, Lang

Localized = Mapping[Lang, str]

SURVEYS_FILE = "surveys.yaml"

QuestionKind = Literal["choice", "multi", "scale", "text"]
QUESTION_KINDS: tuple[QuestionKind, ...] = get_args(QuestionKind)
SCALE = (1, 2, 3, 4, 5)
MAX_OPTIONS = 10  # buttons one per row: more would not fit a phone screen
MAX_QUESTIONS = 20
# Lengths that keep an invitation, a question and a button readable on a phone (and within
# Telegram's 4,096 per message, with the bot's own lines around them).
MAX_TITLE, MAX_INTRO, MAX_QUESTION, MAX_OPTION = 100, 1500, 500, 60
# Ids go into button data (64 bytes with the prefix and numbers), so they stay short.
MAX_ID = 40
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
_SURVEY_KEYS = {"id", "area", "title", "intro", "opens", "closes", "questions"}
_QUESTION_KEYS = {"id", "kind", "text", "options"}


@dataclass(frozen=True)
class SurveyQuestion:
    """One question; `options` only for choice and multi (a scale is always 1-5)."""

    id: str
    kind: QuestionKind
    text: Localized
    options: tuple[Localized, ...] = ()
    line: int = field(default=0, compare=False)  # where it stands in surveys.yaml

    @property
    def choices(self) -> int:
        """How many buttons it has: its options, the five scale steps, or none (text)."""
        if self.kind == "scale":
            return len(SCALE)
        return len(self.options)


@dataclass(frozen=True)
class Survey:
    """A consultation of one area's residents (or all), dates local to the bot's time zone."""

    id: str
    area: Area
    title: Localized
    questions: tuple[SurveyQuestion, ...]
    intro: Localized | None = None
    opens: dt.date | None = None
    closes: dt.date | None = None
    line: int = field(default=0, compare=False)

    def question(self, position: int) -> SurveyQuestion | None:
        """The question at `position` (0-based), or None past the end."""
        return self.questions[position] if 0 <= position < len(self.questions) else None


def load_surveys(directory: Path, problems: list[str]) -> tuple[Survey, ...]:
    """Read `directory/surveys.yaml` (optional); append each problem to `problems`."""
    path = directory / SURVEYS_FILE
    if not path.exists():
        return ()
    try:
        data = load_with_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot be read ({exc})")
        return ()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problems.append(f"{path}: {line}YAML does not parse: {exc.problem or exc}")
        return ()
    except yaml.YAMLError as exc:
        problems.append(f"{path}: YAML does not parse: {exc}")
        return ()
    return parse_surveys(str(path), data, problems)


def parse_surveys(where: str, data: Any, problems: list[str]) -> tuple[Survey, ...]:
    """Validate the parsed YAML of surveys.yaml; `where` names the file in problems."""
    if data is None:
        return ()
    if not isinstance(data, Mapping) or not isinstance(data.get("surveys"), list):
        problems.append(f"{where}: must be a mapping with a list under 'surveys'")
        return ()
    for extra in sorted(set(data) - {"surveys"}, key=str):
        problems.append(f"{where}: unknown top-level key '{extra}'")
    surveys: list[Survey] = []
    seen: set[str] = set()
    items = data["surveys"]
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(
                f"{where}: surveys[{index}]{item_line(items, index)}: must be a mapping"
            )
            continue
        survey_id = item.get("id")
        if not _good_id(survey_id):
            problems.append(
                f"{where}: surveys[{index}]{line_of(item)}: needs an 'id' of lowercase letters, "
                f"digits, '_' or '-' (at most {MAX_ID})"
            )
            continue
        entry = f"{where}: {survey_id}{line_of(item)}"
        if survey_id in seen:
            problems.append(f"{entry}: duplicate id")
            continue
        seen.add(str(survey_id))
        survey = _parse_survey(entry, item, problems)
        if survey is not None:
            surveys.append(survey)
    return tuple(surveys)


def _good_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID
        and value[0].isalnum()
        and set(value) <= _ID_CHARS
    )


def _parse_survey(entry: str, item: Mapping[str, Any], problems: list[str]) -> Survey | None:
    before = len(problems)
    for key in sorted(_SURVEY_KEYS - {"intro", "opens", "closes"} - item.keys()):
        problems.append(f"{entry}: missing key '{key}'")
    for key in sorted(item.keys() - _SURVEY_KEYS, key=str):
        problems.append(f"{entry}: unknown key '{key}'")
    if len(problems) > before:
        return None
    area = item["area"]
    if area not in AREAS:
        problems.append(f"{entry}: area: must be one of {', '.join(AREAS)}, not {area!r}")
    title = _localized(f"{entry}: title", item["title"], problems, limit=MAX_TITLE)
    intro = (
        _localized(f"{entry}: intro", item["intro"], problems, limit=MAX_INTRO)
        if "intro" in item
        else None
    )
    opens = _date(f"{entry}: opens", item.get("opens"), problems)
    closes = _date(f"{entry}: closes", item.get("closes"), problems)
    if opens is not None and closes is not None and closes < opens:
        problems.append(f"{entry}: closes ({closes}) is before opens ({opens})")
    questions = _parse_questions(entry, item["questions"], problems)
    if len(problems) > before or title is None or questions is None:
        return None
    return Survey(
        id=str(item["id"]),
        area=cast(Area, area),
        title=title,
        questions=questions,
        intro=intro,
        opens=opens,
        closes=closes,
        line=getattr(item, "line", 0),
    )


def _parse_questions(
    entry: str, value: Any, problems: list[str]
) -> tuple[SurveyQuestion, ...] | None:
    if not isinstance(value, list) or not value:
        problems.append(f"{entry}: questions: must be a non-empty list")
        return None
    if len(value) > MAX_QUESTIONS:
        problems.append(f"{entry}: questions: at most {MAX_QUESTIONS}, not {len(value)}")
    found: list[SurveyQuestion] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        where = f"{entry}: questions[{index}]{item_line(value, index)}"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: must be a mapping")
            continue
        question_id = item.get("id")
        if not _good_id(question_id):
            problems.append(f"{where}: needs an 'id' of lowercase letters, digits, '_' or '-'")
            continue
        where = f"{entry}: {question_id}{line_of(item)}"
        if question_id in seen:
            problems.append(f"{where}: duplicate question id")
            continue
        seen.add(str(question_id))
        question = _parse_question(where, item, problems)
        if question is not None:
            found.append(question)
    return tuple(found) if len(found) == len(value) else None


def _parse_question(
    where: str, item: Mapping[str, Any], problems: list[str]
) -> SurveyQuestion | None:
    before = len(problems)
    for key in sorted({"id", "kind", "text"} - item.keys()):
        problems.append(f"{where}: missing key '{key}'")
    for key in sorted(item.keys() - _QUESTION_KEYS, key=str):
        problems.append(f"{where}: unknown key '{key}'")
    if len(problems) > before:
        return None
    kind = item["kind"]
    if kind not in QUESTION_KINDS:
        problems.append(f"{where}: kind: must be one of {', '.join(QUESTION_KINDS)}, not {kind!r}")
        return None
    text = _localized(f"{where}: text", item["text"], problems, limit=MAX_QUESTION)
    options: list[Localized] = []
    raw = item.get("options")
    if kind in ("choice", "multi"):
        if not isinstance(raw, list) or len(raw) < 2:
            problems.append(f"{where}: options: a {kind} question needs a list of 2 or more")
        elif len(raw) > MAX_OPTIONS:
            problems.append(f"{where}: options: at most {MAX_OPTIONS}, not {len(raw)}")
        else:
            for index, option in enumerate(raw):
                label = _localized(f"{where}: options[{index}]", option, problems, limit=MAX_OPTION)
                if label is not None:
                    options.append(label)
            labels = [o["sv"].casefold() for o in options]
            if len(set(labels)) != len(labels):
                problems.append(f"{where}: options: two options have the same text")
    elif raw is not None:
        problems.append(f"{where}: options: only choice and multi questions have options")
    if len(problems) > before or text is None:
        return None
    return SurveyQuestion(
        id=str(item["id"]),
        kind=cast(QuestionKind, kind),
        text=text,
        options=tuple(options),
        line=getattr(item, "line", 0),
    )


def _localized(
    where: str, value: Any, problems: list[str], *, limit: int
) -> dict[Lang, str] | None:
    if not isinstance(value, Mapping):
        problems.append(f"{where}: must map each language (sv, en) to a text")
        return None
    result: dict[Lang, str] = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if text is None:
            problems.append(f"{where}: language '{lang}' missing")
        elif not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: '{lang}' text is empty")
        elif len(text.strip()) > limit:
            problems.append(f"{where}: '{lang}' is {len(text.strip())} characters, at most {limit}")
        else:
            result[lang] = text.strip()
    for extra in sorted(set(value) - set(LANGUAGES), key=str):
        problems.append(f"{where}: unknown language '{extra}'")
    return result if len(result) == len(LANGUAGES) else None


def _date(where: str, value: Any, problems: list[str]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.append(f"{where}: not a date YYYY-MM-DD: {value!r}")
    return None
