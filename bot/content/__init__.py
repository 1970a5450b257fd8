"""Load and validate content/*.yaml into frozen, typed objects; fail at start-up, never later."""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import yaml

from bot.config import DEFAULT_TIMEZONE
from bot.content.examples import Example, example_key, load_examples
from bot.content.surveys import Survey, load_surveys
from bot.content.yamllines import line_of, load_with_lines
from bot.domain import AREAS, LANGUAGES, Area, Lang
from bot.errors import ContentError
from bot.parsing import parse_offset

FAQ_FILE = "faq.yaml"
TEXTS_FILE = "texts.yaml"
MILESTONES_FILE = "milestones.yaml"
SUGGESTIONS_FILE = "suggestions.yaml"

Localized = Mapping[Lang, str]


@dataclass(frozen=True)
class FaqEntry:
    """One question topic drawn from the article, answerable in every language."""

    id: str
    title: Localized
    answer: Localized
    questions: Mapping[Lang, tuple[str, ...]]
    keywords: Mapping[Lang, tuple[str, ...]]
    source: tuple[str, ...]


@dataclass(frozen=True)
class Synonym:
    """Words residents use (`words`) for what the FAQ calls `means`; a content editor's data."""

    means: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class SmallTalk:
    """A polite reply to greetings, thanks and the like; never an FAQ answer."""

    id: str
    questions: Mapping[Lang, tuple[str, ...]]
    answer: Localized


@dataclass(frozen=True)
class Milestone:
    """A dated step of the move; `label` is set when the article only gives a season."""

    id: str
    area: Area
    when: dt.datetime
    title: Localized
    label: Localized | None = None
    details: Localized | None = None
    remind: tuple[dt.timedelta, ...] | None = None

    @property
    def approximate(self) -> bool:
        """True when the date stands for a season (the label is what residents see)."""
        return self.label is not None


def describe_when(milestone: Milestone, texts: Texts, lang: Lang) -> str:
    """How residents see a milestone's date: its season label, a date, or a date and time.

    The time is the milestone's own wall time: content and the live timeline hold milestones
    in the settings' time zone.
    """
    if milestone.label is not None:
        return milestone.label[lang]
    when = milestone.when
    date = when.date().isoformat()
    if when.time() == dt.time(9, 0):  # a date without a time is stored at 09:00
        return date
    return texts.get("milestone_time", lang, date=date, time=when.strftime("%H:%M"))


@dataclass(frozen=True)
class Texts:
    """The bot's own UI strings, each in every language, with `{name}` placeholders."""

    strings: Mapping[str, Localized]

    def get(self, key: str, lang: Lang, **values: object) -> str:
        """Return the string `key` in `lang`, placeholders filled from `values`."""
        template = self.strings[key][lang]
        return template.format(**values) if values else template


def missing_texts(
    texts: Texts, required: Mapping[str, frozenset[str]], *, where: str, needed_by: str
) -> list[str]:
    """One line per `required` key that texts.yaml lacks or fills with an unknown placeholder.

    `required` maps each key to the placeholders its strings may use; `needed_by` says in the
    message which part of the bot needs the key.
    """
    problems: list[str] = []
    for key, allowed in required.items():
        strings = texts.strings.get(key)
        if strings is None:
            problems.append(f"{where}: {key}: missing (needed by {needed_by})")
            continue
        for lang, template in strings.items():
            try:
                used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            except ValueError as exc:
                problems.append(f"{where}: {key}: '{lang}' is not a valid template ({exc})")
                continue
            problems.extend(
                f"{where}: {key}: '{lang}' uses unknown placeholder {{{name}}} "
                f"(allowed: {', '.join(sorted(allowed)) or 'none'})"
                for name in sorted(used - allowed)
            )
    return problems


