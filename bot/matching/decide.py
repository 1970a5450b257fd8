"""Stage 4, decide: the Matcher. Reads a message, asks the learned model, and gives a verdict.

A one-sentence message is read whole; a longer one as its questions at full weight and its
context at half (vectorise.py), greetings left out. The model gives every FAQ topic and
"off-topic" a probability: the best topic is answered when it reaches ANSWER_THRESHOLD and is
more likely than "off-topic"; a topic ahead of "off-topic" but below the threshold is offered as
"did you mean"; when "off-topic" wins, the nearest topic is offered beside "I don't know". Each
question of a message is also read alone, so a message asking two things gets both answers; and
an answered topic whose runner-up is nearly as likely (CLOSE_SHARE) is answered with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.content import Content
from bot.content.examples import Example
from bot.domain import LANGUAGES, Lang
from bot.matching.learned import (
    OFF_TOPIC,
    Languages,
    Learned,
    engine_source,
    training_examples,
    training_key,
)
from bot.matching.lexicon import DATA_DIR, load_lexicon
from bot.matching.normalise import Normaliser, fold, stem
from bot.matching.segment import GREETING, QUESTION, Segment, segment, split_questions
from bot.matching.smalltalk import Talk
from bot.matching.store import ModelStore
from bot.matching.vectorise import CONTENT_PREFIX, Features, Featuriser, Vector
from bot.matching.verdict import (
    ANSWER_THRESHOLD,
    CLOSE_SHARE,
    LEAD_RATIO,
    LEAD_THRESHOLD,
    MAX_SUGGESTIONS,
    OFF_TOPIC_CEILING,
    RELATED_SHARE,
    RELATED_THRESHOLD,
    SUGGEST_THRESHOLD,
    Explanation,
    Match,
)

MAX_TEXT = 1000  # characters read; a resident's question is never longer
MAX_TOPICS = 3  # answers to one message of several questions
_HELD = round(ANSWER_THRESHOLD * 0.95, 4)  # the highest score of a message not answered
_LONG = 2  # sentences (greetings aside) from which a message is long
_LONG_OFF_TOPIC_ODDS = 0.5
# Models trained in this process, by training key: tests and tools build many Matchers.
_TRAINED: dict[str, Learned] = {}


def forget_trained() -> None:
    """Drop the models this process trained (`check-content` asks the store, not the memory)."""
    _TRAINED.clear()


@dataclass(frozen=True)
class Decision:
    """The verdict on one reading, with the probabilities behind it."""

    topic: str | None
    score: float
    suggestions: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    probabilities: np.ndarray | None = None  # per class (FAQ ids, then off-topic)
    vector: Vector | None = None
    why: str = "nothing the examples know"


class Matcher:
    """Matches residents' messages against the FAQ; build once, call `match` many times."""

    def __init__(
        self, content: Content, data_dir: Path = DATA_DIR, *, store: ModelStore | None = None
    ) -> None:
        lexicon = load_lexicon(data_dir)
        self.normaliser = Normaliser(lexicon, content.synonyms)
        self.featuriser = Featuriser(self.normaliser)
        self.ids: tuple[str, ...] = tuple(entry.id for entry in content.faq)
        self.talk = Talk(content.smalltalk)
        # The places of the move, the municipality and the other areas (faq.yaml `vocabulary`):
        # where, not what. A message naming only them ("Balltorp?", "Åby") asks nothing an answer
        # could be sure of.
        self._places = frozenset(
            "w:" + stem(fold(word), lang)
            for role in ("setting", "places")
            for word in content.vocabulary.get(role, ())
            for lang in LANGUAGES
        )
        self._question_words = frozenset(
            "w:" + stem(word, lang) for word in lexicon.question_words for lang in LANGUAGES
        )
        examples = training_examples(content)
        self.languages = Languages(examples, dict(lexicon.stopwords))
        language_data = b"".join(path.read_bytes() for path in sorted(data_dir.glob("*.yaml")))
        synonyms = repr([(s.means, s.words) for s in content.synonyms]).encode()
        # Small talk decides which sentences are greetings, so it shapes the reading too.
        read_with = language_data + synonyms + self.talk.key
        self.key = training_key(examples, self.ids, read_with, engine_source())
        self.learned = self._learn(examples, store)

    def _learn(self, examples: tuple[Example, ...], store: ModelStore | None) -> Learned:
        self.trained_now = False
        learned = _TRAINED.get(self.key)
        if learned is not None:
            return learned
        stored = store.load(self.key, len(self.ids) + 1) if store is not None else None
        if stored is not None:
            vocabulary, model = stored
            learned = Learned((*self.ids, OFF_TOPIC), vocabulary, model, examples, self._example)
        else:
            learned = Learned.train(self.ids, examples, self._example)
            self.trained_now = True
            if store is not None:
                store.save(self.key, learned.vocabulary, learned.model)
        if len(_TRAINED) >= 4:
            _TRAINED.clear()
        _TRAINED[self.key] = learned
        return learned

    # --- reading ----------------------------------------------------------------------------

    def segments(self, text: str) -> list[Segment]:
        """The message's sentences with their roles (question, context, greeting)."""
        return segment(text[:MAX_TEXT], self.normaliser, self.talk.droppable, self.talk.thanks)

    def _example(self, example: Example) -> Features:
        lang: Lang = "en" if example.lang == "en" else "sv"
        return self.reading(self._untagged(example.text), lang)[0]

    def _untagged(self, text: str) -> str:
        """`text` without its @mentions and closing #hashtags (unless that leaves nothing)."""
        return self.normaliser.lexicon.tags.sub(" ", text).strip() or text

    def reading(self, text: str, lang: Lang) -> tuple[Features, list[Segment], str]:
        """The features of a message, its sentences, and how it was read."""
        parts = self.segments(text)
        questions = [part for part in parts if part.role == QUESTION]
        if len(parts) <= 1:
            return self.featuriser.features(text, lang), parts, "read whole"
        if not questions:
            # Nothing asks: the message is read whole, its greetings and thanks left out.
            said = " ".join(part.text for part in parts if part.role != GREETING) or text
            return self.featuriser.features(said, lang), parts, "read whole, greetings aside"
        how = f"{len(questions)} question(s) read in full, the context at half weight"
        return self.featuriser.reading(parts, lang), parts, how

    # --- deciding ---------------------------------------------------------------------------

    def decide(self, features: Features, *, sentences: int = 1) -> Decision:
        """The verdict on one reading's features; `sentences`: how many the message has
        besides greetings."""
        vector = self.learned.vector(features)
        if not len(vector.indices) or not self.ids:
            return Decision(None, 0.0, vector=vector)
        probabilities = self.learned.model.probabilities(vector)
        if sentences >= _LONG:
            # Background and feelings lean towards off-topic: in a long message, off-topic
            # needs a clearer lead to win (cross-validation, docs/answering.md).
            probabilities[-1] *= _LONG_OFF_TOPIC_ODDS
            probabilities /= probabilities.sum()
        topics, off = probabilities[:-1], float(probabilities[-1])
        ranked = [int(i) for i in np.argsort(-topics)]
        best = ranked[0]
        likely = float(topics[best])
        found = Decision(None, 0.0, probabilities=probabilities, vector=vector)
        runner_up = max(float(topics[ranked[1]]) if len(ranked) > 1 else 0.0, off)
        leads = likely >= LEAD_THRESHOLD and likely >= LEAD_RATIO * runner_up
        if (likely >= ANSWER_THRESHOLD or leads) and likely > off and off <= OFF_TOPIC_CEILING:
            if self._asks_something(features):
                why = "the best topic is likely enough"
                return replace(found, topic=self.ids[best], score=round(likely, 4), why=why)
            why = "only places or question words: nothing an answer could be sure of"
            return replace(found, score=_HELD, suggestions=(self.ids[best],), why=why)
        # Not answered: the score says so, whatever the topic's probability (explain shows it).
        score = round(min(likely, _HELD), 4)
        if off >= likely or off > OFF_TOPIC_CEILING:
            near = likely >= RELATED_THRESHOLD and likely >= RELATED_SHARE * float(topics.sum())
            related = (self.ids[best],) if near else ()
            why = "off-topic is more likely than any topic"
            return replace(found, score=score, related=related, why=why)
        suggestions = tuple(
            self.ids[i] for i in ranked[:MAX_SUGGESTIONS] if topics[i] >= SUGGEST_THRESHOLD
        )
        return replace(found, score=score, suggestions=suggestions, why="no topic is likely enough")

    def _close_second(self, decision: Decision) -> str | None:
        """The runner-up of an answered topic when the two are too close to choose."""
        if decision.topic is None or decision.probabilities is None or len(self.ids) < 2:
            return None
        topics, off = decision.probabilities[:-1], float(decision.probabilities[-1])
        first, second = (int(i) for i in np.argsort(-topics)[:2])
        if topics[second] >= CLOSE_SHARE * topics[first] and topics[second] > off:
            return self.ids[second]
        return None

    def _asks_something(self, features: Features) -> bool:
        """A subject beyond the places of the move and the question words: "Balltorp?",
        "när?" or "när och varför?" ask nothing an answer could be sure of. A question word
        with a place does ("varför Balltorp?"), and so does a sentence of everyday words
        ("var e ni typ nu")."""
        content = [key for key in features if key.startswith(CONTENT_PREFIX)]
        if any("w:" + key[len(CONTENT_PREFIX) :] not in self._places for key in content):
            return True
        words = [key for key in features if key.startswith("w:")]
        if content and any(word in self._question_words for word in words):
            return True
        return sum(1 for word in words if word not in self._question_words) >= 3

    def match(self, text: str, lang: Lang = "sv") -> Match:
        """Return the FAQ topic(s) for `text`, suggestions when unsure, or small talk."""
        return self.read(text, lang)[0]

    def explain(self, text: str, lang: Lang = "sv", *, top: int = 4) -> Explanation:
        """The verdict on `text` with its evidence: for content editors, not for residents."""
        from bot.matching.explain import explain  # noqa: PLC0415 - explain imports decide

        return explain(self, text, lang, top=top)

    def read(self, text: str, lang: Lang) -> tuple[Match, Decision, list[Segment], str]:
        """The verdict, the deciding reading's decision, the sentences, and how it was read."""
        text = self._untagged(text[:MAX_TEXT])
        words = fold(text).split()
        if not words:
            return Match(topic=None, score=0.0, suggestions=()), Decision(None, 0.0), [], "empty"
        language = self.languages.detect(words)
        talk = self.talk.whole(words)
        if talk is not None:
            verdict = Match(None, 0.0, (), smalltalk=talk, language=language)
            return verdict, Decision(None, 0.0), [], f"the whole message is small talk ({talk})"
        read_in = language or lang
        features, parts, how = self.reading(text, read_in)
        if parts and all(part.role == GREETING for part in parts):
            # "Tack för allt ni gjort i Kållered genom åren!": thanks and greetings, nothing asked.
            talk = "thanks" if self.talk.thanks_in(p.text for p in parts) else "greeting"
            verdict = Match(None, 0.0, (), smalltalk=talk, language=language)
            return verdict, Decision(None, 0.0), parts, f"only small talk ({talk}) is said"
        decision = self.decide(features, sentences=sum(p.role != GREETING for p in parts))
        asked = self._piece_topics(parts, text, read_in)
        topic, score = decision.topic, decision.score
        if topic is not None and topic not in asked:
            asked.insert(0, topic)
        close = self._close_second(decision)
        if close is not None and close not in asked:
            asked.append(close)
            how += f"; {close} is nearly as likely, so both are answered"
        if asked:
            if topic is None:
                how += "; one question, read alone, is clear"
            score = score if asked[0] == topic else ANSWER_THRESHOLD
            verdict = Match(asked[0], score, (), language=language, also=tuple(asked[1:MAX_TOPICS]))
            return verdict, decision, parts, how
        talk = None if decision.suggestions or decision.related else self.talk.prefix(words)
        verdict = Match(
            None,
            score,
            decision.suggestions,
            smalltalk=talk,
            language=language,
            related=decision.related,
        )
        return verdict, decision, parts, how

    def _piece_topics(self, parts: list[Segment], text: str, lang: Lang) -> list[str]:
        """The topics that single questions of the message answer on their own, in the order
        the message asks them; empty for a message of one question."""
        questions = [part.text for part in parts if part.role == QUESTION] or [text]
        pieces = [
            piece for question in questions for piece in split_questions(question, self.normaliser)
        ]
        if len(pieces) < 2:
            return []
        found: list[str] = []
        read: set[str] = set()
        for piece in pieces:
            key = fold(piece)
            if key in read:
                continue  # a question asked again (a wall of one question) is decided once
            read.add(key)
            features = self.featuriser.features(piece, lang)
            if not any(key.startswith(CONTENT_PREFIX) for key in features) or (
                piece is not pieces[0]
                and key.split()[0] in self.normaliser.lexicon.sentences["alternatives"]
            ):
                # "Eller var det 20?", "..., isn't it? Or is there more to it?": a follow-up
                # leaning on the question before it is not a question of its own
                continue
            topic = self.decide(features).topic
            if topic is not None and topic not in found:
                found.append(topic)
                if len(found) == MAX_TOPICS:
                    break  # a reply answers no more
        return found
