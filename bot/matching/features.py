"""Stage 3, features: a question's words become weighted terms the index knows, or unknown words.

A word is stemmed (Swedish or English Snowball) and looked up; a word the FAQ never uses is tried
as a typo (edit distance against known words) and as a Swedish compound (two known parts, with an
optional linking "s"). Question words become "kind of question" terms ("?when"); a word nothing
explains stays an unknown term, because it is usually the real subject of a question the FAQ
cannot answer ("apotek", "parkering").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content import LANGUAGES, Lang
from bot.matching.index import PAST_WEIGHT, QUESTION_WEIGHT, Index
from bot.matching.normalise import CLAUSE, COUNTED_PREFIX, DEMAND_PREFIX, PAST_MARKER, stem

_FUZZY_QUALITY = 0.85
_COMPOUND_QUALITY = 0.8
# Words after a joining "när"/"now that" ("vad gör ungdomarna nu när ni drar") set the scene.
_SUBORDINATE_WEIGHT = 0.5
_CACHE_LIMIT = 50_000
_LONGEST_WORD = 40  # Swedish compounds rarely pass 30 letters


@dataclass(frozen=True)
class Term:
    """One feature of a question: a stem (or question kind) with its weight."""

    key: str
    weight: float
    quality: float  # 1.0 exact, lower for a typo or a compound part, 0.0 unknown
    informative: bool  # a subject word: not a place name, partner or question word
    noun: bool = False  # an unknown word shaped like a noun: likely the question's subject
    located: bool = False  # an unknown word after a place name ("Kållered centrum")


class Reader:
    """Reads questions into terms against one Index; caches what each word resolved to."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.normaliser = index.normaliser
        lexicon = self.normaliser.lexicon
        # Words only one language uses tell which language a question is written in.
        self._lang_stopwords: dict[Lang, frozenset[str]] = {
            "sv": lexicon.stopwords["sv"] - lexicon.stopwords["en"],
            "en": lexicon.stopwords["en"] - lexicon.stopwords["sv"],
        }
        self._resolved: dict[tuple[str, Lang], tuple[tuple[str, float], ...]] = {}
        self._word_languages: dict[str, Lang | None] = {}

    # --- one word -----------------------------------------------------------------------------

    def resolve(self, token: str, lang: Lang) -> tuple[tuple[str, float], ...]:
        """Map a folded word to known keys with a match quality; () when unknown."""
        cached = self._resolved.get((token, lang))
        if cached is not None:
            return cached
        result = self._resolve_uncached(token, lang)
        if len(self._resolved) > _CACHE_LIMIT:
            self._resolved.clear()
        self._resolved[(token, lang)] = result
        return result

    def _resolve_uncached(self, token: str, lang: Lang) -> tuple[tuple[str, float], ...]:
        order: tuple[Lang, ...] = (lang, *(other for other in LANGUAGES if other != lang))
        for candidate_lang in order:
            key = stem(token, candidate_lang)
            if key in self.index.weights and self._plausible(token, key):
                return ((key, 1.0),)
        if token in self.index.surfaces:
            return ((self.index.surfaces[token], 1.0),)
        if token.isdigit() or len(token) < 6 or len(token) > _LONGEST_WORD:
            return ()  # a wall of one letter or a pasted link is no word to correct
        typo = self._typo(token, 1)
        if typo:
            return typo
        compound = self._compound(token, order)
        if compound:
            return compound
        return self._typo(token, 2) if len(token) >= 9 else ()

    def _plausible(self, token: str, key: str) -> bool:
        """Reject chance collisions of short stems ("lediga" and "leder" both stem to "led")."""
        endings = self.normaliser.lexicon.endings
        if len(key) >= 5 or (token.startswith(key) and token[len(key) :] in endings):
            return True
        return any(
            token.startswith(surface)
            or surface.startswith(token)
            or OSA.distance(token, surface) <= 1
            for surface in self.index.surfaces_by_key.get(key, ())
        )

    def _typo(self, token: str, edits: int) -> tuple[tuple[str, float], ...]:
        found = process.extractOne(
            token, self.index.surface_list, scorer=OSA.distance, score_cutoff=edits
        )
        # The first letter is rarely mistyped; requiring it keeps unrelated words from matching.
        if found is None or found[0][0] != token[0]:
            return ()
        return ((self.index.surfaces[found[0]], _FUZZY_QUALITY),)

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
        if word in self.index.surfaces:
            return self.index.surfaces[word]
        for lang in langs:
            key = stem(word, lang)
            if len(key) >= 3 and key in self.index.weights:
                return key
        return None

    # --- language -----------------------------------------------------------------------------

    def detect_language(self, tokens: list[str]) -> Lang | None:
        """The language most words belong to, or None when it is a tie."""
        votes: dict[Lang, int] = {"sv": 0, "en": 0}
        for word in tokens:
            lang = self._word_language(word)
            if lang is not None:
                votes[lang] += 1
        if votes["sv"] == votes["en"]:
            return None
        return "sv" if votes["sv"] > votes["en"] else "en"

    def _word_language(self, word: str) -> Lang | None:
        if word in self._word_languages:
            return self._word_languages[word]
        known = [
            lang
            for lang in LANGUAGES
            if word in self._lang_stopwords[lang] or stem(word, lang) in self.index.lang_keys[lang]
        ]
        found = known[0] if len(known) == 1 else None
        if len(self._word_languages) > _CACHE_LIMIT:
            self._word_languages.clear()
        self._word_languages[word] = found
        return found

    def _unknown(self, tokens: list[str], position: int) -> Term:
        """The term of a word nothing explains: as heavy as the rarest known word."""
        return Term(
            "!" + tokens[position],
            self.index.unknown_weight,
            0.0,
            informative=True,
            noun=self.normaliser.looks_like_noun(tokens, position),
            # "Kållered centrum": a word after a place name names a thing in that place.
            located=position > 0 and tokens[position - 1] in self.index.place_names,
        )

    def _marker(self, word: str, lang: Lang) -> Term | None:
        """The term of a question word or a mark the normaliser appended (tense, demand, count)."""
        if word.startswith(COUNTED_PREFIX):
            counted = word[len(COUNTED_PREFIX) :]
            if self.normaliser.is_stopword(counted):
                return None  # "hur många år": years fold to a stop word, "ar"
            found = self.resolve(counted, lang)
            key = COUNTED_PREFIX + (found[0][0] if found else counted)
            return Term(key, 0.0, 1.0, informative=False)
        if word == PAST_MARKER:
            return Term("?past", PAST_WEIGHT, 1.0, informative=False)
        if word.startswith(DEMAND_PREFIX):
            return Term("?" + word, QUESTION_WEIGHT, 1.0, informative=False)
        kind = self.normaliser.lexicon.question_words[word]
        return Term("?" + kind, QUESTION_WEIGHT, 1.0, informative=False)

    # --- a whole question ---------------------------------------------------------------------

    def terms(self, tokens: list[str], lang: Lang) -> list[Term]:
        """The weighted terms of normalised `tokens`, one per key."""
        index, normaliser = self.index, self.normaliser
        lexicon = normaliser.lexicon
        question_words = lexicon.question_words
        residing_verbs, residing_at = lexicon.residing["verbs"], lexicon.residing["at"]
        terms: dict[str, Term] = {}
        subordinate = False
        residing = False  # inside "bor i Balltorp sedan några år": about the resident, not asked
        for position, word in enumerate(tokens):
            if word == CLAUSE or word in lexicon.clause_joins:
                subordinate = residing = False
                continue
            if word in residing_verbs:
                residing = True
            elif residing and word in lexicon.residing["since"]:
                continue  # "bor här sedan 2015" says how long they live here, not "since when"
            if word in question_words and not normaliser.asks(tokens, position):
                subordinate = True
                continue
            if word.startswith(DEMAND_PREFIX) or word in question_words:
                marker = self._marker(word, lang)
                if marker is not None:
                    terms.setdefault(marker.key, marker)
                continue
            if normaliser.is_stopword(word):
                continue
            if word in lexicon.everyday and not any(
                stem(word, other) in index.asked_keys for other in LANGUAGES
            ):
                continue  # "i praktiken", "driver": how or when, not what
            resolved = self.resolve(word, lang)
            if not resolved and len(word) < 3:
                continue  # a one- or two-letter scrap ("fr", "s") is shorthand, not a subject
            if (
                not resolved
                and position >= 2
                and tokens[position - 1] in residing_at
                and tokens[position - 2] in residing_verbs
            ):
                continue
            if not resolved:
                terms.setdefault("!" + word, self._unknown(tokens, position))
                continue
            for key, quality in resolved:
                generic = key in index.generic_keys or key in index.place_keys
                weight = index.weights[key] * (_SUBORDINATE_WEIGHT if subordinate else 1.0)
                term = Term(key, weight, quality, informative=not generic)
                if key not in terms or terms[key].quality < quality:
                    terms[key] = term
        return list(terms.values())
