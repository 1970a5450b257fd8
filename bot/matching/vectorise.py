"""Stage 2, vectorise: a message (or one reading of it) as weighted features, and features as a
tf-idf vector over the vocabulary the examples taught.

Features of a piece of text, after normalise.py (folding, shorthand, synonyms, phrases, marks):
- `w:stem`   every word, stemmed (Snowball, in the text's language);
- `b:a_b`    two neighbouring content words, stemmed: "flytt varfor" is not "flytt" and "varfor";
- `c:gram`   the four-letter pieces of each content word ("<omr", "omra", ...): a typo, a missing
             å/ä/ö, an unknown inflection or a compound still shares most of them;
- `q:kind`   a question word's kind (when, why, who ...); `m:mark` the normaliser's marks: the
             past tense, the kind of information a question demands (contact, money, hours ...);
- `u:unknown` the share of content words no example uses: usually the real subject of a question
             the article cannot answer ("apoteket", "simhallen"). While training, a word no other
             example uses counts, so the model learns what such a word says.
             (`k:stem` marks each content word for this share; it is no feature itself.)
A message of several sentences is read with its questions at full weight and its context
(background, feelings) at CONTEXT_WEIGHT: the same reading for training examples and residents.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from bot.domain import Lang
from bot.matching.normalise import CLAUSE, Normaliser, stem
from bot.matching.segment import CONTEXT, QUESTION, Segment

CONTEXT_WEIGHT = 0.5  # a context sentence's features count half: background must not decide
_GRAM = 4  # letters in a word piece
_MIN_GRAM_WORD = 3  # shorter words are matched whole, never by pieces

Features = dict[str, float]
CONTENT_PREFIX = "k:"  # marks a content word (for the unknown-word count), never a feature
UNKNOWN = "u:unknown"
UNKNOWN_SCALE = 4.0  # the unknown share's weight, beside the counts of other features


def with_unknown(features: Features, known: Callable[[str], bool]) -> Features:
    """`features` with the content-word marks replaced by the share of them not `known`.

    A share, not a count: one unknown word is most of a three-word question ("vart lämnar man
    pantburkar": its subject) but a small part of a long message's background."""
    found: Features = {}
    unknown = total = 0.0
    for key, value in features.items():
        if key.startswith(CONTENT_PREFIX):
            total += value
            if not known(key[len(CONTENT_PREFIX) :]):
                unknown += value
        else:
            found[key] = value
    if unknown:
        found[UNKNOWN] = UNKNOWN_SCALE * unknown / total
    return found


class Featuriser:
    """Turns text into features with one Normaliser; caches what each word becomes."""

    def __init__(self, normaliser: Normaliser) -> None:
        self.normaliser = normaliser
        self._question_words = normaliser.lexicon.question_words
        self._words: dict[tuple[str, Lang], tuple[str, ...]] = {}

    def features(self, text: str, lang: Lang) -> Features:
        """The features of one piece of text read in `lang`."""
        found: Features = {}
        previous: str | None = None
        for token in self.normaliser.words(text, topic=True):
            if token == CLAUSE:
                previous = None
                continue
            if token.startswith("~"):
                _add(found, "m:" + token)
                continue
            kind = self._question_words.get(token)
            if kind is not None:
                _add(found, "q:" + kind)
            for key in self._word(token, lang):
                _add(found, key)
            if self.normaliser.is_stopword(token) or kind is not None:
                continue
            key = stem(token, lang)
            if len(token) >= _MIN_GRAM_WORD and not token.isdigit():
                _add(found, CONTENT_PREFIX + key)
            if previous is not None:
                _add(found, f"b:{previous}_{key}")
            previous = key
        return found

    def _word(self, token: str, lang: Lang) -> tuple[str, ...]:
        cached = self._words.get((token, lang))
        if cached is None:
            keys = ["w:" + stem(token, lang)]
            if len(token) >= _MIN_GRAM_WORD and not self.normaliser.is_stopword(token):
                padded = f"<{token}>"
                keys.extend("c:" + padded[i : i + _GRAM] for i in range(len(padded) - _GRAM + 1))
            cached = tuple(keys)
            if len(self._words) < 100_000:
                self._words[(token, lang)] = cached
        return cached

    def reading(
        self, parts: Iterable[Segment], lang: Lang, *, whole: str | None = None
    ) -> Features:
        """The features of a message: `whole` when it is one sentence (or none asks), else its
        questions at full weight and its context at CONTEXT_WEIGHT; greetings not at all.
        Only the questions' words count towards the unknown share: background names what the
        article never does (a staff meeting, a newsletter, a grandchild), and that asks nothing."""
        if whole is not None:
            return self.features(whole, lang)
        found: Features = {}
        for part in parts:
            weight = 1.0 if part.role == QUESTION else CONTEXT_WEIGHT if part.role == CONTEXT else 0
            if weight:
                for key, value in self.features(part.text, lang).items():
                    if part.role == CONTEXT and key.startswith(CONTENT_PREFIX):
                        continue
                    found[key] = found.get(key, 0.0) + weight * value
        return found


def _add(found: Features, key: str) -> None:
    found[key] = found.get(key, 0.0) + 1.0


@dataclass(frozen=True)
class Vector:
    """A sparse, L2-normalised tf-idf vector: column indices and their values."""

    indices: np.ndarray  # int64
    values: np.ndarray  # float32


class Vocabulary:
    """Every feature the examples use, with its column and inverse document frequency."""

    def __init__(self, documents: Iterable[Mapping[str, float]]) -> None:
        frequency: dict[str, int] = {}
        count = 0
        for document in documents:
            count += 1
            for key in document:
                frequency[key] = frequency.get(key, 0) + 1
        self.columns: dict[str, int] = {key: i for i, key in enumerate(frequency)}
        self.keys: tuple[str, ...] = tuple(frequency)
        self.idf = np.array(
            [math.log((1 + count) / (1 + df)) + 1.0 for df in frequency.values()], np.float32
        )

    @classmethod
    def restore(cls, keys: Iterable[str], idf: np.ndarray) -> Vocabulary:
        """A vocabulary stored earlier (store.py)."""
        vocabulary = cls(())
        vocabulary.keys = tuple(keys)
        vocabulary.columns = {key: i for i, key in enumerate(vocabulary.keys)}
        vocabulary.idf = idf.astype(np.float32)
        return vocabulary

    def __len__(self) -> int:
        return len(self.keys)

    def vector(self, features: Mapping[str, float]) -> Vector:
        """`features` as a vector; features no example used are left out (they teach nothing)."""
        pairs = [
            (column, value)
            for key, value in features.items()
            if value > 0 and (column := self.columns.get(key)) is not None
        ]
        if not pairs:
            return Vector(np.zeros(0, np.int64), np.zeros(0, np.float32))
        indices = np.fromiter((c for c, _ in pairs), np.int64, len(pairs))
        values = np.log1p(np.fromiter((v for _, v in pairs), np.float32, len(pairs)))
        values *= self.idf[indices]
        values /= float(np.linalg.norm(values)) or 1.0
        return Vector(indices, values)