@dataclass(frozen=True)
class Content:
    """Everything the bot says, loaded once and never mutated."""

    faq: tuple[FaqEntry, ...]
    smalltalk: tuple[SmallTalk, ...]
    texts: Texts
    milestones: tuple[Milestone, ...] = ()
    directory: Path = field(default=Path("content"))
    synonyms: tuple[Synonym, ...] = ()
    vocabulary: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    examples: tuple[Example, ...] = ()  # content/examples/*.yaml: labelled residents' messages
    surveys: tuple[Survey, ...] = ()  # content/surveys.yaml: consultations (bot/core/surveys/)
    # The bot's time zone (OMRADESBOT_TIMEZONE): milestone times are wall times in it.
    zone: ZoneInfo = DEFAULT_TIMEZONE

    def entry(self, topic_id: str) -> FaqEntry | None:
        """Return the FAQ entry with this id, or None."""
        return next((e for e in self.faq if e.id == topic_id), None)


# --- validation -----------------------------------------------------------------------------

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")


class _Problems:
    """Collects problems so one run reports every error, not just the first."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.lines.append(f"{where}: {problem}")


def _read_yaml(path: Path, problems: _Problems) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(str(path), "file not found")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(str(path), f"cannot be read ({exc})")
        return None
    try:
        return load_with_lines(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problems.add(str(path), f"{line}YAML does not parse: {exc.problem or exc}")
    except yaml.YAMLError as exc:
        problems.add(str(path), f"YAML does not parse: {exc}")
    return None


def _check_keys(
    where: str, item: Mapping[str, Any], required: set[str], optional: set[str], problems: _Problems
) -> bool:
    ok = True
    for key in sorted(required - item.keys()):
        problems.add(where, f"missing key '{key}'")
        ok = False
    for key in sorted(item.keys() - required - optional, key=str):
        problems.add(where, f"unknown key '{key}'")
    return ok


def _localized(where: str, value: Any, problems: _Problems) -> dict[Lang, str] | None:
    if not isinstance(value, Mapping):
        problems.add(where, "must map each language (sv, en) to a text")
        return None
    result: dict[Lang, str] = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if text is None:
            problems.add(where, f"language '{lang}' missing")
        elif not isinstance(text, str) or not text.strip():
            problems.add(where, f"'{lang}' text is empty")
        else:
            result[lang] = text.strip()
    for extra in sorted(set(value) - set(LANGUAGES), key=str):
        problems.add(where, f"unknown language '{extra}'")
    return result if len(result) == len(LANGUAGES) else None


def _phrases(
    where: str, value: Any, problems: _Problems, *, required: bool
) -> dict[Lang, tuple[str, ...]] | None:
    if value is None and not required:
        return dict.fromkeys(LANGUAGES, ())
    if not isinstance(value, Mapping):
        problems.add(where, "must map each language (sv, en) to a list of phrases")
        return None
    result: dict[Lang, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        items = value.get(lang, [] if not required else None)
        if items is None:
            problems.add(where, f"language '{lang}' missing")
            continue
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            problems.add(where, f"'{lang}' must be a list of non-empty texts")
            continue
        if required and not items:
            problems.add(where, f"'{lang}' needs at least one phrase")
            continue
        result[lang] = tuple(i.strip() for i in items)
    for extra in sorted(set(value) - set(LANGUAGES), key=str):
        problems.add(where, f"unknown language '{extra}'")
    return result if len(result) == len(LANGUAGES) else None


def _entries(
    path: Path, data: Any, top_key: str, problems: _Problems, *, optional: bool = False
) -> list[tuple[str, Mapping[str, Any]]]:
    """Return (where, entry) pairs of the list under `top_key`, checking ids are unique."""
    if data is None and optional:
        return []
    if not isinstance(data, Mapping) or not isinstance(data.get(top_key), list):
        problems.add(str(path), f"must be a mapping with a list under '{top_key}'")
        return []
    seen: set[str] = set()
    out: list[tuple[str, Mapping[str, Any]]] = []
    for index, item in enumerate(data[top_key]):
        if not isinstance(item, Mapping):
            problems.add(f"{path}: {top_key}[{index}]", "must be a mapping")
            continue
        entry_id = item.get("id")
        if not isinstance(entry_id, str) or not _ID_RE.match(entry_id):
            problems.add(
                f"{path}: {top_key}[{index}]",
                "needs an 'id' of lowercase letters, digits, '_' or '-'",
            )
            continue
        if entry_id in seen:
            problems.add(f"{path}: {entry_id}", "duplicate id")
            continue
        seen.add(entry_id)
        out.append((f"{path}: {entry_id}", item))
    top_keys = {top_key, "smalltalk", "synonyms", "vocabulary"}
    for extra in sorted(set(data) - top_keys if top_key == "faq" else set(), key=str):
        problems.add(str(path), f"unknown top-level key '{extra}'")
    return out


def _parse_faq(
    where: str, item: Mapping[str, Any], article: str | None, problems: _Problems
) -> FaqEntry | None:
    required = {"id", "title", "answer", "questions", "source"}
    if not _check_keys(where, item, required, {"keywords"}, problems):
        return None
    title = _localized(f"{where}: title", item["title"], problems)
    answer = _localized(f"{where}: answer", item["answer"], problems)
    questions = _phrases(f"{where}: questions", item["questions"], problems, required=True)
    keywords = _phrases(f"{where}: keywords", item.get("keywords"), problems, required=False)
    source = item["source"]
    if isinstance(source, str):
        source = [source]
    if not isinstance(source, list) or not source or not all(isinstance(s, str) for s in source):
        problems.add(f"{where}: source", "must quote at least one sentence of the article")
        source = None
    elif article is not None:
        for quote in source:
            if _squash(quote) not in article:
                problems.add(f"{where}: source", f"quote not found in the article: {quote[:60]!r}")
    if title is None or answer is None or questions is None or keywords is None or source is None:
        return None
    return FaqEntry(
        id=str(item["id"]),
        title=title,
        answer=answer,
        questions=questions,
        keywords=keywords,
        source=tuple(source),
    )


def _parse_synonyms(path: Path, value: Any, problems: _Problems) -> list[Synonym]:
    """The `synonyms` list of faq.yaml: each {means: word, words: [...]}, no word twice."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(f"{path}: synonyms", "must be a list of {means: ..., words: [...]}")
        return []
    found: list[Synonym] = []
    meaning: dict[str, str] = {}
    for index, item in enumerate(value):
        where = f"{path}: synonyms[{index}]{line_of(item)}"
        if not isinstance(item, Mapping):
            problems.add(where, "must be a mapping {means: ..., words: [...]}")
            continue
        if not _check_keys(where, item, {"means", "words"}, set(), problems):
            continue
        means, words = item["means"], item["words"]
        if not isinstance(means, str) or not means.strip():
            problems.add(where, "'means' must be a non-empty text")
            continue
        if not isinstance(words, list) or not words:
            problems.add(where, "'words' must be a non-empty list of texts")
            continue
        good: list[str] = []
        for word in words:
            if not isinstance(word, str) or not word.strip():
                problems.add(where, f"'words' has an empty or non-text item: {word!r}")
                continue
            key = _squash(word).casefold()
            if key == _squash(means).casefold():
                problems.add(where, f"{word!r} is the word it means")
            elif key in meaning and meaning[key] != means:
                problems.add(where, f"{word!r} already means {meaning[key]!r}")
            else:
                meaning[key] = means
                good.append(word.strip())
        found.append(Synonym(means=means.strip(), words=tuple(good)))
    return found


