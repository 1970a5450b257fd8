"""Stage 5, decide: the Matcher. Reads a message part by part and turns scores into a verdict.

A one-sentence message is read whole. A longer one is cut into sentences (segment.py): the
questions are read in full, the context sentences only for the known words they add, at half
weight, and greetings not at all; so background, greetings and feelings cannot sink the question.
Each question sentence is also read on its own, so a message asking two things gets both
answers. Raw scores are calibrated onto 0..1, where ANSWER_THRESHOLD means "answer" and
SUGGEST_THRESHOLD "offer did-you-mean suggestions".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content import LANGUAGES, Content, Lang
from bot.matching.explain import explain
from bot.matching.features import Reader, Term
from bot.matching.index import Index
from bot.matching.lexicon import DATA_DIR, load_lexicon
from bot.matching.normalise import CLAUSE, COUNTED_PREFIX, Normaliser, fold
from bot.matching.score import Scores, calibrate, evidence, score
from bot.matching.segment import CONTEXT, GREETING, QUESTION, Segment, segment, split_questions
from bot.matching.verdict import (
    ANSWER_THRESHOLD,
    MAX_SUGGESTIONS,
    SUGGEST_THRESHOLD,
    Explanation,
    Match,
)

MAX_TEXT = 1000  # characters read; a resident's question is never longer
_CLEAR_LEAD = 1.5  # how far a held entry must lead every other to be answered anyway
_OWN_EVIDENCE = 1.0  # share of the unknown word's weight the entry's own words must match
_CONTEXT_WEIGHT = 0.5  # a context sentence's known words support a topic at this weight
MAX_TOPICS = 3  # answers to one message of several questions
# Small talk a long message may open or close with; it is dropped from the reading.
_DROPPABLE_TALK = frozenset({"greeting", "thanks", "goodbye"})


@dataclass(frozen=True)
class Decision:
    """The verdict on one reading, with the scores behind it."""

    topic: str | None
    score: float
    suggestions: tuple[str, ...]
    best: int  # index of the best entry, -1 when none
    scores: Scores | None
    why: str
    terms: tuple[Term, ...] = ()


class Matcher:
    """Matches residents' messages against the FAQ; build once, call `match` many times."""

    def __init__(self, content: Content, data_dir: Path = DATA_DIR) -> None:
        self.normaliser = Normaliser(load_lexicon(data_dir), content.synonyms)
        self.index = Index(content, self.normaliser)
        self.reader = Reader(self.index)
        self._smalltalk: dict[str, str] = {}
        for talk in content.smalltalk:
            for lang in LANGUAGES:
                for phrase in talk.questions[lang]:
                    self._smalltalk.setdefault(fold(phrase), talk.id)
        self._smalltalk_list = tuple(self._smalltalk)
        self._greetings = frozenset(
            phrase for phrase, talk in self._smalltalk.items() if talk in _DROPPABLE_TALK
        )

    @property
    def ids(self) -> tuple[str, ...]:
        """The FAQ ids, in content order."""
        return self.index.ids

    # --- reading ----------------------------------------------------------------------------

    def segments(self, text: str) -> list[Segment]:
        """The message's sentences with their roles (question, context, greeting)."""
        return segment(text[:MAX_TEXT], self.normaliser, self._greetings)

    def terms_of(self, text: str, lang: Lang) -> list[Term]:
        """The terms of one piece of text, read in `lang`."""
        return self.reader.terms(self.normaliser.words(text), lang)

    def reading(self, parts: list[Segment], lang: Lang) -> list[Term]:
        """The terms of a message's parts: questions in full, context's known words at half
        weight and without question kinds, tense or demands, greetings not at all."""
        merged: dict[str, Term] = {}
        read = [(part, self.terms_of(part.text, lang)) for part in parts if part.role != GREETING]
        antecedents = self._antecedents(read)
        for number, (part, terms) in enumerate(read):
            weight = 1.0 if number in antecedents else _CONTEXT_WEIGHT
            for found in terms:
                term = found
                if part.role == CONTEXT:
                    if term.quality == 0.0 or term.key.startswith(("?", COUNTED_PREFIX)):
                        continue
                    term = replace(term, weight=term.weight * weight)
                held = merged.get(term.key)
                if held is None or term.weight * term.quality > held.weight * held.quality:
                    merged[term.key] = term
        return list(merged.values())

    @staticmethod
    def _antecedents(read: list[tuple[Segment, list[Term]]]) -> set[int]:
        """Context sentences a question refers back to: "Stämmer det?", "När ska den ske?" has
        no subject of its own, so the sentence before it is what it asks about."""
        found: set[int] = set()
        for number, (part, terms) in enumerate(read):
            subject = any(t.informative and t.quality > 0.0 for t in terms)
            if (
                part.role == QUESTION
                and not subject
                and number > 0
                and read[number - 1][0].role == CONTEXT
            ):
                found.add(number - 1)
        return found

    # --- deciding ---------------------------------------------------------------------------

    def decide(self, terms: list[Term], *, one_clause: bool) -> Decision:
        """The verdict on one reading's terms."""
        if not terms or not self.index.ids:
            return Decision(None, 0.0, (), -1, None, "no word the FAQ could use")
        scores = score(self.index, terms, one_clause=one_clause)
        raw, plain = scores.raw, scores.plain
        ranked = sorted(range(len(raw)), key=lambda i: raw[i], reverse=True)
        best = ranked[0]
        value = calibrate(raw[best])
        why = "the best entry clears the answer threshold"
        if scores.held[best] and all(
            plain[best] >= _CLEAR_LEAD * plain[other] for other in ranked if other != best
        ):
            # One colloquial word we do not know beside a clear, well-matched subject.
            value = max(value, ANSWER_THRESHOLD)
            why = "one unknown colloquial word beside a clear subject that leads every other"
        elif value < ANSWER_THRESHOLD and self._clear_despite_unknown(terms, scores, ranked):
            value = ANSWER_THRESHOLD
            why = "unknown words, but the entry's own subject words lead every other clearly"
        if value >= ANSWER_THRESHOLD:
            return Decision(self.index.ids[best], value, (), best, scores, why, tuple(terms))
        suggestions = tuple(
            self.index.ids[i]
            for i in ranked[:MAX_SUGGESTIONS]
            if calibrate(raw[i]) >= SUGGEST_THRESHOLD and raw[i] >= 0.6 * raw[best]
        )
        why = scores.capped[best] or (
            "below the answer threshold" if value > 0 else "no entry shares a subject word"
        )
        return Decision(None, value, suggestions, best, scores, why, tuple(terms))

    def _clear_despite_unknown(self, terms: list[Term], scores: Scores, ranked: list[int]) -> bool:
        """An unknown word must not sink an otherwise clear question: the best entry would be
        answered without the unknown words' penalty, nothing caps it, it shares more subject
        words with the question than there are unknown ones, its own vocabulary (not only an
        example's) matched a rare word, and it leads the next entry clearly."""
        best = ranked[0]
        plain = scores.plain
        if scores.capped[best] or calibrate(plain[best]) < ANSWER_THRESHOLD:
            return False
        unknown = sum(1 for t in terms if t.quality == 0.0)
        keys = self.index.entry_keys[best]
        shared = sum(1 for t in terms if t.informative and t.quality > 0.0 and t.key in keys)
        if not unknown or shared <= unknown:  # one shared verb is no subject ("lämna grovsopor")
            return False
        if evidence(self.index, terms, best).own < _OWN_EVIDENCE * self.index.unknown_weight:
            return False
        second = plain[ranked[1]] if len(ranked) > 1 else 0.0
        return plain[best] >= _CLEAR_LEAD * second

    def match(self, text: str, lang: Lang = "sv") -> Match:
        """Return the FAQ topic(s) for `text`, suggestions when unsure, or small talk."""
        return self.read(text, lang)[0]

    def explain(self, text: str, lang: Lang = "sv", *, top: int = 4) -> Explanation:
        """The verdict on `text` with its evidence: for content editors, not for residents."""
        return explain(self, text, lang, top=top)

    def read(self, text: str, lang: Lang) -> tuple[Match, Decision, list[Segment], str]:
        text = text[:MAX_TEXT]
        tokens = self.normaliser.words(text)
        empty = Decision(None, 0.0, (), -1, None, "nothing to read")
        if not tokens:
            return Match(topic=None, score=0.0, suggestions=()), empty, [], "nothing to read"
        language = self.reader.detect_language(tokens)
        talk = self._smalltalk_of(fold(text).split())
        if talk is not None:
            verdict = Match(None, 0.0, (), smalltalk=talk, language=language)
            return verdict, empty, [], f"the whole message is small talk ({talk})"
        read_in = language or lang
        parts = self.segments(text)
        questions = [part for part in parts if part.role == QUESTION]
        if len(parts) <= 1 or not questions:
            terms = self.reader.terms(tokens, read_in)
            decision = self.decide(terms, one_clause=CLAUSE not in tokens)
            how = "read whole: one sentence, or no sentence asks"
        else:
            decision = self.decide(self.reading(parts, read_in), one_clause=False)
            how = f"{len(questions)} question(s) read in full, the context at half weight"
        also = self._further_topics(questions, read_in, decision.topic, single=len(parts) <= 1)
        topic, value = decision.topic, decision.score
        if topic is None and also:
            topic, also = also[0], also[1:]
            value = ANSWER_THRESHOLD
            how += "; one question, read alone, is clear"
        if topic is not None:
            verdict = Match(topic, value, (), language=language, also=also)
            return verdict, decision, parts, how
        talk = None if decision.suggestions else self._smalltalk_prefix(tokens)
        verdict = Match(None, value, decision.suggestions, smalltalk=talk, language=language)
        return verdict, decision, parts, how

    def _further_topics(
        self, questions: list[Segment], lang: Lang, main: str | None, *, single: bool
    ) -> tuple[str, ...]:
        """Topics that single questions of the message answer on their own, besides `main`."""
        pieces = [
            piece
            for question in questions
            for piece in split_questions(question.text, self.normaliser)
        ]
        if len(pieces) < 2 and (main is not None or single):
            return ()
        found: list[str] = []
        for piece in pieces:
            tokens = self.normaliser.words(piece)
            decision = self.decide(self.reader.terms(tokens, lang), one_clause=CLAUSE not in tokens)
            if (
                decision.topic is not None
                and decision.topic != main
                and decision.topic not in found
            ):
                found.append(decision.topic)
        return tuple(found[: MAX_TOPICS - (main is not None)])

    # --- small talk -------------------------------------------------------------------------

    def _smalltalk_of(self, words: list[str]) -> str | None:
        text = " ".join(words)
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
