"""Stage 0, segment: cut a message into sentences and tell the questions from the rest.

Residents write context first ("we have lived in Kållered since 2012 ... now I hear you are
leaving"), then the question ("is that true, and why?"). A sentence is a question when it ends in
a question mark, starts with a question word or an inverted verb ("stämmer det", "is it"), or
asks indirectly ("jag undrar om", "skulle vilja veta", "tell me"). Greetings are dropped; other
sentences are context: they may support a topic, but their unknown words must not sink the
question. The words for all this are language data (words.yaml `sentences`, patterns.yaml
`asking`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.matching.normalise import Normaliser, fold
from bot.matching.smalltalk import opens_with_thanks

QUESTION, CONTEXT, GREETING = "question", "context", "greeting"
# A sentence ends at . ! ? … ; followed by space, at a line break, or right after a "?".
_SENTENCE_RE = re.compile(r"(?<=[.!?…;])\s+|\n+|(?<=\?)(?=[^\s?!])")


@dataclass(frozen=True)
class Segment:
    """One sentence of a message and the part it plays."""

    text: str
    role: str  # QUESTION, CONTEXT or GREETING


def sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, without empty ones."""
    return [part.strip() for part in _SENTENCE_RE.split(text) if part and part.strip()]


def segment(
    text: str,
    normaliser: Normaliser,
    greetings: frozenset[str],
    thanks: frozenset[str] = frozenset(),
) -> list[Segment]:
    """Cut `text` into sentences, each with its role; `greetings` are folded small-talk phrases,
    `thanks` those that thank."""
    result: list[Segment] = []
    found = sentences(text)
    # Where the resident used question marks, they mark the questions: "My kids want to know."
    # after a question reports it rather than asks again.
    marked = any(sentence.rstrip().endswith("?") for sentence in found)
    signed = False  # after a letter's sign-off, only names and titles follow
    for sentence in found:
        words = fold(sentence).split()
        if not words:
            continue
        regards = bool(normaliser.lexicon.signoff.match(" ".join(words)))
        # A sign-off closes the letter after something was said; one that opens the message
        # ("Regards from the parish office. Which partners ...?") is only a greeting.
        signed = signed or (regards and any(part.role != GREETING for part in result))
        if (
            signed
            or regards
            or " ".join(words) in greetings
            or all(w in greetings or w in normaliser.lexicon.sentences["openers"] for w in words)
        ):
            role = GREETING
        elif is_question(sentence, words, normaliser, indirect=not marked):
            lead = _lead(sentence, normaliser)
            if lead:  # "Såg lappen i tvättstugan, varför flyttar ni?": the lead is background
                result.append(Segment(sentence[: lead[0]], CONTEXT))
                result.append(Segment(sentence[lead[1] :], QUESTION))
                continue
            role = QUESTION
        elif _thanks(words, thanks, normaliser):
            role = GREETING  # "Tack för allt ni har gjort här, vi kommer sakna er."
        else:
            role = CONTEXT
        result.append(Segment(sentence, role))
    return result


def _thanks(words: list[str], thanks: frozenset[str], normaliser: Normaliser) -> bool:
    """A sentence of a longer message that opens with thanks and has no question word in it."""
    return opens_with_thanks(words, thanks) and not any(
        word in normaliser.lexicon.question_words for word in words
    )


_JOIN_RE = re.compile(r"(?:\s*[,;]\s*|\s+)(?:och|o|å|and|n|&|men|but|samt|plus)\s+|\s*;\s*")
_COMMA_RE = re.compile(r"\s*,\s*")


