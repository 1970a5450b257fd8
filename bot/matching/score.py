"""Stage 4, score: how well each FAQ entry answers a question's terms, as a raw score per entry.

An entry is scored by its closest example question (cosine over weighted keys), by how much of
the question's weight it covers, and by the absolute weight of the subject words it shares. It
needs at least one shared subject word (not a place name, not a question word) to score at all.
Unknown words pull a score down (they are usually the real subject); a demand the entry cannot
meet (a phone number, a price), an unknown noun or a subject split between two entries cap it
below "answer".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.matching.features import Term
from bot.matching.index import FOCUS_KINDS, KINDS, Index
from bot.matching.normalise import COUNTED_PREFIX, DEMAND_PREFIX
from bot.matching.verdict import ANSWER_THRESHOLD, SUGGEST_THRESHOLD

RAW_ANSWER = 0.48  # raw score that maps onto ANSWER_THRESHOLD (see decide.calibrate)
RAW_SUGGEST = 0.26  # raw score that maps onto SUGGEST_THRESHOLD
CAP = RAW_ANSWER * 0.95  # a capped entry may be suggested, never answered
_KIND_MISMATCH = 0.8  # an example asking another kind of question is a weaker match
_MIN_INFORMATIVE = 0.9  # matched subject weight an entry needs before it may be answered
_W_EXAMPLE, _W_COVERAGE, _W_EVIDENCE = 0.45, 0.35, 0.2
_UNKNOWN_PENALTY = 0.7
# A word only in an entry's answer or article quote is weaker evidence than one residents ask with.
_ANSWER_EVIDENCE = 0.5
_EXAMPLE_ONLY_EVIDENCE = 0.7
_SPLIT_SUBJECT = 0.9
_OTHER_SUBJECT_PENALTY = 0.3
_FOCUS_PENALTY = 0.15
_PLACE_PENALTY = 0.15
_TITLE_PLACE_BONUS = 0.05


@dataclass(frozen=True)
class Evidence:
    """What one entry covers of a question's weighted terms."""

    covered: float  # all matched weight, answer-only and example-only words weaker
    informative: float  # matched weight of subject words (no place names, no question words)
    own: float  # informative weight matched by the entry's keywords, title or answer
    missed: float  # known subject words this entry does not cover
    subject: bool  # a non-question word matched the entry's questions, keywords or title


@dataclass(frozen=True)
class Scores:
    """Raw scores per entry, the same before penalties and caps, and why each was capped."""

    raw: list[float]
    plain: list[float]
    held: list[bool]  # held below answering only by one colloquial unknown word
    capped: list[str]  # "" or the reason the entry was held below answering


def evidence(index: Index, terms: list[Term], entry: int) -> Evidence:
    """How much of the question entry `entry` covers, and how strongly."""
    keys = index.entry_keys[entry]
    answer_keys = index.answer_keys[entry]
    example_only = index.example_only[entry]
    covered = informative = own = missed = 0.0
    subject = False
    for term in terms:
        if term.key in keys:
            strength = term.weight * term.quality
            if term.key in example_only:
                strength *= _EXAMPLE_ONLY_EVIDENCE
            subject = subject or not term.key.startswith("?")
        elif term.key in answer_keys:
            strength = term.weight * term.quality * _ANSWER_EVIDENCE
        else:
            if term.informative and term.key in index.core_key_union:
                missed += term.weight * term.quality
            continue
        covered += strength
        if term.informative:
            informative += strength
            if term.key not in example_only:
                own += strength
    return Evidence(covered, informative, own, missed, subject=subject)


