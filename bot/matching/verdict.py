"""What the matcher says about a message (Match) and why (Explanation): plain value types."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import Lang

ANSWER_THRESHOLD = 0.6  # calibrated score from which a topic is answered
SUGGEST_THRESHOLD = 0.35  # calibrated score from which a topic is offered as "did you mean"
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one message."""

    topic: str | None  # FAQ id to answer with, or None when not confident
    score: float  # calibrated 0..1 confidence for the best FAQ topic
    suggestions: tuple[str, ...]  # "did you mean" FAQ ids, best first; only when topic is None
    smalltalk: str | None = None  # small-talk id when the message is a greeting, thanks ...
    language: Lang | None = None  # language the question seems written in, when clear
    also: tuple[str, ...] = ()  # further topics a message of several questions asks, in order

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic to answer, first the main one."""
        return (self.topic, *self.also) if self.topic is not None else ()


@dataclass(frozen=True)
class EntryEvidence:
    """Why one entry scored as it did."""

    topic: str
    score: float  # calibrated, after every penalty and cap
    plain: float  # calibrated, before unknown words and the caps pulled it down
    informative: float  # matched weight of subject words
    own: float  # of which the entry's keywords, title or answer cover
    missed: float  # known subject words another entry covers
    capped: bool  # held at or below "did you mean" by a cap rather than by its own score
    held: bool  # would be answered despite one unknown colloquial word, if it leads clearly
    reason: str = ""  # why it was capped, in words


@dataclass(frozen=True)
class Reading:
    """One part of a message as the matcher read it: its text, role and best entries."""

    text: str
    role: str  # question, context, greeting
    terms: tuple[tuple[str, float, float], ...]  # (key, weight, quality); "!word" is unknown
    entries: tuple[EntryEvidence, ...]


@dataclass(frozen=True)
class Explanation:
    """The evidence behind a verdict: for content editors and tuning, never for residents."""

    match: Match
    terms: tuple[tuple[str, float, float], ...]  # of the reading that decided
    unknown: tuple[str, ...]  # words the FAQ's vocabulary does not know
    entries: tuple[EntryEvidence, ...]  # the best entries of the deciding reading
    segments: tuple[Reading, ...] = ()  # every part of the message, in order
    synonyms: tuple[tuple[str, str], ...] = ()  # FAQ synonyms used: (word, what it means)
    decision: str = ""  # how the verdict was reached, in one sentence
