"""Why the matcher decided as it did: the evidence for `omradesbot ask --explain`, and its text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.content import Lang
from bot.matching.score import CAP, Scores, calibrate, evidence
from bot.matching.segment import CONTEXT, GREETING
from bot.matching.verdict import EntryEvidence, Explanation, Reading

if TYPE_CHECKING:
    from bot.matching.decide import Decision, Matcher
    from bot.matching.features import Term


def _entries(
    matcher: Matcher, terms: list[Term], scores: Scores | None, top: int
) -> tuple[EntryEvidence, ...]:
    if scores is None:
        return ()
    raw = scores.raw
    found: list[EntryEvidence] = []
    for entry in sorted(range(len(raw)), key=lambda i: raw[i], reverse=True)[:top]:
        proof = evidence(matcher.index, terms, entry)
        found.append(
            EntryEvidence(
                topic=matcher.index.ids[entry],
                score=calibrate(raw[entry]),
                plain=calibrate(scores.plain[entry]),
                informative=round(proof.informative, 3),
                own=round(proof.own, 3),
                missed=round(proof.missed, 3),
                capped=raw[entry] <= CAP < scores.plain[entry],
                held=scores.held[entry],
                reason=scores.capped[entry],
            )
        )
    return tuple(found)


def _terms(terms: list[Term] | tuple[Term, ...]) -> tuple[tuple[str, float, float], ...]:
    return tuple((t.key, round(t.weight, 3), t.quality) for t in terms)


def explain(matcher: Matcher, text: str, lang: Lang, *, top: int = 4) -> Explanation:
    """The verdict on `text` with the evidence of every part of it."""
    verdict, decision, parts, how = matcher.read(text, lang)
    read_in = verdict.language or lang
    readings: list[Reading] = []
    for part in parts:
        if part.role == GREETING:
            readings.append(Reading(part.text, part.role, (), ()))
            continue
        terms = matcher.terms_of(part.text, read_in)
        alone: Decision = matcher.decide(terms, one_clause=False)
        readings.append(
            Reading(part.text, part.role, _terms(terms), _entries(matcher, terms, alone.scores, 2))
        )
    terms = list(decision.terms)
    return Explanation(
        match=verdict,
        terms=_terms(terms),
        unknown=tuple(t.key[1:] for t in terms if t.quality == 0.0),
        entries=_entries(matcher, terms, decision.scores, top),
        segments=tuple(readings),
        synonyms=tuple(matcher.normaliser.used_synonyms(text)),
        decision=f"{how}; {decision.why}",
    )


def render(explanation: Explanation) -> str:
    """The explanation as text for a content editor's terminal."""
    match = explanation.match
    lines: list[str] = []
    if match.smalltalk and match.topic is None and not match.suggestions:
        lines.append(f"verdict: small talk '{match.smalltalk}'")
    elif match.topic is not None:
        topics = ", ".join(match.topics)
        lines.append(f"verdict: answer {topics} (score {match.score:.2f})")
    elif match.suggestions:
        lines.append(
            f"verdict: did you mean {', '.join(match.suggestions)} (score {match.score:.2f})"
        )
    else:
        lines.append(f"verdict: I don't know (score {match.score:.2f})")
    lines.append(f"how: {explanation.decision}")
    if match.language:
        lines.append(f"language: {match.language}")
    if explanation.synonyms:
        used = ", ".join(f"{word} -> {means}" for word, means in explanation.synonyms)
        lines.append(f"synonyms: {used}")
    if len(explanation.segments) > 1:
        lines.append("sentences:")
        for reading in explanation.segments:
            weight = " (known words at half weight)" if reading.role == CONTEXT else ""
            lines.append(f"  [{reading.role}{weight}] {reading.text}")
            if reading.entries:
                best = reading.entries[0]
                lines.append(f"      alone: {best.topic} {best.score:.2f}")
    lines.append("words (key weight quality; !word unknown, ?kind a question kind):")
    lines.append(
        "  "
        + (
            ", ".join(f"{key} {weight:g} {quality:g}" for key, weight, quality in explanation.terms)
            or "none"
        )
    )
    if explanation.unknown:
        lines.append(f"unknown: {', '.join(explanation.unknown)}")
    lines.append("candidates:")
    for entry in explanation.entries:
        note = f" capped: {entry.reason}" if entry.reason else ""
        lines.append(
            f"  {entry.topic:<22} {entry.score:.2f} (before penalties {entry.plain:.2f}; "
            f"subject {entry.informative:g}, own {entry.own:g}, elsewhere {entry.missed:g}){note}"
        )
    if not explanation.entries:
        lines.append("  none")
    return "\n".join(lines)
