"""Stage 1, normalise: fold, expand shorthand and synonyms, rewrite phrases, mark clauses, demands.

Everything downstream compares folded words: residents type without å/ä/ö, so "förening",
"forening" and "FÖRENING" are one word. The rules come from the Lexicon (general language data)
and from content/faq.yaml's synonyms (this FAQ's words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

from bot.content import Synonym
from bot.domain import Lang
from bot.matching.lexicon import Lexicon

CLAUSE = "|"  # token between clauses
PAST_MARKER = "~past"  # token: the question is in the past tense
DEMAND_PREFIX = "~"  # "~contact", "~money": the kind of information a question demands
COUNTED_PREFIX = "~n:"  # "~n:omraden": what a count question counts

_NON_WORD_RE = re.compile(r"[^a-z0-9]+")
# Letters NFKD does not decompose, folded as their Swedish or German twins.
_LETTERS = str.maketrans({"ß": "ss", "ø": "o", "æ": "a", "œ": "oe"})
_CLAUSE_RE = re.compile(r"[,.;:!?\n]+")
# "hur många år" folds to "hur manga ar", where "år" (years) and "är" (is) meet: caught unfolded.
_DURATION_RE = re.compile(r"\bhur många år\b", re.IGNORECASE)
_COUNTED_RE = re.compile(
    r"\b(?:hur manga|how many|antalet|antal|number of)(?: (?:av|of|the|de))? (\w+)"
)
# An apostrophe becomes a space when folding: "who's" -> "who s"; the loose end is dropped.
_CONTRACTION_RE = re.compile(r"\b(\w+) (s|re|ve|ll|d|t|m)\b")

_STEMMERS = {
    "sv": snowballstemmer.stemmer("swedish"),
    "en": snowballstemmer.stemmer("english"),
}


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Casefold, strip diacritics (å->a, ä->a, ö->o, é->e; Danish and Norwegian ø->o, æ->a,
    as their Swedish twins) and turn punctuation into spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD_RE.sub(" ", stripped).strip()


def tokens(text: str) -> list[str]:
    """Split `text` into folded word tokens."""
    return fold(text).split()


@lru_cache(maxsize=16384)
def stem(token: str, lang: Lang) -> str:
    """Return the Snowball stem of a folded token in `lang`."""
    stemmed: str = _STEMMERS[lang].stemWord(token)
    # Snowball keeps the Swedish definite neuter "-et" (arbetet, beslutet, bolaget); residents use
    # it all the time, so it is removed to meet the indefinite form's stem.
    if lang == "sv" and len(stemmed) > 5 and stemmed.endswith("et"):
        stemmed = stemmed[:-2]
    return stemmed


def _alternation(keys: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(key) for key in keys)
    return re.compile(r"\b(" + (alternatives or r"(?!)") + r")\b")


class Normaliser:
    """Turns text into folded tokens with the Lexicon's rules and the FAQ's synonyms applied."""

    def __init__(self, lexicon: Lexicon, synonyms: Iterable[Synonym] = ()) -> None:
        self.lexicon = lexicon
        expand = dict(lexicon.shorthand)
        self.synonyms: dict[str, str] = {}
        for synonym in synonyms:
            for word in synonym.words:
                self.synonyms[fold(word)] = fold(synonym.means)
        expand.update(self.synonyms)
        self._expand = expand
        self._expand_re = _alternation(expand)
        self._phrases = dict(lexicon.phrases)
        self._phrase_re = _alternation(self._phrases)
        self._trade_re = _alternation(lexicon.trade)
        self._stopwords = lexicon.stopwords["sv"] | lexicon.stopwords["en"]

    def words(self, text: str, *, topic: bool = False) -> list[str]:
        """Folded tokens of `text`: phrases joined, CLAUSE between clauses, marks appended.
        `topic`: only what may name a topic, a check's frame left out (features, not roles)."""
        lexicon = self.lexicon
        result: list[str] = []
        for clause in _CLAUSE_RE.split(_DURATION_RE.sub("hur länge", text)):
            folded = fold(clause)
            if topic:
                folded = lexicon.frames.sub(" ", folded).strip()
            folded = self._expand_re.sub(lambda m: self._expand[m.group(1)], folded)
            folded = _CONTRACTION_RE.sub(r"\1", folded)
            if lexicon.trade_context.search(folded):
                folded = self._trade_re.sub(lambda m: lexicon.trade[m.group(1)], folded)
            for pattern, replacement in lexicon.rewrites:
                folded = pattern.sub(replacement, folded)
            folded = self._phrase_re.sub(lambda m: self._phrases[m.group(1)], folded)
            if folded:
                if result:
                    result.append(CLAUSE)
                result.extend(folded.split())
        if any(w in lexicon.past_tense or _past_participle(w) for w in result):
            result.append(PAST_MARKER)
        whole = " ".join(result)
        result.extend(
            DEMAND_PREFIX + kind for pattern, kind in lexicon.demands if pattern.search(whole)
        )
        result.extend(COUNTED_PREFIX + counted for counted in _COUNTED_RE.findall(whole))
        return result

    def used_synonyms(self, text: str) -> list[tuple[str, str]]:
        """The FAQ synonyms `text` uses, (word, meaning): for `ask --explain`."""
        folded = fold(text)
        return [
            (word, self.synonyms[word])
            for word in dict.fromkeys(m.group(1) for m in self._expand_re.finditer(folded))
            if word in self.synonyms
        ]

    def is_stopword(self, token: str) -> bool:
        """True for a folded token that carries no topic in either language."""
        return token in self._stopwords

    def asks(self, tokens: list[str], position: int) -> bool:
        """True when the question word at `position` asks the question rather than joins clauses:
        near the start of its clause, or after a verb of asking ("jag undrar varför ...")."""
        start = position
        while start > 0 and tokens[start - 1] != CLAUSE:
            start -= 1
        if position - start < 3 or tokens[position - 1] in self.lexicon.asking_verbs:
            return True
        # A fragment ending in its question word ("kommunutvecklarna besked när") asks with it:
        # no clause ends in a joining "när".
        after = tokens[position + 1] if position + 1 < len(tokens) else CLAUSE
        return after == CLAUSE or after.startswith("~")

    def looks_like_noun(self, tokens: list[str], position: int) -> bool:
        """True when the unknown word at `position` has the shape of a noun naming a thing
        ("apoteket", "the roads"), or is what an existential question ("finns det X", "vilka X
        finns", "is there X") asks about: such a word is usually the question's real subject."""
        word = tokens[position]
        if len(word) >= 6 and word.endswith(("et", "en", "an", "na")):
            return True
        if position > 0 and tokens[position - 1] in self.lexicon.determiners:
            return True
        return self._after_existential(tokens, position) or self._before_existential(
            tokens, position
        )

    def _after_existential(self, tokens: list[str], position: int) -> bool:
        exists = self.lexicon.exists
        before = position - 1
        while before >= 0 and tokens[before] in exists["fillers"]:
            before -= 1
        if before < 0 or tokens[before] == CLAUSE:
            return False
        if tokens[before] in exists["sv"]:
            return True
        # "is there X", "are there X", "where is X"; "there is X", "there are X"
        previous = tokens[before - 1] if before > 0 else ""
        return (tokens[before] in exists["there"] and previous in exists["en"]) or (
            tokens[before] in exists["en"] and previous in exists["there"]
        )

    def _before_existential(self, tokens: list[str], position: int) -> bool:
        exists = self.lexicon.exists
        after = tokens[position + 1] if position + 1 < len(tokens) else ""
        if after in exists["sv"]:
            return True
        return (
            after in exists["en"] and position + 2 < len(tokens) and tokens[position + 2] == "there"
        )


def _past_participle(word: str) -> bool:
    # "flyttade", "beslutade" and the passive "startades" are past tense; "område(s)" (folded
    # "omrade", "omrades") only looks like it.
    return (
        word.endswith(("ade", "ades"))
        and len(word) > 5
        and not word.endswith(("omrade", "omrades"))
    )