def split_questions(sentence: str, normaliser: Normaliser) -> list[str]:
    """A sentence asking two things ("hur länge har ni funnits, och varför sluta nu?") cut into
    its questions: only where the part after "och"/"and" opens a question of its own, or, in a
    list of questions ("Vad är BID, varför flyttar ni och när börjar ni?"), after a comma."""
    pieces: list[str] = []
    start = 0
    joins = list(_JOIN_RE.finditer(sentence))
    last_join = joins[-1].start() if joins else -1
    for join in sorted([*joins, *_COMMA_RE.finditer(sentence)], key=lambda join: join.start()):
        if join.start() < start:
            continue
        if join.re is _COMMA_RE and not (
            join.end() <= last_join
            and _opens_question(_read(sentence[start : join.start()], normaliser), normaliser)
        ):
            continue  # "Vem leder Kållered BID, vad heter hen?" is one question
        after = _read(sentence[join.end() :], normaliser)
        if _opens_question(after, normaliser) and fold(sentence[start : join.start()]):
            pieces.append(sentence[start : join.start()])
            start = join.end()
    rest = sentence[start:]
    return [*pieces, rest] if rest.strip() else pieces


# A lead of fewer words ("Och polisen då, vad gör de?") names the question's subject.
_LEAD_WORDS = 4


def _lead(sentence: str, normaliser: Normaliser) -> tuple[int, int] | None:
    """Where a question's leading clause ends, when a comma cuts background off a question of
    its own ("scanned the code at the bus stop, what is BID?"): the lead asks nothing."""
    comma = _COMMA_RE.search(sentence)
    if comma is None:
        return None
    before = _read(sentence[: comma.start()], normaliser)
    after = _read(sentence[comma.end() :], normaliser)
    if len(before) < _LEAD_WORDS or not _opens_question(after, normaliser):
        return None
    if set(after) & normaliser.lexicon.sentences["referring"]:
        return None  # "..., är det därför ni flyttar dit?" asks about the lead
    if is_question(sentence[: comma.start()], before, normaliser):
        return None
    return comma.start(), comma.end()


def _read(text: str, normaliser: Normaliser) -> list[str]:
    """`text`'s words as the matcher reads them, without demand markers ("~money")."""
    return [word for word in normaliser.words(text) if not word.startswith("~")]


def _opens_question(words: list[str], normaliser: Normaliser) -> bool:
    if not words:
        return False
    lexicon = normaliser.lexicon
    first = words[0]
    second = words[1] if len(words) > 1 else ""
    if first in lexicon.question_words:
        return normaliser.asks(words, 0)
    return first in lexicon.sentences["inverted_verbs"] and second in lexicon.sentences["subjects"]


def is_question(
    sentence: str, words: list[str], normaliser: Normaliser, *, indirect: bool = True
) -> bool:
    """True when `sentence` (folded to `words`) asks something; `indirect`: also when it asks
    without a question mark or question word ("jag undrar om ...")."""
    if sentence.rstrip().endswith("?"):
        return True
    lexicon = normaliser.lexicon
    openers = lexicon.sentences["openers"]
    # Read after shorthand and phrases: "vrf", "whos" and "sen när" open questions too.
    words = _read(sentence, normaliser) or words
    start = 0
    while start < len(words) - 1 and words[start] in openers:
        start += 1
    first = words[start]
    if first in lexicon.question_words or first in lexicon.sentences["question_starts"]:
        return True
    second = words[start + 1] if start + 1 < len(words) else ""
    inverted = lexicon.sentences["inverted_verbs"]
    if first in inverted and (second in lexicon.sentences["subjects"] or _definite(second)):
        return True  # "kan ni", "blir skolan", "kan kommunen hjälpa mig"
    # "..., eller vart ska jag vända mig": a question word and a verb after "och"/"eller"
    for i in range(start + 1, len(words) - 1):
        if (
            words[i - 1] in lexicon.clause_joins
            and words[i] in lexicon.question_words
            and words[i + 1] in inverted
        ):
            return True
    return indirect and bool(lexicon.asking.search(" ".join(words)))


def _definite(word: str) -> bool:
    """A Swedish noun in its definite form ("kommunen", "föreningarna"), a subject after an
    inverted verb; "har bott", "är född" have none."""
    return len(word) >= 6 and word.endswith(("en", "et", "na")) and not word.endswith("ligen")