def _best_examples(
    index: Index, terms: list[Term], query_norm: float
) -> tuple[list[float], list[float]]:
    """Each entry's closest example (cosine), with and without the article's sentences."""
    best_example = [0.0] * len(index.ids)
    best_asked = [0.0] * len(index.ids)
    kinds = frozenset(t.key for t in terms if t.key in KINDS)
    overlaps: dict[int, float] = {}
    for term in terms:
        shared = term.weight**2 * term.quality
        for number in index.examples_of.get(term.key, ()):
            overlaps[number] = overlaps.get(number, 0) + shared
    for number, overlap in overlaps.items():
        if not overlap:
            continue
        example = index.examples[number]
        similarity = overlap / (query_norm * example.norm)
        if kinds != example.kinds and not kinds & example.kinds:
            similarity *= _KIND_MISMATCH
        similarity *= example.strength
        entry = example.entry
        best_example[entry] = max(best_example[entry], similarity)
        if example.strength == 1.0 and similarity > best_asked[entry]:
            best_asked[entry] = similarity
    return best_example, best_asked


def _focus(index: Index, entry: int, places: list[str], kinds: frozenset[str]) -> float:
    """How well `entry` fits the question's focus: the places it names and its kind."""
    factor = 1.0
    if any(place not in index.all_keys[entry] for place in places):
        factor *= 1.0 - _PLACE_PENALTY
    elif any(place in index.title_places[entry] for place in places):
        factor *= 1.0 + _TITLE_PLACE_BONUS
    elif places and index.title_places[entry]:
        # "när startar arbetet i Balltorp" is not about "since when in Kållered".
        factor *= 1.0 - _PLACE_PENALTY
    if kinds and not kinds & index.entry_kinds[entry]:
        factor *= 1.0 - _FOCUS_PENALTY
    return factor


@dataclass(frozen=True)
class _Question:
    """What every entry is measured against, read off the question's terms once."""

    terms: list[Term]
    total: float  # all weight
    unknown_count: int
    unknown: float  # weight of the unknown words together
    asking: frozenset[str]  # the question kinds asked (?when, ?why ...)
    asked: bool  # a question word or a subject word: "Kållered" alone is neither
    places: list[str]
    focus: frozenset[str]
    strong: list[Term]  # words that are the strong subject of one or two entries
    demands: list[str]
    counted: list[str]
    has_noun: bool
    located: bool

    @classmethod
    def of(cls, index: Index, terms: list[Term]) -> _Question:
        kinds = index.normaliser.lexicon.question_kinds
        unknown_count = sum(1 for t in terms if t.quality == 0.0)
        return cls(
            terms=terms,
            total=sum(t.weight for t in terms) or 1.0,
            unknown_count=unknown_count,
            # Several unknown words are often one subject in many words, or a chatty resident.
            unknown=index.unknown_weight * math.sqrt(unknown_count),
            asking=frozenset(t.key for t in terms if t.key.startswith("?") and t.key[1:] in kinds),
            asked=any(t.key.startswith("?") or t.informative for t in terms),
            places=[t.key for t in terms if t.key in index.named_place_keys],
            focus=frozenset(t.key for t in terms if t.key in FOCUS_KINDS),
            strong=[t for t in terms if t.key in index.strong_keys],
            demands=[t.key for t in terms if t.key.startswith("?" + DEMAND_PREFIX)],
            counted=[
                t.key[len(COUNTED_PREFIX) :] for t in terms if t.key.startswith(COUNTED_PREFIX)
            ],
            has_noun=any(t.noun for t in terms),
            located=any(t.located for t in terms),
        )


def score(index: Index, terms: list[Term], *, one_clause: bool = True) -> Scores:
    """Score every entry against `terms`; `one_clause` when the question is a single clause."""
    question = _Question.of(index, terms)
    query_norm = math.sqrt(sum(t.weight**2 for t in terms)) or 1.0
    best_example, best_asked = _best_examples(index, terms, query_norm)
    out = Scores([], [], [], [])
    for entry in range(len(index.ids)):
        found = evidence(index, terms, entry)
        # An article sentence only confirms a question residents' words already tie to the entry.
        example = best_example[entry] if found.subject else best_asked[entry]
        raw, plain, held, reason = _score_entry(
            index, question, entry, found, example=example, one_clause=one_clause
        )
        out.raw.append(raw)
        out.plain.append(plain)
        out.held.append(held)
        out.capped.append(reason)
    return out


