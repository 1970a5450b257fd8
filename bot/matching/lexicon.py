"""The matcher's language data: bot/matching/data/*.yaml read into one frozen Lexicon, or why not.

The data files hold general Swedish and English knowledge (stop words, fillers, shorthand, verb
phrases, rewrites, the kinds of information a question can demand). What is specific to this FAQ
(its synonyms, its places) lives in content/faq.yaml. Every problem names the file, the entry and
its line, so `omradesbot check-content` can report it and the bot refuses to start with bad data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.content.yamllines import line_of, load_with_lines
from bot.errors import ContentError

DATA_DIR = Path(__file__).resolve().parent / "data"
WORDS_FILE, PHRASES_FILE, PATTERNS_FILE = "words.yaml", "phrases.yaml", "patterns.yaml"
_GROUP_RE = re.compile(r"<<(\w+)>>")
_FOLDED_RE = re.compile(r"^[a-z0-9 ]+$")


@dataclass(frozen=True)
class Lexicon:
    """Word lists and rules, folded, compiled once; shared by every Matcher."""

    stopwords: Mapping[str, frozenset[str]]  # per language, fillers and prepositions included
    everyday: frozenset[str]
    question_words: Mapping[str, str]  # folded word -> kind (when, who, why ...)
    asking_verbs: frozenset[str]
    past_tense: frozenset[str]
    determiners: frozenset[str]
    exists: Mapping[str, frozenset[str]]  # sv, en, there, fillers
    endings: frozenset[str]
    residing: Mapping[str, frozenset[str]]  # verbs, at, since
    clause_joins: frozenset[str]
    shorthand: Mapping[str, str]
    phrases: Mapping[str, str]
    trade: Mapping[str, str]
    trade_context: re.Pattern[str]
    rewrites: tuple[tuple[re.Pattern[str], str], ...]
    demands: tuple[tuple[re.Pattern[str], str], ...]
    sentences: Mapping[str, frozenset[str]]  # openers, inverted_verbs, subjects, referring, ...
    asking: re.Pattern[str]
    signoff: re.Pattern[str]  # a letter's sign-off, at the start of a folded sentence
    frames: re.Pattern[str]  # a check's frame ("stammer det att", "is it true that"): no topic
    tags: re.Pattern[str]  # @mentions and a post's closing #hashtags, on the raw text

    @property
    def question_kinds(self) -> frozenset[str]:
        """Every kind a question word can ask for."""
        return frozenset(self.question_words.values())


class _Reader:
    """Reads one data file, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        self.data: Mapping[str, Any] = {}
        self.broken = False
        try:
            loaded = load_with_lines(path.read_text(encoding="utf-8"))
        except OSError as exc:
            self.fail("", f"cannot be read ({exc})")
            self.broken = True
            return
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" (line {mark.line + 1})" if mark is not None else ""
            self.fail(line, f"YAML does not parse: {getattr(exc, 'problem', None) or exc}")
            self.broken = True
            return
        if not isinstance(loaded, Mapping) or loaded.get("version") != 1:
            self.fail("", "must be a mapping with 'version: 1'")
            self.broken = True
            return
        self.data = loaded

    def fail(self, where: str, problem: str) -> None:
        if self.broken:
            return  # a file that does not parse has one problem, not one per section
        self.problems.append(
            f"{self.path}{': ' + where.strip() if where.strip() else ''}: {problem}"
        )

    def words(self, key: str, value: Any = None, parent: Any = None) -> frozenset[str]:
        """A block of whitespace-separated folded words."""
        value = self.data.get(key) if value is None else value
        where = f"{key}{line_of(parent if parent is not None else self.data)}"
        if not isinstance(value, str) or not value.split():
            self.fail(where, "must be a block of words separated by spaces")
            return frozenset()
        words = value.split()
        for word in words:
            if not _FOLDED_RE.match(word):
                self.fail(where, f"{word!r} is not folded (lower case a-z, 0-9, no å/ä/ö)")
        return frozenset(words)

    def per_key(self, key: str, names: tuple[str, ...]) -> dict[str, frozenset[str]]:
        """A mapping of each name to a block of words."""
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            self.fail(key, f"must map {', '.join(names)} to blocks of words")
            return {name: frozenset() for name in names}
        for extra in sorted(set(value) - set(names), key=str):
            self.fail(f"{key}{line_of(value)}", f"unknown key {extra!r}")
        return {name: self.words(f"{key}.{name}", value.get(name), value) for name in names}

    def mapping(self, key: str) -> dict[str, str]:
        """A mapping of folded word or phrase -> folded replacement."""
        value = self.data.get(key)
        if not isinstance(value, Mapping) or not value:
            self.fail(key, "must be a non-empty mapping of words to words")
            return {}
        result: dict[str, str] = {}
        for word, replacement in value.items():
            where = f"{key}.{word}{line_of(value)}"
            if not isinstance(word, str) or not isinstance(replacement, str):
                self.fail(where, "both sides must be text")
            elif not _FOLDED_RE.match(word) or not _FOLDED_RE.match(replacement):
                self.fail(where, "must be folded (lower case a-z, 0-9, spaces)")
            else:
                result[word] = replacement
        return result

    def pattern(self, where: str, source: Any, groups: Mapping[str, str]) -> re.Pattern[str] | None:
        if not isinstance(source, str) or not source:
            self.fail(where, "pattern must be a non-empty text")
            return None
        missing = [name for name in _GROUP_RE.findall(source) if name not in groups]
        if missing:
            self.fail(where, f"unknown group <<{missing[0]}>>")
            return None
        try:
            return re.compile(_GROUP_RE.sub(lambda m: groups[m.group(1)], source))
        except re.error as exc:
            self.fail(where, f"pattern does not compile: {exc}")
            return None

    def rules(self, key: str, target: str, groups: Mapping[str, str]) -> list[tuple[Any, str]]:
        """A list of {pattern: regex, <target>: text}, compiled."""
        value = self.data.get(key)
        if not isinstance(value, list):
            self.fail(key, f"must be a list of {{pattern: ..., {target}: ...}}")
            return []
        rules: list[tuple[Any, str]] = []
        for index, item in enumerate(value):
            where = f"{key}[{index}]{line_of(item)}"
            if not isinstance(item, Mapping) or set(item) != {"pattern", target}:
                self.fail(where, f"must have exactly 'pattern' and '{target}'")
                continue
            compiled = self.pattern(where, item["pattern"], groups)
            if compiled is not None and isinstance(item[target], str):
                rules.append((compiled, item[target]))
            elif compiled is not None:
                self.fail(where, f"'{target}' must be text")
        return rules


