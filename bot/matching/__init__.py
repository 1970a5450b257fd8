"""Question -> FAQ topic: the answering engine. Pure, no I/O after start-up; word data in files.

Stages, each its own module: segment (sentences and their roles) -> normalise (fold, shorthand,
synonyms, phrases, marks) -> vectorise (features, tf-idf) -> model (a softmax regression learned
from the examples at start-up) -> decide (the Matcher: thresholds, several questions, "I don't
know" with the related topic) -> explain (why); smalltalk.py tells greetings and thanks.
learned.py gathers the examples and trains; store.py keeps a trained model between starts;
lexicon loads the language data (bot/matching/data/*.yaml); this FAQ's synonyms and examples
live in content/.
"""

from bot.matching.decide import Matcher
from bot.matching.lexicon import lexicon_problems
from bot.matching.normalise import fold, tokens
from bot.matching.store import ModelStore
from bot.matching.verdict import (
    ANSWER_THRESHOLD,
    RELATED_THRESHOLD,
    SUGGEST_THRESHOLD,
    Candidate,
    Explanation,
    Match,
)

__all__ = [
    "ANSWER_THRESHOLD",
    "RELATED_THRESHOLD",
    "SUGGEST_THRESHOLD",
    "Candidate",
    "Explanation",
    "Match",
    "Matcher",
    "ModelStore",
    "fold",
    "lexicon_problems",
    "tokens",
]
