"""Stage 2, index: what the matcher learns from the FAQ once, at start-up.

Each entry's vocabulary comes from its example questions, keywords and title (the words residents
use) and, as weaker evidence, from its answer and article quotes. Words get IDF weights (a word
few entries use says more); every example question and quoted article clause becomes a weighted
example to compare a question with.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.content import LANGUAGES, Content, Lang
from bot.matching.normalise import (
    CLAUSE,
    COUNTED_PREFIX,
    DEMAND_PREFIX,
    PAST_MARKER,
    Normaliser,
    fold,
    stem,
)

QUESTION_WEIGHT = 0.7  # a question word ("när", "who") says what kind of answer is wanted
PAST_WEIGHT = 1.0  # "when did it start" (2009) against "when does it start" (2021)
GENERIC_WEIGHT = 0.2  # the places of the move and the municipality: where, not what
# Question kinds that decide what an answer must say: "varför läggs det ner?" wants a reason,
# "läggs det ner?" a yes or no and a date.
KINDS = frozenset({"?why", "?when", "?who"})
FOCUS_KINDS = frozenset({"?why", "?when", "?who", "?how"})
# A title word in at most this many entries is a strong subject: a question naming it is about
# that entry, even when another entry shares its other words.
_STRONG_MAX_ENTRIES = 2
# The article's own sentences are examples too, weaker than residents' phrasings.
SOURCE_EXAMPLE = 0.7
_SOURCE_SPLIT_RE = re.compile(r",| och | men ")


@dataclass(frozen=True)
class Example:
    """One example question (or article clause) of an entry, as weighted keys."""

    entry: int
    keys: frozenset[str]
    norm: float
    kinds: frozenset[str]  # the question kinds it asks (?why, ?when ...)
    strength: float = 1.0  # an article sentence is a weaker example than a resident's question


class Index:
    """The FAQ's vocabulary, weights and examples; built once, read by every question."""

    def __init__(self, content: Content, normaliser: Normaliser) -> None:
        self.normaliser = normaliser
        self.ids: tuple[str, ...] = tuple(e.id for e in content.faq)
        self.lang_keys: dict[Lang, set[str]] = {lang: set() for lang in LANGUAGES}
        self.surfaces: dict[str, str] = {}  # folded word seen in the FAQ -> its key
        self.surfaces_by_key: dict[str, set[str]] = {}
        self._read_vocabulary(content)
        self.entry_keys: list[set[str]] = [set() for _ in content.faq]
        core_keys: list[set[str]] = [set() for _ in content.faq]
        phrases: list[tuple[int, frozenset[str]]] = []
        for index, entry in enumerate(content.faq):
            for lang in LANGUAGES:
                for text in (*entry.questions[lang], entry.title[lang]):
                    keys = frozenset(self.keys_of(text, lang))
                    phrases.append((index, keys))
                    self.entry_keys[index] |= keys
                core_keys[index] |= self.keys_of(entry.title[lang], lang)
                core_keys[index] |= self.keys_of(entry.answer[lang], lang)
                for keyword in entry.keywords[lang]:
                    keys = frozenset(self.keys_of(keyword, lang))
                    self.entry_keys[index] |= keys
                    core_keys[index] |= keys
            for quote in entry.source:
                core_keys[index] |= self.keys_of(quote, "sv")
        count = len(self.ids)
        # Words only an example question uses ("min son") help recognise a phrasing but are
        # weaker evidence that the entry answers it.
        self.example_only = [
            frozenset(k for k in self.entry_keys[i] - core_keys[i] if not k.startswith("?"))
            for i in range(count)
        ]
        self.core_key_union = frozenset().union(*core_keys) if core_keys else frozenset()
        self.asked_keys = frozenset().union(*self.entry_keys) if self.entry_keys else frozenset()
        self.own_keys = [frozenset(keys) for keys in core_keys]
        self.answer_keys = [
            frozenset(
                key
                for lang, text in (
                    *((lang, entry.answer[lang]) for lang in LANGUAGES),
                    *(("sv", quote) for quote in entry.source),
                )
                for key in self.keys_of(text, lang)
                if not key.startswith("?")
            )
            - self.entry_keys[index]
            for index, entry in enumerate(content.faq)
        ]
        self.all_keys = [frozenset(self.entry_keys[i] | core_keys[i]) for i in range(count)]
        self.title_places = [
            frozenset(
                key
                for lang in LANGUAGES
                for key in self.keys_of(entry.title[lang], lang)
                if key in self.named_place_keys
            )
            for entry in content.faq
        ]
        kinds_of: list[set[str]] = [set() for _ in self.ids]
        for index, keys in phrases:
            kinds_of[index] |= keys & FOCUS_KINDS
        self.entry_kinds = [frozenset(kinds) for kinds in kinds_of]
        frequency = self._frequencies()
        self.strong_keys = frozenset(
            key
            for entry in content.faq
            for lang in LANGUAGES
            for key in self.keys_of(entry.title[lang], lang)
            if not key.startswith("?") and frequency.get(key, count) <= _STRONG_MAX_ENTRIES
        )
        self.weights: dict[str, float] = {}
        for key, df in frequency.items():
            if key == "?past":
                self.weights[key] = PAST_WEIGHT
            elif key.startswith("?"):
                self.weights[key] = QUESTION_WEIGHT
            elif key in self.generic_keys:
                self.weights[key] = GENERIC_WEIGHT
            else:
                self.weights[key] = math.log(1.0 + (count or 1) / df)
        # A word never seen is as specific as the rarest known word: it is usually the real
        # subject of a question we cannot answer ("apotek", "parkering").
        self.unknown_weight = math.log(1.0 + (count or 1))
        self.examples = tuple(self._example(i, keys) for i, keys in phrases if keys) + tuple(
            self._example(i, keys, SOURCE_EXAMPLE) for i, keys in self._source_phrases(content)
        )
        examples_of: dict[str, list[int]] = {}
        for number, example in enumerate(self.examples):
            for key in example.keys:
                examples_of.setdefault(key, []).append(number)
        # A question touches only the few examples sharing a word with it.
        self.examples_of = {key: tuple(numbers) for key, numbers in examples_of.items()}
        self.surface_list = tuple(sorted(self.surfaces))

    def _read_vocabulary(self, content: Content) -> None:
        """The words with a role of their own (faq.yaml `vocabulary`): places and partners."""
        role = {name: frozenset(map(fold, words)) for name, words in content.vocabulary.items()}
        setting = role.get("setting", frozenset())
        places = role.get("places", frozenset())
        self.place_names = setting | places
        self.generic_keys = frozenset(stem(w, lang) for w in setting for lang in LANGUAGES)
        self.place_keys = frozenset(
            stem(w, lang) for w in places | role.get("partners", frozenset()) for lang in LANGUAGES
        )
        self.named_place_keys = frozenset(
            stem(w, lang) for w in role.get("named_places", frozenset()) for lang in LANGUAGES
        )

    def _frequencies(self) -> dict[str, int]:
        frequency: dict[str, int] = {}
        for entry_keys in self.entry_keys:
            for key in entry_keys:
                frequency[key] = frequency.get(key, 0) + 1
        # Answer-only words get their weight from how many answers use them.
        answer_frequency: dict[str, int] = {}
        for answer_keys in self.answer_keys:
            for key in answer_keys:
                if key not in frequency:
                    answer_frequency[key] = answer_frequency.get(key, 0) + 1
        return frequency | answer_frequency

    def _example(self, entry: int, keys: frozenset[str], strength: float = 1.0) -> Example:
        norm = math.sqrt(sum(self.weights[k] ** 2 for k in keys)) or 1.0
        return Example(entry, keys, norm, frozenset(k for k in keys if k in KINDS), strength)

    def _source_phrases(self, content: Content) -> list[tuple[int, frozenset[str]]]:
        """The article's sentences each entry quotes, cut at clauses, as weaker examples."""
        return [
            (index, keys)
            for index, entry in enumerate(content.faq)
            for quote in entry.source
            for part in _SOURCE_SPLIT_RE.split(quote)
            # A demand the article's sentence happens to make is no resident's demand.
            if len(
                keys := frozenset(
                    k for k in self.keys_of(part, "sv") if not k.startswith("?" + DEMAND_PREFIX)
                )
            )
            >= 2
        ]

    def keys_of(self, text: str, lang: Lang) -> set[str]:
        """The keys an FAQ text contributes: stems, question kinds ("?why"), demands ("?~money")."""
        normaliser = self.normaliser
        question_words = normaliser.lexicon.question_words
        keys: set[str] = set()
        tokens = normaliser.words(text)
        for position, token in enumerate(tokens):
            if token == CLAUSE or (
                token in question_words and not normaliser.asks(tokens, position)
            ):
                continue
            if token == PAST_MARKER:
                keys.add("?past")
            elif token.startswith(COUNTED_PREFIX):
                continue
            elif token.startswith(DEMAND_PREFIX):
                keys.add("?" + token)
            elif token in question_words:
                keys.add("?" + question_words[token])
            elif not normaliser.is_stopword(token):
                key = stem(token, lang)
                keys.add(key)
                self.lang_keys[lang].add(key)
                self.surfaces.setdefault(token, key)
                self.surfaces_by_key.setdefault(key, set()).add(token)
        return keys
