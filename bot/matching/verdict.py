"""What the matcher says about a message (Match) and why (Explanation): plain value types."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Lang

# The model's probability for a topic (decide.py), from which it is answered: the topic must
# also be more likely than "off-topic", and "off-topic" at most OFF_TOPIC_CEILING. Otherwise a
# topic ahead of "off-topic" is offered as "did you mean" from SUGGEST_THRESHOLD on; a topic
# behind "off-topic" is only offered beside "I don't know" as the related topic, when it holds
# RELATED_SHARE of what the topics together got and at least RELATED_THRESHOLD. Chosen on the
# examples' cross-validation and the regression sets (docs/answering.md).
# A topic below ANSWER_THRESHOLD but from LEAD_THRESHOLD on is answered too when it clearly
# leads: LEAD_RATIO times the next topic and off-topic. "Did you mean" is kept for real ties.
# When an answered topic's runner-up has at least CLOSE_SHARE of its probability (and more than
# "off-topic"), the two are too close to choose: the reply answers both, each under its title.
ANSWER_THRESHOLD = 0.35
CLOSE_SHARE = 0.5
LEAD_THRESHOLD = 0.25
LEAD_RATIO = 1.5
OFF_TOPIC_CEILING = 0.3
SUGGEST_THRESHOLD = 0.15
RELATED_THRESHOLD = 0.002
RELATED_SHARE = 0.6
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one message."""

    topic: str | None  # FAQ id to answer with, or None when not confident
    score: float  # 0..1: the model's probability for the best FAQ topic
    suggestions: tuple[str, ...]  # "did you mean" FAQ ids, best first; only when topic is None
    smalltalk: str | None = None  # small-talk id when the message is a greeting, thanks ...
    language: Lang | None = None  # language the question seems written in, when clear
    also: tuple[str, ...] = ()  # further topics a message of several questions asks, in order
    related: tuple[str, ...] = ()  # beside "I don't know": the topic the question was near

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic to answer, first the main one."""
        return (self.topic, *self.also) if self.topic is not None else ()


@dataclass(frozen=True)
class Candidate:
    """One class the model weighed: an FAQ id or "offtopic", with its probability."""

    topic: str
    probability: float


@dataclass(frozen=True)
class Reading:
    """One part of a message as the matcher read it: its text, role and best class alone."""

    text: str
    role: str  # question, context, greeting
    best: Candidate | None  # what this part alone would be; None for greetings


@dataclass(frozen=True)
class Explanation:
    """The evidence behind a verdict: for content editors and tuning, never for residents."""

    match: Match
    decision: str  # how the verdict was reached, in one sentence
    candidates: tuple[Candidate, ...]  # the best classes of the deciding reading
    evidence: tuple[tuple[str, float], ...]  # (feature, its weight for the best class), largest
    unknown: tuple[str, ...]  # words no example uses
    nearest: tuple[tuple[str, str, float], ...]  # (example, its label, cosine similarity)
    segments: tuple[Reading, ...] = ()  # every part of the message, in order
    synonyms: tuple[tuple[str, str], ...] = ()  # FAQ synonyms used: (word, what it means)
