"""Question -> FAQ topic with a calibrated score: a pure, I/O-free matcher for residents' wording.

How a question is read:
1. fold (casefold, å/ä/ö -> a/a/o, punctuation -> space) and split into words;
2. drop stop words; turn question words (när/when, vem/who, varför/why ...) into weak "kind of
   question" features; every other word is stemmed (Swedish or English Snowball) and looked up
   in the vocabulary learnt from the FAQ's example questions, keywords and titles. A word that is
   not there is tried as a typo (edit distance against known words) and as a Swedish compound
   (two known parts, optionally joined by "s");
3. each entry is scored by how much of the question's weight it covers (IDF weights, so place
   names and words shared by every entry count little) and by its single closest example
   question; an entry needs at least one matched informative word (not a place name, not a
   question word) to be answered at all, so "Balltorp" alone or "when is the election" is not;
4. the raw score is mapped onto a calibrated 0..1 scale on which ANSWER_THRESHOLD means
   "answer" and SUGGEST_THRESHOLD means "offer did-you-mean suggestions".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content import LANGUAGES, Content, Lang
from bot.text import (
    CLAUSE,
    COUNTED_PREFIX,
    DEMAND_PREFIX,
    EVERYDAY,
    PAST_MARKER,
    QUESTION_KINDS,
    QUESTION_WORDS,
    STOPWORDS,
    asks,
    fold,
    is_stopword,
    looks_like_noun,
    stem,
    words,
    wordset,
)

ANSWER_THRESHOLD = 0.6
SUGGEST_THRESHOLD = 0.35
MAX_SUGGESTIONS = 3

# Raw scores that map onto the two public thresholds; tuned on the development questions.
_RAW_ANSWER = 0.48
_RAW_SUGGEST = 0.26

# Place names and words every question about the move carries: they say where, not what.
GENERIC_WORDS = wordset(
    """
    balltorp balltorps kallered kallereds molndal molndals kommun kommunen kommunens stad staden
    stadens municipality municipal city council
    """
)

_QUESTION_WEIGHT = 0.7
# Question kinds that decide what an answer must say: "varför läggs det ner?" wants a reason,
# "läggs det ner?" a yes or no and a date. An example of another kind is a weaker match.
_KINDS = frozenset({"?why", "?when", "?who"})
_KIND_MISMATCH = 0.8
_PAST_WEIGHT = 1.0  # "when did it start" (2009) against "when does it start" (2021)
_GENERIC_WEIGHT = 0.2
# The other neighbourhoods tell the four areas apart, so they keep their weight, but like every
# place name they never make a question answerable on their own ("biblioteket i Lindome").
PLACE_WORDS = wordset("bifrost lindome aby abys lindomes bifrosts")
# The partners the article names are, like places, what a question is about, not what it asks:
# "vilka skolor finns i Balltorp" is about schools, "samarbetar ni med skolan" about the work.
PARTNER_WORDS = wordset(
    """
    skola skolan skolor skolorna school schools polis polisen police forening foreningar
    foreningarna foreningslivet association associations club clubs
    """
)
_FUZZY_QUALITY = 0.85
_COMPOUND_QUALITY = 0.8
# Inflection endings that may follow a short stem (skol-orna, vår-en, hand-a).
_ENDINGS = wordset("a e s t n en et er ar or na an as es ns arna erna orna ade at ens ets ing")
_MIN_INFORMATIVE = 0.9  # matched informative weight an entry needs before it may be answered
# How an entry's score is made: closest example question, share of the question covered,
# absolute weight of the matched subject words.
_W_EXAMPLE, _W_COVERAGE, _W_EVIDENCE = 0.45, 0.35, 0.2
_UNKNOWN_PENALTY = 0.7  # how far unknown words pull a score down; flat between 0.6 and 0.8
# A word found only in an entry's answer or its article source, not in its questions, keywords or
# title, is weaker evidence: the answer names many things a question about it need not be about.
_ANSWER_EVIDENCE = 0.5
_EXAMPLE_ONLY_EVIDENCE = 0.7
_SPLIT_SUBJECT = 0.9
_MAX_TEXT = 1000  # characters read; a resident's question is never longer
# "bor i Fässberg", "I live in Krokslätt": the word after it names where the resident lives, which
# tells nothing about what they ask, so an unknown word there is not counted as the subject.
_RESIDING = wordset("bor bodde bott boende live lives living lived")
_RESIDING_AT = wordset("i pa in on at")
_CLAUSE_JOINS = wordset("och men and but")
_RESIDING_SINCE = wordset("sedan sen since")
# Words after a joining "när"/"now that" ("vad gör ungdomarna nu när ni drar") set the scene; the
# subject comes before them, so they count less.
_SUBORDINATE_WEIGHT = 0.5
# A single unknown word beside a clear subject is more often colloquial ("sticker", "guys") than the
# real subject; the best entry is answered when it leads the next by this factor and its own
# vocabulary (not only an example's) covers at least as much weight as the unknown word.
_CLEAR_LEAD = 1.5
# A title word in at most this many entries is a strong subject; a question naming the strong
# subject of another entry pulls this entry's score down by up to this share.
_STRONG_MAX_ENTRIES = 2
_OTHER_SUBJECT_PENALTY = 0.3
# The article's own sentences are examples too ("ser vi ett behov ... på andra ställen"), weaker
# than residents' phrasings: a question that echoes the article is about the entry quoting it.
_SOURCE_EXAMPLE = 0.7
_SOURCE_SPLIT_RE = re.compile(r",| och | men ")
# A question's focus: its question word ("who decided", "why ... in Kållered") and the place it
# names. An entry none of whose examples asks that kind of question, or whose text never names
# that place, is a neighbour sharing incidental words; one whose title names the place is about it.
_FOCUS_KINDS = frozenset({"?why", "?when", "?who", "?how"})
_FOCUS_PENALTY = 0.15
_PLACE_PENALTY = 0.15
_TITLE_PLACE_BONUS = 0.05
NAMED_PLACES = wordset("balltorp kallered lindome aby bifrost")
_PLACE_NAMES = GENERIC_WORDS | PLACE_WORDS

# Words that only one language uses; they tell which language a question is written in.
_LANG_STOPWORDS: dict[Lang, frozenset[str]] = {
    "sv": STOPWORDS["sv"] - STOPWORDS["en"],
    "en": STOPWORDS["en"] - STOPWORDS["sv"],
}


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one message."""

    topic: str | None  # FAQ id to answer with, or None when not confident
    score: float  # calibrated 0..1 confidence for the best FAQ topic
    suggestions: tuple[str, ...]  # "did you mean" FAQ ids, best first; only when topic is None
    smalltalk: str | None = None  # small-talk id when the message is a greeting, thanks ...
    language: Lang | None = None  # language the question seems written in, when clear


