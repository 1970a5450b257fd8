"""Character n-gram tf-idf similarity between a question and the FAQ entries' own wording."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bot.content import LANGUAGES, Content
from bot.text import fold

# scikit-learn's TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
# max_df=MAX_DF) with L2-normalised rows, over folded text: with max_df=1.0 and unseen_in_norm=False
# the cosines are scikit-learn's (a test checks), so figures compare with the baseline.
MIN_N, MAX_N = 2, 5
# An answer names many things a question about it need not be about, so its similarity counts less
# than an example question's, title's or keywords'.
ANSWER_WEIGHT = 0.6
TOP_K = 3
_MAX_TEXT = 1000  # characters read; a resident's question is never longer
# Grams in more than this share of the documents ("ar ", " va", "en ") are left out, as
# TfidfVectorizer(max_df=...) does: they say little, and their long posting lists would cost most of
# the time of a question.
MAX_DF = 0.1


@dataclass(frozen=True)
class NgramHit:
    """One FAQ entry's similarity to a question."""

    topic: str
    score: float  # cosine of the entry's closest document (answers weighted by ANSWER_WEIGHT)
    mean3: float  # mean cosine of the entry's three closest documents


def char_ngrams(text: str) -> list[str]:
    """The character 2..5-grams of each folded word, padded with a space on both sides."""
    return [gram for word in fold(text[:_MAX_TEXT]).split() for gram in _word_ngrams(word)]


@lru_cache(maxsize=16384)
def _word_ngrams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    length = len(padded)
    return tuple(
        padded[start : start + n]
        for n in range(MIN_N, min(MAX_N, length) + 1)
        for start in range(length - n + 1)
    )


class NgramIndex:
    """Inverted tf-idf index over the FAQ's documents; build once, call `search` many times.

    The documents of an entry are its example questions, its title and its keywords (joined into
    one document per language) in both languages, and, weighted down, its answers.
    """

    def __init__(
        self,
        content: Content,
        *,
        answer_weight: float = ANSWER_WEIGHT,
        max_df: float = MAX_DF,
        unseen_in_norm: bool = True,
    ) -> None:
        self._ids: tuple[str, ...] = tuple(entry.id for entry in content.faq)
        documents: list[tuple[str, float]] = []
        # An entry's documents are consecutive, so its scores are one slice of all scores.
        ranges: list[tuple[int, int]] = []
        for entry in content.faq:
            first = len(documents)
            for lang in LANGUAGES:
                documents.extend((text, 1.0) for text in entry.questions[lang])
                documents.append((entry.title[lang], 1.0))
                if entry.keywords[lang]:
                    documents.append((" ".join(entry.keywords[lang]), 1.0))
                if answer_weight > 0.0:
                    documents.append((entry.answer[lang], answer_weight))
            ranges.append((first, len(documents)))
        self._ranges = tuple(ranges)
        total = len(documents)
        counts = [Counter(char_ngrams(text)) for text, _ in documents]
        frequency: Counter[str] = Counter()
        for count in counts:
            frequency.update(count.keys())
        self._idf: dict[str, float] = {
            gram: math.log((1 + total) / (1 + df)) + 1.0
            for gram, df in frequency.items()
            if df <= max_df * total
        }
        self._common = frozenset(frequency) - frozenset(self._idf)
        # A gram no document has is as rare as can be. Counted in the question's length (where
        # scikit-learn drops it), it makes a question mostly about something the FAQ never mentions
        # score low.
        self._unseen_idf: float | None = math.log(1 + total) + 1.0 if unseen_in_norm else None
        # Each posting holds idf x the document's normalised tf-idf weight x its document weight:
        # summed over a question's grams and divided by the question's norm, that is the cosine.
        postings: dict[str, list[tuple[int, float]]] = {}
        for number, count in enumerate(counts):
            vector = {
                gram: (1.0 + math.log(tf)) * self._idf[gram]
                for gram, tf in count.items()
                if gram in self._idf
            }
            scale = documents[number][1] / (math.sqrt(sum(w * w for w in vector.values())) or 1.0)
            for gram, weight in vector.items():
                postings.setdefault(gram, []).append((number, weight * scale * self._idf[gram]))
        self._postings: dict[str, tuple[tuple[int, float], ...]] = {
            gram: tuple(items) for gram, items in postings.items()
        }
        self._documents = total

    @property
    def size(self) -> int:
        """How many documents the index holds."""
        return self._documents

    def search(self, text: str, k: int = TOP_K) -> tuple[NgramHit, ...]:
        """The `k` entries closest to `text`, best first; () when nothing is shared at all."""
        idf, unseen, postings, common = self._idf, self._unseen_idf, self._postings, self._common
        squares = 0.0
        dots = [0.0] * self._documents
        shared = False
        for gram, tf in Counter(char_ngrams(text)).items():
            gram_idf = idf.get(gram)
            if gram_idf is None:
                if unseen is not None and gram not in common:
                    squares += ((1.0 + math.log(tf)) * unseen) ** 2
                continue
            shared = True
            if tf == 1:
                squares += gram_idf * gram_idf
                for number, value in postings[gram]:
                    dots[number] += value
            else:
                factor = 1.0 + math.log(tf)
                squares += (factor * gram_idf) ** 2
                for number, value in postings[gram]:
                    dots[number] += value * factor
        if not shared:
            return ()
        norm = math.sqrt(squares)
        hits: list[NgramHit] = []
        for index, (first, last) in enumerate(self._ranges):
            top = sorted(dots[first:last], reverse=True)[:3]
            if top and top[0] > 0.0:
                hits.append(
                    NgramHit(
                        self._ids[index], round(top[0] / norm, 4), round(sum(top) / (3 * norm), 4)
                    )
                )
        hits.sort(key=lambda hit: hit.score, reverse=True)
        return tuple(hits[:k])