def lexicon_problems(directory: Path = DATA_DIR) -> list[str]:
    """Every problem in the language data files, one line each (empty when they are sound)."""
    problems: list[str] = []
    _read(directory, problems)
    return problems


def _read(directory: Path, problems: list[str]) -> Lexicon:
    words = _Reader(directory / WORDS_FILE, problems)
    phrases = _Reader(directory / PHRASES_FILE, problems)
    patterns = _Reader(directory / PATTERNS_FILE, problems)
    langs = ("sv", "en")
    stop = words.per_key("stopwords", langs)
    fillers = words.per_key("fillers", langs)
    prepositions = words.per_key("prepositions", langs)
    feelings = words.per_key("feelings", langs)
    kinds = words.data.get("question_words")
    if not isinstance(kinds, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in kinds.items()
    ):
        words.fail("question_words", "must map folded question words to kinds (when, who ...)")
        kinds = {}
    groups = patterns.data.get("groups") or {}
    if not isinstance(groups, Mapping) or not all(isinstance(v, str) for v in groups.values()):
        patterns.fail("groups", "must map names to regular expressions")
        groups = {}
    trade_context = patterns.pattern(
        "trade_context", patterns.data.get("trade_context"), groups
    ) or re.compile(r"(?!)")
    return Lexicon(
        stopwords={
            lang: stop[lang] | fillers[lang] | prepositions[lang] | feelings[lang] for lang in langs
        },
        everyday=words.words("everyday"),
        question_words=dict(kinds),
        asking_verbs=words.words("asking_verbs"),
        past_tense=words.words("past_tense"),
        determiners=words.words("determiners"),
        exists=words.per_key("existential", ("sv", "en", "there", "fillers")),
        endings=words.words("endings"),
        residing=words.per_key("residing", ("verbs", "at", "since")),
        clause_joins=words.words("clause_joins"),
        shorthand=phrases.mapping("shorthand"),
        phrases=phrases.mapping("phrases"),
        trade=phrases.mapping("trade"),
        trade_context=trade_context,
        rewrites=tuple(patterns.rules("rewrites", "replace", groups)),
        demands=tuple(patterns.rules("demands", "kind", groups)),
        sentences=words.per_key(
            "sentences",
            (
                "openers",
                "inverted_verbs",
                "subjects",
                "question_starts",
                "alternatives",
                "referring",
            ),
        ),
        asking=patterns.pattern("asking", patterns.data.get("asking"), groups)
        or re.compile("(?!)"),
        signoff=patterns.pattern("signoff", patterns.data.get("signoff"), groups)
        or re.compile("(?!)"),
        frames=patterns.pattern("frames", patterns.data.get("frames"), groups)
        or re.compile("(?!)"),
        tags=patterns.pattern("tags", patterns.data.get("tags"), groups) or re.compile("(?!)"),
    )


@lru_cache(maxsize=4)
def load_lexicon(directory: Path = DATA_DIR) -> Lexicon:
    """The language data, read once per process; ContentError listing every problem."""
    problems: list[str] = []
    lexicon = _read(directory, problems)
    if problems:
        raise ContentError(problems)
    return lexicon
