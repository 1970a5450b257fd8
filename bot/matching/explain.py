"""Why the matcher decided as it did: the evidence for `omradesbot ask --explain`, and its text."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bot.domain import Lang
from bot.matching.learned import OFF_TOPIC
from bot.matching.segment import CONTEXT, GREETING
from bot.matching.verdict import Candidate, Explanation, Reading

if TYPE_CHECKING:
    from bot.matching.decide import Decision, Matcher

_EVIDENCE = 8  # features shown for the best class


def _candidates(matcher: Matcher, decision: Decision, top: int) -> tuple[Candidate, ...]:
    if decision.probabilities is None:
        return ()
    classes = matcher.learned.classes
    order = np.argsort(-decision.probabilities)[:top]
    return tuple(Candidate(classes[i], round(float(decision.probabilities[i]), 3)) for i in order)


def explain(matcher: Matcher, text: str, lang: Lang, *, top: int = 4) -> Explanation:
    """The verdict on `text` with the evidence of every part of it."""
    verdict, decision, parts, how = matcher.read(text, lang)
    read_in = verdict.language or lang
    readings: list[Reading] = []
    for part in parts:
        best = None
        if part.role != GREETING:
            alone = _candidates(
                matcher, matcher.decide(matcher.featuriser.features(part.text, read_in)), 1
            )
            best = alone[0] if alone else None
        readings.append(Reading(part.text, part.role, best))
    candidates = _candidates(matcher, decision, top)
    evidence: tuple[tuple[str, float], ...] = ()
    nearest: tuple[tuple[str, str, float], ...] = ()
    vector = decision.vector
    if vector is not None and candidates:
        label = matcher.learned.classes.index(candidates[0].topic)
        keys = matcher.learned.vocabulary.keys
        evidence = tuple(
            (keys[column], round(weight, 3))
            for column, weight in matcher.learned.model.contributions(vector, label)[:_EVIDENCE]
        )
        nearest = tuple(
            (example.text, example.topic or OFF_TOPIC, similarity)
            for example, similarity in matcher.learned.nearest(vector)
        )
    words = matcher.featuriser.features(text, read_in)
    unknown = tuple(
        key[2:]
        for key in words
        if key.startswith("w:")
        and key not in matcher.learned.vocabulary.columns
        and not matcher.normaliser.is_stopword(key[2:])
    )
    return Explanation(
        match=verdict,
        decision=f"{how}; {decision.why}",
        candidates=candidates,
        evidence=evidence,
        unknown=unknown,
        nearest=nearest,
        segments=tuple(readings),
        synonyms=tuple(matcher.normaliser.used_synonyms(text)),
    )


def render(explanation: Explanation) -> str:
    """The explanation as text for a content editor's terminal."""
    match = explanation.match
    lines: list[str] = []
    if match.smalltalk and match.topic is None and not match.suggestions:
        lines.append(f"verdict: small talk '{match.smalltalk}'")
    elif match.topic is not None:
        lines.append(f"verdict: answer {', '.join(match.topics)} (probability {match.score:.2f})")
    elif match.suggestions:
        lines.append(
            f"verdict: did you mean {', '.join(match.suggestions)} (probability {match.score:.2f})"
        )
    else:
        related = f"; related topic {', '.join(match.related)}" if match.related else ""
        lines.append(f"verdict: I don't know (probability {match.score:.2f}{related})")
    lines.append(f"how: {explanation.decision}")
    if match.language:
        lines.append(f"language: {match.language}")
    if explanation.synonyms:
        used = ", ".join(f"{word} -> {means}" for word, means in explanation.synonyms)
        lines.append(f"synonyms: {used}")
    if len(explanation.segments) > 1:
        lines.append("sentences:")
        for reading in explanation.segments:
            weight = " (at half weight)" if reading.role == CONTEXT else ""
            lines.append(f"  [{reading.role}{weight}] {reading.text}")
            if reading.best is not None:
                lines.append(f"      alone: {reading.best.topic} {reading.best.probability:.2f}")
    lines.append("candidates (the model's probabilities):")
    for candidate in explanation.candidates:
        lines.append(f"  {candidate.topic:<22} {candidate.probability:.3f}")
    if not explanation.candidates:
        lines.append("  none: no word of the message is in any example")
    if explanation.evidence:
        best = explanation.candidates[0].topic
        shown = ", ".join(f"{key} {weight:+.2f}" for key, weight in explanation.evidence)
        lines.append(f"evidence for {best} (feature and weight; w: word, c: piece, b: pair):")
        lines.append(f"  {shown}")
    if explanation.unknown:
        lines.append(f"words no example uses: {', '.join(explanation.unknown)}")
    if explanation.nearest:
        lines.append("nearest examples:")
        for text, label, similarity in explanation.nearest:
            lines.append(f"  {similarity:.2f} [{label}] {text}")
    return "\n".join(lines)