@dataclass(frozen=True)
class EntryEvidence:
    """Why one entry scored as it did: for tuning and for `Matcher.explain`."""

    topic: str
    score: float  # calibrated, after every penalty and cap
    plain: float  # calibrated, before unknown words and the caps pulled it down
    informative: float  # matched weight of subject words
    own: float  # of which the entry's keywords, title or answer cover
    missed: float  # known subject words another entry covers
    capped: bool  # held at or below "did you mean" by a cap rather than by its own score
    held: bool  # would be answered despite one unknown colloquial word, if it leads clearly


@dataclass(frozen=True)
class Explanation:
    """The evidence behind a verdict: the question's terms and the best entries, best first."""

    match: Match
    terms: tuple[tuple[str, float, float], ...]  # (key, weight, quality); "!word" is unknown
    unknown: tuple[str, ...]  # words the FAQ's vocabulary does not know
    entries: tuple[EntryEvidence, ...]


@dataclass(frozen=True)
class _Term:
    """One feature of a question: a stem (or question kind) with its weight."""

    key: str
    weight: float
    quality: float
    informative: bool
    noun: bool = False  # an unknown word that looks like a noun: likely the question's subject
    located: bool = False  # an unknown word after a place name ("Kållered centrum"): a thing there


@dataclass(frozen=True)
class _Example:
    entry: int
    keys: frozenset[str]
    norm: float
    kinds: frozenset[str]  # the question kinds it asks (?why, ?when ...)
    strength: float = 1.0  # an article sentence is a weaker example than a resident's question


@dataclass(frozen=True)
class _Evidence:
    """What one entry covers of a question's weighted terms."""

    covered: float  # all matched weight, answer-only and example-only words weaker
    informative: float  # matched weight of subject words (no place names, no question words)
    own: float  # informative weight matched by the entry's keywords, title or answer
    missed: float  # known subject words this entry does not cover
    subject: bool  # a non-question word matched the entry's questions, keywords or title