VOCABULARY_ROLES = ("setting", "places", "named_places", "partners")


def _parse_vocabulary(path: Path, value: Any, problems: _Problems) -> dict[str, tuple[str, ...]]:
    """The `vocabulary` mapping of faq.yaml: each role (see VOCABULARY_ROLES) to a list of words."""
    if value is None:
        return {}
    where = f"{path}: vocabulary{line_of(value)}"
    if not isinstance(value, Mapping):
        problems.add(where, f"must map {', '.join(VOCABULARY_ROLES)} to lists of words")
        return {}
    for extra in sorted(set(value) - set(VOCABULARY_ROLES), key=str):
        problems.add(where, f"unknown role '{extra}'")
    roles: dict[str, tuple[str, ...]] = {}
    for role in VOCABULARY_ROLES:
        words = value.get(role, [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            problems.add(f"{where}: {role}", "must be a list of non-empty words")
            continue
        roles[role] = tuple(w.strip() for w in words)
    return roles


def _parse_smalltalk(where: str, item: Mapping[str, Any], problems: _Problems) -> SmallTalk | None:
    if not _check_keys(where, item, {"id", "questions", "answer"}, set(), problems):
        return None
    questions = _phrases(f"{where}: questions", item["questions"], problems, required=True)
    answer = _localized(f"{where}: answer", item["answer"], problems)
    if questions is None or answer is None:
        return None
    return SmallTalk(id=str(item["id"]), questions=questions, answer=answer)


def parse_when(value: Any, zone: ZoneInfo) -> dt.datetime | None:
    """Read a milestone time in `zone`: a date (midnight becomes 09:00) or 'YYYY-MM-DD HH:MM'."""
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None)
    elif isinstance(value, dt.date):
        naive = dt.datetime.combine(value, dt.time(9, 0))
    elif isinstance(value, str):
        try:
            naive = dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            try:
                naive = dt.datetime.combine(dt.date.fromisoformat(value.strip()), dt.time(9, 0))
            except ValueError:
                return None
    else:
        return None
    return naive.replace(tzinfo=zone)


def _parse_milestone(
    where: str, item: Mapping[str, Any], zone: ZoneInfo, problems: _Problems
) -> Milestone | None:
    required = {"id", "area", "when", "title"}
    if not _check_keys(where, item, required, {"label", "details", "remind"}, problems):
        return None
    ok = True
    area = item["area"]
    if area not in AREAS:
        problems.add(f"{where}: area", f"must be one of {', '.join(AREAS)}, not {area!r}")
        ok = False
    when = parse_when(item["when"], zone)
    if when is None:
        problems.add(f"{where}: when", f"not a date or 'YYYY-MM-DD HH:MM': {item['when']!r}")
        ok = False
    title = _localized(f"{where}: title", item["title"], problems)
    label = _localized(f"{where}: label", item["label"], problems) if "label" in item else None
    details = (
        _localized(f"{where}: details", item["details"], problems) if "details" in item else None
    )
    remind: tuple[dt.timedelta, ...] | None = None
    if "remind" in item:
        raw = item["remind"]
        offsets = [parse_offset(v) for v in raw] if isinstance(raw, list) else [None]
        if not offsets or any(o is None for o in offsets):
            problems.add(f"{where}: remind", "must be a list of offsets like 7d, 1d, 2h, 0m")
            ok = False
        else:
            remind = tuple(sorted((o for o in offsets if o is not None), reverse=True))
    if (
        not ok
        or title is None
        or ("label" in item and label is None)
        or ("details" in item and details is None)
    ):
        return None
    assert when is not None
    return Milestone(
        id=str(item["id"]),
        area=cast(Area, area),
        when=when,
        title=title,
        label=label,
        details=details,
        remind=remind,
    )


def _parse_texts(path: Path, data: Any, problems: _Problems) -> Texts:
    strings: dict[str, Localized] = {}
    if data is None and any(line.startswith(f"{path}:") for line in problems.lines):
        return Texts(strings)  # already reported as unreadable; a second line would be noise
    if not isinstance(data, Mapping):
        problems.add(str(path), "must be a mapping of text keys to {sv: ..., en: ...}")
        return Texts(strings)
    for key, value in data.items():
        localized = _localized(f"{path}: {key}", value, problems)
        if localized is not None:
            strings[str(key)] = localized
            _check_placeholders(f"{path}: {key}", localized, problems)
    return Texts(strings)


_PLACEHOLDER_RE = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")


def _check_placeholders(where: str, localized: Localized, problems: _Problems) -> None:
    names = {lang: set(_PLACEHOLDER_RE.findall(text)) for lang, text in localized.items()}
    if len({frozenset(n) for n in names.values()}) > 1:
        problems.add(where, f"languages use different placeholders: {names}")


def _squash(text: str) -> str:
    """Collapse whitespace so quotes may wrap lines in YAML."""
    return " ".join(text.split())


def _collect(
    path: Path,
    data: Any,
    top_key: str,
    parse: Callable[[str, Mapping[str, Any]], Any],
    problems: _Problems,
    *,
    optional: bool = False,
) -> list[Any]:
    parsed = [
        parse(where, item)
        for where, item in _entries(path, data, top_key, problems, optional=optional)
    ]
    return [p for p in parsed if p is not None]


def load_content(
    directory: Path | str, *, article: Path | None = None, zone: ZoneInfo = DEFAULT_TIMEZONE
) -> Content:
    """Load and validate every content file in `directory`; raise ContentError listing all problems.

    `article` defaults to `directory/source/article.sv.txt`; every FAQ `source` quote must
    occur in it. Milestone times are read as wall times in `zone` (the settings' time zone).
    """
    directory = Path(directory)
    problems = _Problems()
    if not directory.is_dir():
        raise ContentError([f"{directory}: content directory not found"])
    article_path = article or directory / "source" / "article.sv.txt"
    try:
        article_text: str | None = _squash(article_path.read_text(encoding="utf-8"))
    except OSError:
        problems.add(str(article_path), "article not found, so source quotes cannot be checked")
        article_text = None

    faq_path = directory / FAQ_FILE
    faq_data = _read_yaml(faq_path, problems)
    faq: list[FaqEntry] = []
    smalltalk: list[SmallTalk] = []
    synonyms: list[Synonym] = []
    vocabulary: dict[str, tuple[str, ...]] = {}
    if faq_data is not None or not problems.lines:
        faq = _collect(
            faq_path,
            faq_data,
            "faq",
            lambda w, i: _parse_faq(w, i, article_text, problems),
            problems,
        )
        if isinstance(faq_data, Mapping) and "smalltalk" in faq_data:
            smalltalk = _collect(
                faq_path,
                {"smalltalk": faq_data["smalltalk"]},
                "smalltalk",
                lambda w, i: _parse_smalltalk(w, i, problems),
                problems,
            )
        if isinstance(faq_data, Mapping):
            synonyms = _parse_synonyms(faq_path, faq_data.get("synonyms"), problems)
            vocabulary = _parse_vocabulary(faq_path, faq_data.get("vocabulary"), problems)
        faq_ids = {e.id for e in faq}
        for talk in smalltalk:
            if talk.id in faq_ids:
                problems.add(f"{faq_path}: {talk.id}", "small-talk id also used by an FAQ entry")

    seen = {
        example_key(question): (entry.id, f"{faq_path}: {entry.id}: questions")
        for entry in faq
        for lang in LANGUAGES
        for question in entry.questions[lang]
    }
    examples = load_examples(directory, (e.id for e in faq), problems.lines, seen=seen)

    texts_path = directory / TEXTS_FILE
    texts = _parse_texts(texts_path, _read_yaml(texts_path, problems), problems)

    milestones: list[Milestone] = []
    milestones_path = directory / MILESTONES_FILE
    if milestones_path.exists():
        milestones = _collect(
            milestones_path,
            _read_yaml(milestones_path, problems),
            "milestones",
            lambda w, i: _parse_milestone(w, i, zone, problems),
            problems,
        )

    suggestions_path = directory / SUGGESTIONS_FILE
    if suggestions_path.exists():
        # Drafts are not live, but they must be ready to move: quotes checked, ids free.
        data = _read_yaml(suggestions_path, problems)
        drafts: list[FaqEntry] = _collect(
            suggestions_path,
            data,
            "faq",
            lambda w, i: _parse_faq(w, i, article_text, problems),
            problems,
            optional=True,
        )
        live_ids = {e.id for e in faq}
        for draft in drafts:
            if draft.id in live_ids:
                problems.add(f"{suggestions_path}: {draft.id}", f"id already used in {FAQ_FILE}")

    surveys = load_surveys(directory, problems.lines)

    if problems.lines:
        raise ContentError(problems.lines)
    return Content(
        faq=tuple(faq),
        smalltalk=tuple(smalltalk),
        texts=texts,
        milestones=tuple(sorted(milestones, key=lambda m: m.when)),
        directory=directory,
        synonyms=tuple(synonyms),
        vocabulary=vocabulary,
        examples=tuple(examples),
        surveys=surveys,
        zone=zone,
    )