def _score_entry(
    index: Index, q: _Question, entry: int, found: Evidence, *, example: float, one_clause: bool
) -> tuple[float, float, bool, str]:
    """(raw score, score before penalties, held by one colloquial word, cap reason)."""
    keys = index.entry_keys[entry]
    informative = found.informative
    # Only a near-copy of an example ("Varför Balltorp?") passes on places and question words.
    near_copy = example >= 0.95 and q.unknown == 0.0 and found.subject and q.asked
    if not near_copy and informative < _MIN_INFORMATIVE:
        return 0.0, 0.0, False, ""
    coverage = found.covered / q.total
    strength = min(1.0, informative / 2.5)  # one common word counts less than two rare ones
    value = _W_EXAMPLE * example + _W_COVERAGE * coverage + _W_EVIDENCE * strength
    others = sum(
        t.weight * t.quality
        for t in q.strong
        if t.key not in keys and t.key not in index.answer_keys[entry]
    )
    if others:  # the question names another entry's subject that this entry does not cover
        value *= 1.0 - _OTHER_SUBJECT_PENALTY * others / (informative + others)
    value *= _focus(index, entry, q.places, q.focus)
    plain, held = value, False
    if q.unknown:
        # Unknown words are usually the real subject of a question the FAQ cannot answer: the
        # larger their share, the lower the score; a "did you mean", never silence.
        penalised = value * (1.0 - _UNKNOWN_PENALTY * q.unknown / (informative + q.unknown))
        value = max(penalised, min(value * 0.8, CAP))
        held = (
            q.unknown_count == 1
            and not q.located
            and found.own >= 0.6 * index.unknown_weight
            and q.asking <= keys  # "who won Allsvenskan last year" is no "since when"
            and value * 1.25 >= CAP
            # One shared verb is no subject ("var kan jag lämna grovsopor"); the entry's strong
            # subject or two shared words are.
            and (
                any(t.key in keys for t in q.strong)
                or sum(1 for t in q.terms if t.informative and t.key in keys) >= 2
            )
        )
    reason = _cap_reason(
        index,
        entry,
        found,
        has_noun=q.has_noun,
        mostly_unknown=not near_copy and informative < 0.5 * q.unknown,
        split=one_clause and not near_copy,
        demands=q.demands,
        counted=q.counted,
    )
    if reason:
        value = min(value, CAP)
    return value, plain, held and not reason, reason


def _cap_reason(
    index: Index,
    entry: int,
    found: Evidence,
    *,
    has_noun: bool,
    mostly_unknown: bool,
    split: bool,
    demands: list[str],
    counted: list[str],
) -> str:
    """Why `entry` may be suggested but not answered, or "" when nothing holds it back."""
    if has_noun:
        return "an unknown noun is the subject"
    if mostly_unknown:
        return "mostly unknown words"
    if split and found.missed >= _SPLIT_SUBJECT * found.informative:
        return "half the subject belongs to another entry"
    keys = index.entry_keys[entry]
    if any(d not in keys for d in demands) or not all(k in index.own_keys[entry] for k in counted):
        return "asks for information this answer does not give"
    return ""


def calibrate(raw: float) -> float:
    """Map a raw score piecewise-linearly so the public thresholds sit at the tuned raw ones."""
    if raw <= RAW_SUGGEST:
        return round(SUGGEST_THRESHOLD * raw / RAW_SUGGEST, 4)
    if raw <= RAW_ANSWER:
        span = (raw - RAW_SUGGEST) / (RAW_ANSWER - RAW_SUGGEST)
        return round(SUGGEST_THRESHOLD + span * (ANSWER_THRESHOLD - SUGGEST_THRESHOLD), 4)
    span = min(1.0, (raw - RAW_ANSWER) / (1.0 - RAW_ANSWER))
    return round(ANSWER_THRESHOLD + span * (1.0 - ANSWER_THRESHOLD), 4)
