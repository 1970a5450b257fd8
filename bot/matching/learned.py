"""What the matcher learns from the content once: the examples, their vocabulary, the model.

The examples are every FAQ entry's `questions` and content/examples/*.yaml (labelled messages and
off-topic ones). Each is read like a resident's message (segment -> normalise -> vectorise) and
the model (model.py) is trained on them. Training takes a second or two, so the result may be
kept in a ModelStore (store.py) under a key made of everything it was learned from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from bot.content import Content
from bot.content.examples import Example
from bot.domain import LANGUAGES, Lang
from bot.matching.model import ITERATIONS, REGULARISATION, Model
from bot.matching.normalise import tokens
from bot.matching.vectorise import CONTENT_PREFIX, Features, Vector, Vocabulary, with_unknown

# Bump when features or training change: a stored model of another version is never used.
# (The engine's own source is part of the key too, so a forgotten bump costs nothing.)
MODEL_VERSION = "6"
# The modules whose code decides what is learned: their source is part of the training key.
ENGINE_MODULES = (
    "segment.py",
    "normalise.py",
    "lexicon.py",
    "vectorise.py",
    "model.py",
    "learned.py",
    "decide.py",
    "smalltalk.py",
)
OFF_TOPIC = "offtopic"  # the class of messages the article does not answer


def training_examples(content: Content) -> tuple[Example, ...]:
    """Every labelled message the model learns from: FAQ questions first, then the examples."""
    asked = tuple(
        Example(question, lang, entry.id, f"faq.yaml: {entry.id}: questions")
        for entry in content.faq
        for lang in LANGUAGES
        for question in entry.questions[lang]
    )
    return asked + content.examples


@cache
def engine_source() -> bytes:
    """The source of ENGINE_MODULES (read once a process): a changed reading or feature trains
    anew."""
    here = Path(__file__).resolve().parent
    return b"\x1e".join((here / name).read_bytes() for name in ENGINE_MODULES)


def training_key(
    examples: Sequence[Example], ids: Sequence[str], language_data: bytes, engine: bytes
) -> str:
    """A digest of everything a model is learned from; equal keys, equal models."""
    digest = hashlib.sha256()
    for part in (MODEL_VERSION, repr((REGULARISATION, ITERATIONS)), "\x1f".join(ids)):
        digest.update(part.encode() + b"\x1e")
    digest.update(hashlib.sha256(engine).digest())
    digest.update(language_data)
    for example in examples:
        digest.update(f"{example.lang}\x1f{example.topic}\x1f{example.text}\x1e".encode())
    return digest.hexdigest()


@dataclass
class Learned:
    """The vocabulary and model, and the examples they came from (for nearest neighbours)."""

    classes: tuple[str, ...]  # the FAQ ids, then OFF_TOPIC
    vocabulary: Vocabulary
    model: Model
    examples: tuple[Example, ...]
    read: Callable[[Example], Features]  # an example's features, as at training time

    @classmethod
    def train(
        cls, ids: Sequence[str], examples: Sequence[Example], read: Callable[[Example], Features]
    ) -> Learned:
        """Read every example and fit the model."""
        classes = (*ids, OFF_TOPIC)
        column = {label: i for i, label in enumerate(classes)}
        read_all = [read(example) for example in examples]
        # A content word no other example uses is "unknown" to its own example, as a word no
        # example uses will be to a resident's message.
        frequency: dict[str, int] = {}
        for document in read_all:
            for key in document:
                if key.startswith(CONTENT_PREFIX):
                    frequency[key[len(CONTENT_PREFIX) :]] = (
                        frequency.get(key[len(CONTENT_PREFIX) :], 0) + 1
                    )
        documents = [with_unknown(d, lambda word: frequency.get(word, 0) > 1) for d in read_all]
        vocabulary = Vocabulary(documents)
        vectors = [vocabulary.vector(document) for document in documents]
        kept = [i for i, vector in enumerate(vectors) if len(vector.indices)]
        model = Model.train(
            [vectors[i] for i in kept],
            [column[examples[i].topic or OFF_TOPIC] for i in kept],
            classes=len(classes),
            width=len(vocabulary),
        )
        learned = cls(classes, vocabulary, model, tuple(examples), read)
        learned.__dict__["_vectors"] = vectors  # already computed: no second reading
        return learned

    def known(self, word: str) -> bool:
        """True when some example uses the (stemmed) word."""
        return "w:" + word in self.vocabulary.columns

    def vector(self, features: Features) -> Vector:
        """A reading's features as the model's input."""
        return self.vocabulary.vector(with_unknown(features, self.known))

    @cached_property
    def _vectors(self) -> list[Vector]:
        return [self.vector(self.read(example)) for example in self.examples]

    def nearest(self, vector: Vector, count: int = 3) -> list[tuple[Example, float]]:
        """The examples closest to `vector` (cosine), for `ask --explain`."""
        if not len(vector.indices):
            return []
        query = np.zeros(len(self.vocabulary), np.float32)
        query[vector.indices] = vector.values
        scored = [(float(query[v.indices] @ v.values), i) for i, v in enumerate(self._vectors)]
        scored.sort(reverse=True)
        return [(self.examples[i], round(s, 3)) for s, i in scored[:count] if s > 0]


class Languages:
    """Which language a message is in, from the words the Swedish and the English examples use."""

    def __init__(self, examples: Sequence[Example], stopwords: dict[str, frozenset[str]]) -> None:
        counts: dict[str, list[int]] = {}
        for example in examples:
            side = 0 if example.lang == "sv" else 1
            for word in set(tokens(example.text)):
                counts.setdefault(word, [0, 0])[side] += 1
        only = {
            "sv": stopwords["sv"] - stopwords["en"],
            "en": stopwords["en"] - stopwords["sv"],
        }
        self._words: dict[str, Lang] = {}
        for word, (sv, en) in counts.items():
            if len(word) < 2:
                continue  # a letter ("b", "u") tells no language
            if sv >= 4 * en + 1:
                self._words[word] = "sv"
            elif en >= 4 * sv + 1:
                self._words[word] = "en"
        for lang in LANGUAGES:
            for word in only[lang]:
                self._words[word] = lang

    def detect(self, words: Sequence[str]) -> Lang | None:
        """The language most words belong to, or None when it is a tie."""
        votes = {"sv": 0, "en": 0}
        for word in words:
            lang = self._words.get(word)
            if lang is not None:
                votes[lang] += 1
        if votes["sv"] == votes["en"]:
            return None
        return "sv" if votes["sv"] > votes["en"] else "en"
