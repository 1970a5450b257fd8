"""Question -> FAQ topic: the answering engine. Pure, no I/O after start-up; word data in files.

Stages, each its own module: segment (sentences and their roles) -> normalise (fold, shorthand,
synonyms, phrases, demands) -> features (stems, typos, compounds, unknown words) -> index (what
the FAQ teaches, built once) -> score (each entry against the terms) -> decide (the Matcher:
readings, thresholds, several questions) -> explain (why). lexicon loads the language data
(bot/matching/data/*.yaml); this FAQ's synonyms and vocabulary live in content/faq.yaml.
"""

from bot.matching.decide import Matcher
from bot.matching.lexicon import lexicon_problems
from bot.matching.normalise import fold, tokens
from bot.matching.verdict import (
    ANSWER_THRESHOLD,
    SUGGEST_THRESHOLD,
    EntryEvidence,
    Explanation,
    Match,
)

__all__ = [
    "ANSWER_THRESHOLD",
    "SUGGEST_THRESHOLD",
    "EntryEvidence",
    "Explanation",
    "Match",
    "Matcher",
    "fold",
    "lexicon_problems",
    "tokens",
]