class Matcher:
    """Matches residents' questions against the FAQ; build once, call `match` many times."""

    def __init__(self, content: Content) -> None:
        self._ids: tuple[str, ...] = tuple(e.id for e in content.faq)
        self._entry_keys: list[set[str]] = [set() for _ in content.faq]
        core_keys: list[set[str]] = [set() for _ in content.faq]
        self._lang_keys: dict[Lang, set[str]] = {lang: set() for lang in LANGUAGES}
        self._surfaces: dict[str, str] = {}
        self._surfaces_by_key: dict[str, set[str]] = {}
        phrases: list[tuple[int, frozenset[str]]] = []
        for index, entry in enumerate(content.faq):
            for lang in LANGUAGES:
                texts = [*entry.questions[lang], entry.title[lang]]
                for text in texts:
                    keys = frozenset(self._index_keys(text, lang))
                    phrases.append((index, keys))
                    self._entry_keys[index] |= keys
                core_keys[index] |= self._index_keys(entry.title[lang], lang)
                core_keys[index] |= self._index_keys(entry.answer[lang], lang)
                for keyword in entry.keywords[lang]:
                    keys = frozenset(self._index_keys(keyword, lang))
                    self._entry_keys[index] |= keys
                    core_keys[index] |= keys
            for quote in entry.source:
                core_keys[index] |= self._index_keys(quote, "sv")
        # Words only an example question uses ("min son", "of all places") are incidental: they
        # help to recognise a phrasing, but are weaker evidence that the entry answers it.
        self._example_only: list[frozenset[str]] = [
            frozenset(
                key for key in self._entry_keys[index] - core_keys[index] if not key.startswith("?")
            )
            for index in range(len(self._ids))
        ]
        self._core_keys = frozenset().union(*core_keys) if core_keys else frozenset()
        # Words residents' questions, keywords and titles use, as opposed to answer-only words.
        self._asked_keys = frozenset().union(*self._entry_keys) if self._entry_keys else frozenset()
        self._own_keys: list[frozenset[str]] = [frozenset(keys) for keys in core_keys]
        self._answer_keys: list[frozenset[str]] = [
            frozenset(
                key
                for lang, text in (
                    *((lang, entry.answer[lang]) for lang in LANGUAGES),
                    *(("sv", quote) for quote in entry.source),
                )
                for key in self._index_keys(text, lang)
                if not key.startswith("?")
            )
            - self._entry_keys[index]
            for index, entry in enumerate(content.faq)
        ]
        count = len(self._ids) or 1
        frequency: dict[str, int] = {}
        for entry_keys in self._entry_keys:
            for key in entry_keys:
                frequency[key] = frequency.get(key, 0) + 1
        # Answer-only words get their weight from how many answers use them.
        answer_frequency: dict[str, int] = {}
        for answer_keys in self._answer_keys:
            for key in answer_keys:
                if key not in frequency:
                    answer_frequency[key] = answer_frequency.get(key, 0) + 1
        frequency |= answer_frequency
        self._generic_keys = frozenset(
            stem(word, lang) for word in GENERIC_WORDS for lang in LANGUAGES
        )
        self._place_keys = frozenset(
            stem(word, lang) for word in PLACE_WORDS | PARTNER_WORDS for lang in LANGUAGES
        )
        # An entry's title names what it is about ("Kållered BID", "Unga kommunutvecklare"); a
        # title word few entries share is a strong subject: a question naming it is about that
        # entry, even when another entry shares its other words ("is the BID a cooperation with
        # property owners" is about the BID, not about the property agreements).
        self._index_focus(content, core_keys, phrases)
        self._strong_keys = frozenset(
            key
            for entry in content.faq
            for lang in LANGUAGES
            for key in self._index_keys(entry.title[lang], lang)
            if not key.startswith("?") and frequency.get(key, count) <= _STRONG_MAX_ENTRIES
        )
        self._weights: dict[str, float] = {}
        for key, df in frequency.items():
            if key == "?past":
                self._weights[key] = _PAST_WEIGHT
            elif key.startswith("?"):
                self._weights[key] = _QUESTION_WEIGHT
            elif key in self._generic_keys:
                self._weights[key] = _GENERIC_WEIGHT
            else:
                self._weights[key] = math.log(1.0 + count / df)
        # A word we have never seen is as specific as the rarest known word: it is usually the
        # real subject of a question we cannot answer ("apotek", "parkering").
        self._unknown_weight = math.log(1.0 + count)
        self._examples = tuple(
            _Example(
                index,
                keys,
                math.sqrt(sum(self._weights[k] ** 2 for k in keys)) or 1.0,
                frozenset(k for k in keys if k in _KINDS),
            )
            for index, keys in phrases
            if keys
        ) + tuple(
            _Example(
                index,
                keys,
                math.sqrt(sum(self._weights[k] ** 2 for k in keys)) or 1.0,
                frozenset(k for k in keys if k in _KINDS),
                _SOURCE_EXAMPLE,
            )
            for index, keys in self._source_phrases(content)
        )
        self._examples_of = self._index_examples()
        self._surface_list = tuple(sorted(self._surfaces))
        self._smalltalk = _index_smalltalk(content)
        self._smalltalk_list = tuple(self._smalltalk)
        self._resolved: dict[tuple[str, Lang], tuple[tuple[str, float], ...]] = {}
        self._word_languages: dict[str, Lang | None] = {}

    def _index_examples(self) -> dict[str, tuple[int, ...]]:
        """Which examples use each key: a question touches only the few examples sharing a word
        with it, so scoring walks those instead of every example of every entry."""
        examples_of: dict[str, list[int]] = {}
        for number, example in enumerate(self._examples):
            for key in example.keys:
                examples_of.setdefault(key, []).append(number)
        return {key: tuple(numbers) for key, numbers in examples_of.items()}

    def _source_phrases(self, content: Content) -> list[tuple[int, frozenset[str]]]:
        """The article's sentences each entry quotes, cut at clauses, as weaker examples."""
        return [
            (index, keys)
            for index, entry in enumerate(content.faq)
            for quote in entry.source
            for part in _SOURCE_SPLIT_RE.split(quote)
            # A demand the article's sentence happens to make is no resident's demand.
            if len(keys := frozenset(self._without_demands(self._index_keys(part, "sv")))) >= 2
        ]

    @staticmethod
    def _without_demands(keys: set[str]) -> set[str]:
        return {key for key in keys if not key.startswith("?" + DEMAND_PREFIX)}

    def _index_focus(
        self,
        content: Content,
        core_keys: list[set[str]],
        phrases: list[tuple[int, frozenset[str]]],
    ) -> None:
        """What each entry focuses on: the places its text names and the kinds it asks."""
        count = len(self._ids)
        self._named_place_keys = frozenset(
            stem(word, lang) for word in NAMED_PLACES for lang in LANGUAGES
        )
        # Everything an entry's own text names: a place it never names is not its focus.
        self._all_keys: list[frozenset[str]] = [
            frozenset(self._entry_keys[index] | core_keys[index]) for index in range(count)
        ]
        self._title_places: list[frozenset[str]] = [
            frozenset(
                key
                for lang in LANGUAGES
                for key in self._index_keys(entry.title[lang], lang)
                if key in self._named_place_keys
            )
            for entry in content.faq
        ]
        kinds_of: list[set[str]] = [set() for _ in self._ids]
        for index, keys in phrases:
            kinds_of[index] |= keys & _FOCUS_KINDS
        self._entry_kinds: list[frozenset[str]] = [frozenset(kinds) for kinds in kinds_of]

    # --- indexing ---------------------------------------------------------------------------

    def _index_keys(self, text: str, lang: Lang) -> set[str]:
        keys: set[str] = set()
        tokens = words(text)
        for position, token in enumerate(tokens):
            if token == CLAUSE or (token in QUESTION_WORDS and not asks(tokens, position)):
                continue
            if token == PAST_MARKER:
                keys.add("?past")
            elif token.startswith(COUNTED_PREFIX):
                continue
            elif token.startswith(DEMAND_PREFIX):
                keys.add("?" + token)
            elif token in QUESTION_WORDS:
                keys.add("?" + QUESTION_WORDS[token])
            elif not is_stopword(token):
                key = stem(token, lang)
                keys.add(key)
                self._lang_keys[lang].add(key)
                self._surfaces.setdefault(token, key)
                self._surfaces_by_key.setdefault(key, set()).add(token)
        return keys

    # --- reading a question -----------------------------------------------------------------

    def _resolve(self, token: str, lang: Lang) -> tuple[tuple[str, float], ...]:
        """Map a folded word to known stems with a match quality; () when unknown."""
        cached = self._resolved.get((token, lang))
        if cached is not None:
            return cached
        result = self._resolve_uncached(token, lang)
        if len(self._resolved) > 50_000:
            self._resolved.clear()
        self._resolved[(token, lang)] = result
        return result

    def _resolve_uncached(self, token: str, lang: Lang) -> tuple[tuple[str, float], ...]:
        order: tuple[Lang, ...] = (lang, *(other for other in LANGUAGES if other != lang))
        for candidate_lang in order:
            key = stem(token, candidate_lang)
            if key in self._weights and self._plausible(token, key):
                return ((key, 1.0),)
        if token in self._surfaces:
            return ((self._surfaces[token], 1.0),)
        if token.isdigit() or len(token) < 6:
            return ()
        typo = self._typo(token, 1)
        if typo:
            return typo
        compound = self._compound(token, order)
        if compound:
            return compound
        return self._typo(token, 2) if len(token) >= 9 else ()

    def _plausible(self, token: str, key: str) -> bool:
        """Reject chance collisions of short stems ("lediga" and "leder" both stem to "led")."""
        if len(key) >= 5 or (token.startswith(key) and token[len(key) :] in _ENDINGS):
            return True
        return any(
            token.startswith(surface)
            or surface.startswith(token)
            or OSA.distance(token, surface) <= 1
            for surface in self._surfaces_by_key.get(key, ())
        )

    def _typo(self, token: str, edits: int) -> tuple[tuple[str, float], ...]:
        found = process.extractOne(
            token, self._surface_list, scorer=OSA.distance, score_cutoff=edits
        )
        # The first letter is rarely mistyped; requiring it keeps unrelated words from matching.
        if found is None or found[0][0] != token[0]:
            return ()
        return ((self._surfaces[found[0]], _FUZZY_QUALITY),)

    def _compound(self, token: str, order: Iterable[Lang]) -> tuple[tuple[str, float], ...]:
        langs = tuple(order)
        best: tuple[tuple[str, float], ...] = ()
        best_balance = 0
        for cut in range(3, len(token) - 2):
            head, tail = token[:cut], token[cut:]
            head_key = self._known(head, langs) or (
                self._known(head[:-1], langs) if head.endswith("s") and len(head) > 4 else None
            )
            tail_key = self._known(tail, langs)
            balance = min(len(head), len(tail))
            if head_key and tail_key and balance > best_balance:
                best_balance = balance
                best = ((head_key, _COMPOUND_QUALITY), (tail_key, _COMPOUND_QUALITY))
        return best

    def _known(self, word: str, langs: tuple[Lang, ...]) -> str | None:
        if word in self._surfaces:
            return self._surfaces[word]
        for lang in langs:
            key = stem(word, lang)
            if len(key) >= 3 and key in self._weights:
                return key
        return None

    def _detect_language(self, tokens: list[str]) -> Lang | None:
        votes: dict[Lang, int] = {"sv": 0, "en": 0}
        for word in tokens:
            lang = self._word_language(word)
            if lang is not None:
                votes[lang] += 1
        if votes["sv"] == votes["en"]:
            return None
        return "sv" if votes["sv"] > votes["en"] else "en"

    def _word_language(self, word: str) -> Lang | None:
        """The one language whose stop words or FAQ vocabulary know `word`, else None."""
        if word in self._word_languages:
            return self._word_languages[word]
        known = [
            lang
            for lang in LANGUAGES
            if word in _LANG_STOPWORDS[lang] or stem(word, lang) in self._lang_keys[lang]
        ]
        found = known[0] if len(known) == 1 else None
        if len(self._word_languages) > 50_000:
            self._word_languages.clear()
        self._word_languages[word] = found
        return found

    def _terms(self, tokens: list[str], lang: Lang) -> list[_Term]:
        terms: dict[str, _Term] = {}
        subordinate = False
        residing = False  # inside "bor i Balltorp sedan några år": about the resident, not asked
        for position, word in enumerate(tokens):
            if word == CLAUSE or word in _CLAUSE_JOINS:
                subordinate = residing = False
                continue
            if word in _RESIDING:
                residing = True
            elif residing and word in _RESIDING_SINCE:
                continue  # "bor här sedan 2015" says how long they live here, not "since when"
            if word in QUESTION_WORDS and not asks(tokens, position):
                subordinate = True
                continue
            if word.startswith(COUNTED_PREFIX):
                counted = word[len(COUNTED_PREFIX) :]
                if is_stopword(counted):
                    continue  # "hur många år": years fold to a stop word, "ar"
                found = self._resolve(counted, lang)
                key = COUNTED_PREFIX + (found[0][0] if found else counted)
                terms.setdefault(key, _Term(key, 0.0, 1.0, informative=False))
                continue
            if word.startswith(DEMAND_PREFIX) and word != PAST_MARKER:
                key = "?" + word
                terms.setdefault(key, _Term(key, _QUESTION_WEIGHT, 1.0, informative=False))
                continue
            if word == PAST_MARKER or word in QUESTION_WORDS:
                key = "?past" if word == PAST_MARKER else "?" + QUESTION_WORDS[word]
                weight = _PAST_WEIGHT if word == PAST_MARKER else _QUESTION_WEIGHT
                terms.setdefault(key, _Term(key, weight, 1.0, informative=False))
                continue
            if is_stopword(word):
                continue
            if word in EVERYDAY and not any(
                stem(word, other) in self._asked_keys for other in LANGUAGES
            ):
                continue  # "i praktiken", "driver": how or when, not what
            resolved = self._resolve(word, lang)
            if not resolved and len(word) < 3:
                continue  # a one- or two-letter scrap ("fr", "s") is shorthand, not a subject
            if (
                not resolved
                and position >= 2
                and tokens[position - 1] in _RESIDING_AT
                and tokens[position - 2] in _RESIDING
            ):
                continue
            if not resolved:
                unknown = "!" + word
                noun = looks_like_noun(tokens, position)
                # "Kållered centrum", "Mölndals bibliotek": a word after a place name names a
                # thing in that place, not a colloquial word beside the subject.
                located = position > 0 and tokens[position - 1] in _PLACE_NAMES
                terms.setdefault(
                    unknown,
                    _Term(
                        unknown,
                        self._unknown_weight,
                        0.0,
                        informative=True,
                        noun=noun,
                        located=located,
                    ),
                )
                continue
            for key, quality in resolved:
                generic = key in self._generic_keys or key in self._place_keys
                weight = self._weights[key] * (_SUBORDINATE_WEIGHT if subordinate else 1.0)
                term = _Term(key, weight, quality, informative=not generic)
                if key not in terms or terms[key].quality < quality:
                    terms[key] = term
        return list(terms.values())

    def _best_examples(
        self, terms: list[_Term], query_norm: float
    ) -> tuple[list[float], list[float]]:
        """Each entry's closest example question (cosine over weighted keys), with and without
        the article's sentences."""
        best_example = [0.0] * len(self._ids)
        best_asked = [0.0] * len(self._ids)
        kinds = frozenset(t.key for t in terms if t.key in _KINDS)
        overlaps: dict[int, float] = {}
        for term in terms:
            shared = term.weight**2 * term.quality
            for number in self._examples_of.get(term.key, ()):
                overlaps[number] = overlaps.get(number, 0) + shared
        examples = self._examples
        for number, overlap in overlaps.items():
            if not overlap:
                continue
            example = examples[number]
            similarity = overlap / (query_norm * example.norm)
            if kinds != example.kinds and not kinds & example.kinds:
                similarity *= _KIND_MISMATCH
            similarity *= example.strength
            entry = example.entry
            best_example[entry] = max(best_example[entry], similarity)
            if example.strength == 1.0 and similarity > best_asked[entry]:
                best_asked[entry] = similarity
        return best_example, best_asked

    def _raw_scores(self, terms: list[_Term], *, one_clause: bool = True) -> list[float]:
        return self._scores(terms, one_clause=one_clause)[0]

    def _scores(
        self, terms: list[_Term], *, one_clause: bool = True
    ) -> tuple[list[float], list[bool], list[float]]:
        """Raw scores per entry; whether each is held below answering only by one unknown word
        beside the entry's own subject words (see _CLEAR_LEAD); and the scores before that."""
        total = sum(t.weight for t in terms) or 1.0
        query_norm = math.sqrt(sum(t.weight**2 for t in terms)) or 1.0
        # Several unknown words are often one subject in many words, or a chatty resident.
        unknown = self._unknown_weight * math.sqrt(sum(1 for t in terms if t.quality == 0.0))
        best_example, best_asked = self._best_examples(terms, query_norm)
        unknown_count = sum(1 for t in terms if t.quality == 0.0)
        asking = {t.key for t in terms if t.key.startswith("?") and t.key[1:] in QUESTION_KINDS}
        scores: list[float] = []
        soft: list[bool] = []
        plains: list[float] = []  # scores before unknown words and caps pull them down
        # A near-copy still needs a question word or a real subject: "Kållered" alone is none.
        asked = any(t.key.startswith("?") or t.informative for t in terms)
        places = [t.key for t in terms if t.key in self._named_place_keys]
        focus = frozenset(t.key for t in terms if t.key in _FOCUS_KINDS)
        strong, demands, counted, has_noun, located = self._traits(terms)
        for index, keys in enumerate(self._entry_keys):
            answer_keys = self._answer_keys[index]
            found = self._evidence(terms, index)
            covered, informative, own, missed = (
                found.covered,
                found.informative,
                found.own,
                found.missed,
            )
            # An article sentence only confirms a question residents' words already tie to the
            # entry; alone it would answer from the answer's incidental words.
            best_example[index] = best_example[index] if found.subject else best_asked[index]
            # A question must share a real subject word with the entry, and that word must
            # outweigh the words we do not know (those are usually the question's real subject:
            # "apotek", "parkering"). Only a near-copy of an example question ("Varför Balltorp?")
            # is let through on place names and question words alone.
            near_copy = best_example[index] >= 0.95 and unknown == 0.0 and found.subject and asked
            if not near_copy and informative < _MIN_INFORMATIVE:
                scores.append(0.0)
                soft.append(False)
                plains.append(0.0)
                continue
            coverage = covered / total
            # Absolute evidence: one common word ("arbetet") counts less than two rare ones.
            evidence = min(1.0, informative / 2.5)
            score = (
                _W_EXAMPLE * best_example[index] + _W_COVERAGE * coverage + _W_EVIDENCE * evidence
            )
            others = sum(
                t.weight * t.quality
                for t in strong
                if t.key not in keys and t.key not in answer_keys
            )
            if others:
                # The question names another entry's subject that this entry does not cover.
                score *= 1.0 - _OTHER_SUBJECT_PENALTY * others / (informative + others)
            score *= self._focus(index, places, focus)
            held = False
            plain = score  # before the unknown word pulls it down
            if unknown:
                # Words the FAQ has never seen are usually the real subject of a question it
                # cannot answer ("trafiken", "parkera"): the larger their share, the lower the score
                # is; they turn an answer into a "did you mean", never into silence.
                penalised = score * (1.0 - _UNKNOWN_PENALTY * unknown / (informative + unknown))
                score = max(penalised, min(score * 0.8, _RAW_ANSWER * 0.95))
                held = (
                    unknown_count == 1
                    and not located
                    and own >= 0.6 * self._unknown_weight
                    and asking <= keys  # "who won Allsvenskan last year" is no "since when"
                    and score * 1.25 >= _RAW_ANSWER * 0.95
                    # One shared verb is no subject: "var kan jag lämna grovsopor" shares only
                    # "lämna" with the move; the unknown word is what it is about. The entry's
                    # strong subject ("BID", "beslut") or two shared words are.
                    and (
                        any(t.key in keys for t in strong)
                        or sum(1 for t in terms if t.informative and t.key in keys) >= 2
                    )
                )
            capped = False
            if has_noun or (not near_copy and informative < 0.5 * unknown):
                # Too much of the question is unknown to answer it, or an unknown noun
                # ("apoteket", "the roads") is what it is about (in every tuning set such a
                # question was off-topic); it may still be worth a "did you mean", never an answer.
                score = min(score, _RAW_ANSWER * 0.95)
                capped = True
            if one_clause and not near_copy and missed >= _SPLIT_SUBJECT * informative:
                # Half the subject belongs elsewhere ("trygghet hösten"): two topics, so ask.
                # In a message of several sentences the others are usually context.
                score = min(score, _RAW_ANSWER * 0.95)
                capped = True
            if any(demand not in keys for demand in demands) or not all(
                key in self._own_keys[index] for key in counted
            ):
                # The question wants a count, a contact or a way to apply that this entry's
                # answer does not give: offer it as a suggestion at most.
                score = min(score, _RAW_ANSWER * 0.95)
                capped = True
            scores.append(score)
            soft.append(held and not capped)
            plains.append(plain)
        return scores, soft, plains

    def _traits(self, terms: list[_Term]) -> tuple[list[_Term], list[str], list[str], bool, bool]:
        """What every entry is measured against, read off the question once: its strong subject
        words, its demands, what it counts, and whether an unknown word is a noun or a thing in a
        named place."""
        return (
            [t for t in terms if t.key in self._strong_keys],
            [t.key for t in terms if t.key.startswith("?" + DEMAND_PREFIX)],
            [t.key[len(COUNTED_PREFIX) :] for t in terms if t.key.startswith(COUNTED_PREFIX)],
            any(t.noun for t in terms),
            any(t.located for t in terms),
        )

    def _focus(self, index: int, places: list[str], kinds: frozenset[str]) -> float:
        """How well entry `index` fits the question's focus: the places it names and its kind."""
        factor = 1.0
        if any(place not in self._all_keys[index] for place in places):
            factor *= 1.0 - _PLACE_PENALTY
        elif any(place in self._title_places[index] for place in places):
            factor *= 1.0 + _TITLE_PLACE_BONUS
        elif places and self._title_places[index]:
            # "när startar arbetet i Balltorp" is not about "since when in Kållered": an entry
            # whose title names another place is about that place.
            factor *= 1.0 - _PLACE_PENALTY
        if kinds and not kinds & self._entry_kinds[index]:
            factor *= 1.0 - _FOCUS_PENALTY
        return factor

    def _evidence(self, terms: list[_Term], index: int) -> _Evidence:
        """How much of the question entry `index` covers, and how strongly."""
        keys = self._entry_keys[index]
        answer_keys = self._answer_keys[index]
        example_only = self._example_only[index]
        covered = informative = own = missed = 0.0
        subject = False
        for term in terms:
            if term.key in keys:
                strength = term.weight * term.quality
                if term.key in example_only:
                    strength *= _EXAMPLE_ONLY_EVIDENCE
                subject = subject or not term.key.startswith("?")
            elif term.key in answer_keys:
                strength = term.weight * term.quality * _ANSWER_EVIDENCE
            else:
                if term.informative and term.key in self._core_keys:
                    missed += term.weight * term.quality
                continue
            covered += strength
            if term.informative:
                informative += strength
                if term.key not in example_only:
                    own += strength
        return _Evidence(covered, informative, own, missed, subject=subject)

    def _smalltalk_of(self, tokens: list[str]) -> str | None:
        text = " ".join(tokens)
        if not text:
            return None
        if text in self._smalltalk:
            return self._smalltalk[text]
        if len(text) <= 40:
            found = process.extractOne(
                text, self._smalltalk_list, scorer=OSA.normalized_similarity, score_cutoff=0.85
            )
            if found is not None:
                return self._smalltalk[found[0]]
        return None

    def _smalltalk_prefix(self, tokens: list[str]) -> str | None:
        for size in range(min(4, len(tokens)), 0, -1):
            talk = self._smalltalk.get(" ".join(tokens[:size]))
            if talk is not None:
                return talk
        return None

    def explain(self, text: str, lang: Lang = "sv", *, top: int = 4) -> Explanation:
        """The verdict on `text` with its evidence: for tuning and debugging, not for residents."""
        verdict = self.match(text, lang)
        tokens = words(text[:_MAX_TEXT])
        terms = self._terms(tokens, self._detect_language(tokens) or lang) if tokens else []
        entries: list[EntryEvidence] = []
        if terms:
            raw, soft, plain = self._scores(terms, one_clause=CLAUSE not in tokens)
            for index in sorted(range(len(raw)), key=lambda i: raw[i], reverse=True)[:top]:
                found = self._evidence(terms, index)
                entries.append(
                    EntryEvidence(
                        topic=self._ids[index],
                        score=_calibrate(raw[index]),
                        plain=_calibrate(plain[index]),
                        informative=round(found.informative, 3),
                        own=round(found.own, 3),
                        missed=round(found.missed, 3),
                        capped=raw[index] <= _RAW_ANSWER * 0.95 < plain[index],
                        held=soft[index],
                    )
                )
        return Explanation(
            match=verdict,
            terms=tuple((t.key, round(t.weight, 3), t.quality) for t in terms),
            unknown=tuple(t.key[1:] for t in terms if t.quality == 0.0),
            entries=tuple(entries),
        )

    def match(self, text: str, lang: Lang = "sv") -> Match:
        """Return the FAQ topic for `text`, suggestions when unsure, or small talk."""
        tokens = words(text[:_MAX_TEXT])
        if not tokens:
            return Match(topic=None, score=0.0, suggestions=())
        language = self._detect_language(tokens)
        talk = self._smalltalk_of(fold(text[:_MAX_TEXT]).split())
        if talk is not None:
            return Match(topic=None, score=0.0, suggestions=(), smalltalk=talk, language=language)
        terms = self._terms(tokens, language or lang)
        one_clause = CLAUSE not in tokens
        if terms:
            raw, soft, plain = self._scores(terms, one_clause=one_clause)
        else:
            raw, soft, plain = [0.0] * len(self._ids), [False] * len(self._ids), []
        ranked = sorted(range(len(raw)), key=lambda i: raw[i], reverse=True)
        if not ranked:
            return Match(topic=None, score=0.0, suggestions=(), language=language)
        best = ranked[0]
        score = _calibrate(raw[best])
        if soft[best] and all(
            plain[best] >= _CLEAR_LEAD * plain[other] for other in ranked if other != best
        ):
            # One colloquial word we do not know beside a clear, well-matched subject; never an
            # unknown noun, which is the subject itself (such terms cap the entry, so not soft).
            score = max(score, ANSWER_THRESHOLD)
        if score >= ANSWER_THRESHOLD:
            return Match(topic=self._ids[best], score=score, suggestions=(), language=language)
        suggestions = tuple(
            self._ids[i]
            for i in ranked[:MAX_SUGGESTIONS]
            if _calibrate(raw[i]) >= SUGGEST_THRESHOLD and raw[i] >= 0.6 * raw[best]
        )
        talk = None if suggestions else self._smalltalk_prefix(tokens)
        return Match(
            topic=None, score=score, suggestions=suggestions, smalltalk=talk, language=language
        )


def _index_smalltalk(content: Content) -> dict[str, str]:
    """Each folded small-talk phrase -> its small-talk id; the first entry naming it wins."""
    phrases: dict[str, str] = {}
    for talk in content.smalltalk:
        for lang in LANGUAGES:
            for phrase in talk.questions[lang]:
                phrases.setdefault(fold(phrase), talk.id)
    return phrases


def _calibrate(raw: float) -> float:
    """Map a raw score piecewise-linearly so the public thresholds sit at the tuned raw ones."""
    if raw <= _RAW_SUGGEST:
        return round(SUGGEST_THRESHOLD * raw / _RAW_SUGGEST, 4)
    if raw <= _RAW_ANSWER:
        span = (raw - _RAW_SUGGEST) / (_RAW_ANSWER - _RAW_SUGGEST)
        return round(SUGGEST_THRESHOLD + span * (ANSWER_THRESHOLD - SUGGEST_THRESHOLD), 4)
    span = min(1.0, (raw - _RAW_ANSWER) / (1.0 - _RAW_ANSWER))
    return round(ANSWER_THRESHOLD + span * (1.0 - ANSWER_THRESHOLD), 4)
